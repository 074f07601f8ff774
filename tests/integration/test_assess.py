"""The assessment on the web: start, answer page by page, resume, submit, results, history, PDF."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from portal.assess import operations
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.assess.questionnaires import registry
from portal.auth.models import User
from portal.businesses.models import Business, BusinessKind, BusinessSize
from portal.devtools.querycount import count_queries
from portal.extensions import db
from tests.factories import EN, HOUSEHOLD_ANSWERS, any_answers, pdf_text, submitted_assessment

#: Form input for each page of the household questionnaire (question ids without the q_ prefix).
HOUSEHOLD_PAGES = [
    {"smartphone": "shared", "internet": "weak", "computer": "no"},
    {"bank_app": "partly", "receive_payments": ["cod"], "pay_online": "no"},
    {"sell_online": "no"},
    {"product_content": ["photos"], "ocop": "no", "traceability": "no"},
    {
        "phone_skills": "2",
        "scam_response": "unsure",
        "account_safety": ["screen_lock"],
        "digital_training": "no",
    },
]


def form(page: dict, action: str = "next") -> dict:
    return {f"q_{key}": value for key, value in page.items()} | {"action": action}


@pytest.fixture
def owner(make_user):
    return make_user(name="Đặng Thị Hoa")


@pytest.fixture
def household(make_business, owner):
    return make_business(
        owner=owner,
        kind=BusinessKind.HOUSEHOLD,
        size=BusinessSize.FAMILY,
        name="Hộ Mật ong Đồng Văn",
    )


def db_is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def start(client, business) -> int:
    response = client.post(f"/businesses/{business.id}/assessments/start")
    assert response.status_code == 302
    match = re.search(r"/assessments/(\d+)/step/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def get_assessment(app, assessment_id) -> Assessment:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        db.session.expunge(assessment)
        return assessment


# --------------------------------------------------------------------- choosing the questionnaire


@pytest.mark.parametrize(
    ("kind", "size", "title", "why"),
    [
        (BusinessKind.HOUSEHOLD, BusinessSize.FAMILY, "households", "Households answer"),
        (BusinessKind.HOUSEHOLD_BUSINESS, BusinessSize.FAMILY, "households", "run by the family"),
        (BusinessKind.HOUSEHOLD_BUSINESS, BusinessSize.MICRO, "businesses", "has employees"),
        (BusinessKind.COOPERATIVE, BusinessSize.SMALL, "businesses", "Cooperatives answer"),
        (BusinessKind.ENTERPRISE, BusinessSize.SMALL, "businesses", "Enterprises answer"),
    ],
)
def test_the_questionnaire_follows_the_kind_and_the_page_says_why(
    client, auth, make_user, make_business, kind, size, title, why
):
    owner = make_user()
    business = make_business(owner=owner, kind=kind, size=size)
    auth.login(owner)
    page = client.get(f"/businesses/{business.id}/assessments/start", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Why this questionnaire?" in text and why in text
    assert title in text.split("<h1>")[1].split("</h1>")[0].lower()


# ------------------------------------------------------------------------------ the whole flow


def test_start_save_resume_submit_results_history_and_pdf(app, client, auth, owner, household):
    auth.login(owner)
    assessment_id = start(client, household)

    # Page 1, partly answered, then on to page 2.
    response = client.post(
        f"/assessments/{assessment_id}/step/1", data=form({"smartphone": "own"}), headers=EN
    )
    assert response.headers["Location"].endswith(f"/assessments/{assessment_id}/step/2")
    # Page 2, one answer, then "Save and finish later".
    response = client.post(
        f"/assessments/{assessment_id}/step/2", data=form({"bank_app": "yes"}, "later")
    )
    assert response.headers["Location"].endswith(f"/businesses/{household.id}/assessments")
    saved = get_assessment(app, assessment_id)
    assert saved.answers == {"smartphone": "own", "bank_app": "yes"}
    assert saved.current_step == 2 and saved.status == AssessmentStatus.DRAFT

    # A new session (browser closed): the dashboard offers to continue, and it resumes on page 2.
    auth.logout()
    auth.login(owner)
    dashboard = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "Continue the assessment" in dashboard
    response = client.get(f"/assessments/{assessment_id}")
    assert response.headers["Location"].endswith(f"/assessments/{assessment_id}/step/2")
    page2 = client.get(f"/assessments/{assessment_id}/step/2").get_data(as_text=True)
    assert re.search(r'name="q_bank_app" value="yes"\s+checked', page2)
    page1 = client.get(f"/assessments/{assessment_id}/step/1").get_data(as_text=True)
    assert re.search(r'name="q_smartphone" value="own"\s+checked', page1)
    # Starting again resumes the same draft.
    assert start(client, household) == assessment_id

    # Submitting now names the missing questions.
    response = client.post(f"/assessments/{assessment_id}/review", headers=EN)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "questions still need an answer" in text
    assert "How well does the internet (wifi or 4G) work at home?" in text
    assert get_assessment(app, assessment_id).status == AssessmentStatus.DRAFT

    for number, page in enumerate(HOUSEHOLD_PAGES, start=1):
        response = client.post(f"/assessments/{assessment_id}/step/{number}", data=form(page))
        assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/assessments/{assessment_id}/review")
    review = client.get(f"/assessments/{assessment_id}/review", headers=EN).get_data(as_text=True)
    assert "Every question is answered" in review
    response = client.post(f"/assessments/{assessment_id}/review")
    assert response.headers["Location"].endswith(f"/assessments/{assessment_id}")

    with app.app_context():
        first = db.session.get(Assessment, assessment_id)
        assert first.status == AssessmentStatus.SUBMITTED and first.submitted_at
        assert first.questionnaire_id == "household" and first.questionnaire_version == 1
        assert first.started_by_id == owner.id and first.assisted_by_id is None
        assert set(first.dimension_scores) == {
            "devices",
            "payments",
            "online_sales",
            "product_info",
            "skills_safety",
        }
        first_score, first_level = first.overall_score, first.level

    results = client.get(f"/assessments/{assessment_id}", headers=EN).get_data(as_text=True)
    assert '<svg class="radar"' in results
    assert f"Level {first_level} of 5" in results
    # The band's explanation and next steps of a weak dimension, in plain language.
    assert "You don&#39;t sell online yet" in results or "You don't sell online yet" in results
    assert "Take clear photos of your products" in results
    assert "Recommended courses" in results
    # A submitted assessment cannot be changed any more.
    response = client.post(f"/assessments/{assessment_id}/step/1", data=form({"computer": "yes"}))
    assert response.headers["Location"].endswith(f"/assessments/{assessment_id}")
    assert get_assessment(app, assessment_id).answers["computer"] == "no"

    # Some time later: a second assessment, with better answers.
    second_id = start(client, household)
    assert second_id != assessment_id
    better = [{k: v for k, v in page.items()} for page in HOUSEHOLD_PAGES]
    better[0]["internet"] = "good"
    better[2] = {"sell_online": "yes", "sell_where": ["zalo"], "monthly_orders": "7"}
    for number, page in enumerate(better, start=1):
        assert (
            client.post(f"/assessments/{second_id}/step/{number}", data=form(page)).status_code
            == 302
        )
    client.post(f"/assessments/{second_id}/review")
    results = client.get(f"/assessments/{second_id}", headers=EN).get_data(as_text=True)
    assert "The dashed line shows the previous assessment." in results
    assert "stroke-dasharray" in results
    assert "points up since last time" in results and "▲" in results

    history = client.get(f"/businesses/{household.id}/assessments", headers=EN)
    text = history.get_data(as_text=True)
    assert text.count(f'/assessments/{assessment_id}"') == 1
    assert text.count(f'/assessments/{second_id}"') == 1
    # The first result never changed.
    with app.app_context():
        first = db.session.get(Assessment, assessment_id)
        assert (first.overall_score, first.level) == (first_score, first_level)

    pdf = client.get(f"/assessments/{second_id}/report.pdf?lang=vi")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "ho-mat-ong-dong-van" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "Hộ Mật ong Đồng Văn" in text
    assert "Quảng Ninh" in text and "Bán hàng qua mạng" in text
    assert re.search(r"\b1\s*/\s*\d", text)  # page numbers
    english = pdf_text(client.get(f"/assessments/{second_id}/report.pdf?lang=en").data)
    assert "Selling online" in english and "Digital readiness report" in english


def test_invalid_answers_are_shown_back_and_valid_ones_kept(app, client, auth, owner, household):
    auth.login(owner)
    assessment_id = start(client, household)
    for number in (1, 2):
        client.post(f"/assessments/{assessment_id}/step/{number}", data=form({}))
    response = client.post(
        f"/assessments/{assessment_id}/step/3",
        data=form({"sell_online": "yes", "monthly_orders": "mười hai"}),
        headers=EN,
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Please write a number like 1,000 or 2.5." in text
    assert 'value="mười hai"' in text
    saved = get_assessment(app, assessment_id)
    assert saved.answers == {"sell_online": "yes"} and saved.current_step == 3

    response = client.post(
        f"/assessments/{assessment_id}/step/4",
        data=form({"product_content": ["photos", "none"]}),
        headers=EN,
    )
    assert "“None yet” cannot be chosen together with other answers." in response.get_data(
        as_text=True
    ).replace("&#34;", '"')


def test_back_saves_the_page_too(app, client, auth, owner, household):
    auth.login(owner)
    assessment_id = start(client, household)
    client.post(f"/assessments/{assessment_id}/step/1", data=form({}))
    response = client.post(
        f"/assessments/{assessment_id}/step/2", data=form({"pay_online": "partly"}, "back")
    )
    assert response.headers["Location"].endswith("/step/1")
    assert get_assessment(app, assessment_id).answers == {"pay_online": "partly"}


def test_hidden_questions_do_not_count_and_are_not_kept(app, client, auth, owner, household):
    auth.login(owner)
    assessment_id = start(client, household)
    answers = dict(HOUSEHOLD_ANSWERS, sell_online="no")
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        operations.save_answers(
            assessment, db.session.get(User, owner.id), {"monthly_orders": 3, **answers}
        )
        db.session.commit()
    review = client.get(f"/assessments/{assessment_id}/review", headers=EN).get_data(as_text=True)
    assert "Every question is answered" in review
    client.post(f"/assessments/{assessment_id}/review")
    saved = get_assessment(app, assessment_id)
    assert saved.status == AssessmentStatus.SUBMITTED
    assert "monthly_orders" not in saved.answers and "sell_where" not in saved.answers


def test_autosave_keeps_one_answer_and_reports_invalid_ones(app, client, auth, owner, household):
    auth.login(owner)
    assessment_id = start(client, household)
    url = f"/assessments/{assessment_id}/autosave"
    assert client.post(url, json={"question": "internet", "value": "weak"}).json == {"saved": True}
    assert client.post(url, json={"question": "sell_where", "value": ["zalo", "facebook"]}).json[
        "saved"
    ]
    bad = client.post(url, json={"question": "monthly_orders", "value": "-5"}, headers=EN)
    assert bad.status_code == 422 and "from 0 to 100,000" in bad.json["error"]
    assert client.post(url, json={"question": "nope", "value": "x"}).status_code == 400
    assert client.post(url, json={"question": "internet", "value": ""}).json == {"saved": True}
    assert get_assessment(app, assessment_id).answers == {"sell_where": ["zalo", "facebook"]}



def test_question_page_and_autosave_read_each_row_once(app, client, auth, owner, household):
    """The account and the assessment (with its business, in the same statement) are read once
    per request: the autosave's lock must not make it fetch the business again, nor its commit
    the account (both once did)."""
    auth.login(owner)
    assessment_id = start(client, household)
    url = f"/assessments/{assessment_id}/autosave"

    def statements(send):
        with app.app_context(), count_queries(db.engine) as counter:
            assert send().status_code == 200
        return [" ".join(s.split()) for s in counter.statements]

    page = statements(lambda: client.get(f"/assessments/{assessment_id}/step/1"))
    save = statements(lambda: client.post(url, json={"question": "internet", "value": "weak"}))
    for run in (page, save):
        reads = [s for s in run if s.startswith("SELECT")]
        assert sum(" FROM users " in s for s in reads) == 1, run
        assert not [s for s in reads if s.startswith("SELECT businesses.")], run
    assert len(page) == 2, page
    # Account, assessment and business; the assessment locked and read again; its update.
    # (SQLite first takes its write lock with an empty update: one more.)
    assert len(save) == (5 if db_is_sqlite(app) else 4), save
    assert get_assessment(app, assessment_id).answers == {"internet": "weak"}


UNREADABLE_BODIES = [
    b"[]",
    b'"internet"',
    b"42",
    b"null",
    b"{",
    b"\xc3\x28 not utf-8",
    b'{"question": 5, "value": "weak"}',
    b'{"question": ["internet"], "value": "weak"}',
    b'{"question": "internet", "value": 5}',
    b'{"question": "internet", "value": true}',
    b'{"question": "internet", "value": {"a": "weak"}}',
    b'{"question": "internet", "value": [["weak"]]}',
    b'{"question": "internet", "value": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"question": "internet", "value": "' + b"w" * 20_000 + b'"}',
    b'{"question": "internet", "value": [' + b",".join([b'"weak"'] * 60) + b"]}",
    b'{"question": "internet", "value": 1e999}',
]


@pytest.mark.parametrize("body", UNREADABLE_BODIES, ids=range(len(UNREADABLE_BODIES)))
def test_autosave_answers_a_clear_400_to_what_is_not_one_answer(
    app, client, auth, owner, household, body
):
    auth.login(owner)
    assessment_id = start(client, household)
    response = client.post(
        f"/assessments/{assessment_id}/autosave",
        data=body,
        content_type="application/json",
        headers=EN,
    )
    assert response.status_code == 400
    assert response.json == {
        "saved": False,
        "error": "This answer could not be read. Please reload the page and answer again.",
    }
    assert get_assessment(app, assessment_id).answers == {}


@pytest.mark.parametrize("value", ["weak\x00", ["zalo", "face\x00book"]])
def test_autosave_refuses_nul_bytes(app, client, auth, owner, household, value):
    auth.login(owner)
    assessment_id = start(client, household)
    url = f"/assessments/{assessment_id}/autosave"
    response = client.post(url, json={"question": "internet", "value": value}, headers=EN)
    assert response.status_code == 400
    assert response.json == {
        "error": "bad_request",
        "message": "This request could not be handled",
    }
    vi_page = {"Accept-Language": "vi"}
    vi = client.post(url, json={"question": "internet", "value": value}, headers=vi_page)
    assert vi.json["message"] != response.json["message"]  # in the page's language
    assert get_assessment(app, assessment_id).answers == {}


def test_a_save_after_the_submission_is_refused_with_a_message(app, client, auth, owner, household):
    assessment_id = submitted_assessment(app, household)
    auth.login(owner)
    response = client.post(
        f"/assessments/{assessment_id}/autosave",
        json={"question": "internet", "value": "none"},
        headers=EN,
    )
    assert response.status_code == 409
    assert response.json == {
        "saved": False,
        "error": "Not saved: this assessment has already been submitted and can no longer change.",
    }
    page = client.post(
        f"/assessments/{assessment_id}/step/1",
        data=form({"internet": "none"}),
        headers=EN,
        follow_redirects=True,
    )
    assert "Not saved: this assessment has already been submitted" in page.get_data(as_text=True)
    assert get_assessment(app, assessment_id).answers["internet"] == "good"
    # Submitting again (a second click) shows the same result, not an error.
    again = client.post(f"/assessments/{assessment_id}/review", headers=EN, follow_redirects=True)
    assert again.status_code == 200
    assert "Assessment results" in again.get_data(as_text=True)


def test_autosave_is_rate_limited_per_user_and_the_page_still_saves(
    app, client, auth, monkeypatch, owner, household
):
    monkeypatch.setitem(app.config, "AUTOSAVE_RATE_LIMIT", "3 per minute")
    auth.login(owner)
    assessment_id = start(client, household)
    url = f"/assessments/{assessment_id}/autosave"
    for _ in range(3):
        assert client.post(url, json={"question": "internet", "value": "weak"}).status_code == 200
    assert client.post(url, json={"question": "internet", "value": "none"}).status_code == 429
    assert get_assessment(app, assessment_id).answers["internet"] == "weak"
    # Nothing is lost: the page's own submit saves what the script could not.
    page = HOUSEHOLD_PAGES[0] | {"internet": "none"}
    client.post(f"/assessments/{assessment_id}/step/1", data=form(page))
    assert get_assessment(app, assessment_id).answers["internet"] == "none"


# ---------------------------------------------------------------------------------- assisted


def test_a_trainer_fills_in_the_assessment_with_a_household(
    app, client, auth, make_user, household
):
    from portal.auth.models import Role

    trainer = make_user(role=Role.TRAINER, name="Nguyễn Văn Giúp")
    auth.login(trainer)
    page = client.get(f"/businesses/{household.id}/assessments/start", headers=EN)
    assert "the assessment records that you helped" in page.get_data(as_text=True)
    assessment_id = start(client, household)
    for number, page in enumerate(HOUSEHOLD_PAGES, start=1):
        client.post(f"/assessments/{assessment_id}/step/{number}", data=form(page))
    client.post(f"/assessments/{assessment_id}/review")
    saved = get_assessment(app, assessment_id)
    assert saved.status == AssessmentStatus.SUBMITTED
    assert saved.assisted_by_id == trainer.id and saved.started_by_id == trainer.id
    results = client.get(f"/assessments/{assessment_id}", headers=EN).get_data(as_text=True)
    assert "Filled in with the help of Nguyễn Văn Giúp." in results


def test_trainers_cannot_fill_in_an_enterprise_assessment(client, auth, make_user, make_business):
    from portal.auth.models import Role

    enterprise = make_business(kind=BusinessKind.ENTERPRISE, size=BusinessSize.SMALL)
    auth.login(make_user(role=Role.TRAINER))
    assert client.post(f"/businesses/{enterprise.id}/assessments/start").status_code == 403
    assert client.get(f"/businesses/{enterprise.id}/assessments").status_code == 200


# ------------------------------------------------------------------------------------- access


def test_owners_see_only_their_own_assessments(app, client, auth, make_user, make_business):
    owner = make_user()
    mine = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD)
    theirs = make_business(kind=BusinessKind.HOUSEHOLD)  # same province, another owner
    mine_id = submitted_assessment(app, mine)
    theirs_id = submitted_assessment(app, theirs)
    auth.login(owner)
    assert client.get(f"/assessments/{mine_id}").status_code == 200
    for url in (
        f"/assessments/{theirs_id}",
        f"/assessments/{theirs_id}/report.pdf",
        f"/assessments/{theirs_id}/review",
        f"/businesses/{theirs.id}/assessments",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/businesses/{theirs.id}/assessments/start").status_code == 404


def test_province_users_see_their_province_only(app, client, auth, make_user, make_business):
    from portal.auth.models import Role
    from tests.conftest import HA_NOI

    here = submitted_assessment(app, make_business(kind=BusinessKind.HOUSEHOLD))
    there = submitted_assessment(
        app, make_business(kind=BusinessKind.HOUSEHOLD, province_code=HA_NOI)
    )
    auth.login(make_user(role=Role.STAFF))
    assert client.get(f"/assessments/{here}").status_code == 200
    assert client.get(f"/assessments/{there}").status_code == 404
    assert client.get(f"/assessments/{there}/report.pdf").status_code == 404


# ------------------------------------------------------------------------ versions and storage


def test_scores_are_stored_with_their_version_and_match_the_domain(app, make_business):
    from assessments import score

    business = make_business(kind=BusinessKind.HOUSEHOLD)
    assessment_id = submitted_assessment(app, business)
    with app.app_context():
        expected = score(registry().get("household", 1), HOUSEHOLD_ANSWERS)
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.overall_score == expected.overall
        assert assessment.level == expected.level
        rows = db.session.scalars(
            sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment_id)
        ).all()
        assert {r.dimension: r.score for r in rows} == expected.dimensions


def test_a_new_version_leaves_drafts_and_results_on_the_old_one(
    app, client, auth, owner, household, monkeypatch
):
    import copy

    import yaml

    from assessments import QUESTIONNAIRE_DIR, QuestionnaireRegistry, parse_questionnaire
    from portal.assess import questionnaires

    old = registry()
    finished = submitted_assessment(app, household)
    auth.login(owner)
    draft = start(client, household)
    client.post(f"/assessments/{draft}/step/1", data=form(HOUSEHOLD_PAGES[0]))

    with open(f"{QUESTIONNAIRE_DIR}/household-v1.yaml", encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    raw = copy.deepcopy(raw) | {"version": 2}
    raw["dimensions"][0]["title"] = {"vi": "Thiết bị (bản 2)", "en": "Devices (version 2)"}
    v2 = parse_questionnaire(raw, "household-v2.yaml")
    monkeypatch.setattr(
        questionnaires, "registry", lambda: QuestionnaireRegistry((*old.questionnaires, v2))
    )

    # The open draft is finished on version 1; old results still read as version 1.
    page = client.get(f"/assessments/{draft}/step/1", headers=EN).get_data(as_text=True)
    assert "Devices and connectivity" in page and "version 2" not in page
    for number, answers in enumerate(HOUSEHOLD_PAGES, start=1):
        client.post(f"/assessments/{draft}/step/{number}", data=form(answers))
    client.post(f"/assessments/{draft}/review")
    assert get_assessment(app, draft).questionnaire_version == 1
    assert client.get(f"/assessments/{finished}", headers=EN).status_code == 200
    # A new assessment uses version 2.
    new = start(client, household)
    assert get_assessment(app, new).questionnaire_version == 2
    page = client.get(f"/assessments/{new}/step/1", headers=EN).get_data(as_text=True)
    assert "Devices (version 2)" in page


def test_one_open_draft_per_business_is_enforced_by_the_database(app, household):
    with app.app_context():
        business = db.session.get(Business, household.id)
        for _ in range(2):
            db.session.add(
                Assessment(
                    business=business,
                    province_code=business.province_code,
                    questionnaire_id="household",
                    questionnaire_version=1,
                    answers={},
                )
            )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_previous_assessment_is_the_one_submitted_just_before(app, household):
    from portal.assess.queries import previous_submitted

    older = submitted_assessment(app, household, submitted_at=datetime(2030, 1, 1))
    newer = submitted_assessment(app, household, submitted_at=datetime(2030, 6, 1))
    with app.app_context():
        assert previous_submitted(db.session.get(Assessment, newer)).id == older
        assert previous_submitted(db.session.get(Assessment, older)) is None


# ---------------------------------------------------------------------------------- numbers


def _enterprise_draft(app, client, make_business, owner):
    business = make_business(owner=owner, kind=BusinessKind.ENTERPRISE, size=BusinessSize.SMALL)
    assessment_id = start(client, business)
    questionnaire = registry().get("enterprise", 1)
    answers = any_answers(questionnaire) | {"sell_online": "yes"}
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        operations.save_answers(assessment, db.session.get(User, owner.id), answers)
        db.session.commit()
    return assessment_id


def test_numbers_are_read_the_way_the_page_language_writes_them(
    app, client, auth, make_business, owner
):
    auth.login(owner)
    assessment_id = _enterprise_draft(app, client, make_business, owner)
    url = f"/assessments/{assessment_id}/autosave"

    # Vietnamese page (the default): "1.000" is a thousand, "2,5" two and a half.
    assert client.post(url, json={"question": "employees", "value": "1.000"}).json["saved"]
    assert client.post(url, json={"question": "online_share", "value": "2,5"}).json["saved"]
    stored = get_assessment(app, assessment_id).answers
    assert (stored["employees"], stored["online_share"]) == (1000, 2.5)
    # "1,000" could be one (with needless zeros) or an English thousand: refused, both shown.
    refused = client.post(url, json={"question": "employees", "value": "1,000"})
    assert refused.status_code == 422
    assert "1.000" in refused.json["error"] and "1,000" in refused.json["error"]
    wrong_way = client.post(url, json={"question": "online_share", "value": "2.5"})
    assert wrong_way.status_code == 422 and "2,5" in wrong_way.json["error"]
    assert get_assessment(app, assessment_id).answers["employees"] == 1000

    # The page shows stored numbers back the same way, with a hint, in a text field.
    page = client.get(f"/assessments/{assessment_id}/step/6").get_data(as_text=True)
    assert re.search(r'type="text" id="q_employees" name="q_employees" value="1.000"', page)
    assert 'inputmode="numeric"' in page and 'type="number"' not in page
    assert re.search(r'id="q_employees-format">[^<]*1\.000', page)
    step2 = client.get(f"/assessments/{assessment_id}/step/2").get_data(as_text=True)
    assert 'name="q_online_share" value="2,5"' in step2
    assert re.search(r'id="q_online_share-format">[^<]*1\.000[^<]*2,5', step2)
    review = client.get(f"/assessments/{assessment_id}/review").get_data(as_text=True)
    assert "1.000 người" in review and "2,5 %" in review

    # The form post reads the same way; an English page the English way.
    response = client.post(
        f"/assessments/{assessment_id}/step/6",
        data=form({"employees": "12.000"} | {"staff_skills": "3"}, "later"),
    )
    assert response.status_code == 302
    assert get_assessment(app, assessment_id).answers["employees"] == 12_000
    assert client.post(url, json={"question": "employees", "value": "1,500"}, headers=EN).json[
        "saved"
    ]
    assert get_assessment(app, assessment_id).answers["employees"] == 1500
    english = client.post(url, json={"question": "employees", "value": "1.000"}, headers=EN)
    assert english.json["error"] == "“1.000” can be read two ways: please write 1,000 or 1."
    typo = client.post(url, json={"question": "online_share", "value": "2,5"}, headers=EN)
    assert typo.json["error"] == "Please write the number as 2.5."
    words = client.post(url, json={"question": "online_share", "value": "hai"}, headers=EN)
    assert words.json["error"] == "Please write a number like 1,000 or 2.5."
    review = client.get(f"/assessments/{assessment_id}/review", headers=EN).get_data(as_text=True)
    assert "1,500 people" in review and "2.5 %" in review


def test_the_report_shows_the_answers_with_numbers_in_its_language(
    app, client, auth, make_business, owner
):
    auth.login(owner)
    assessment_id = _enterprise_draft(app, client, make_business, owner)
    url = f"/assessments/{assessment_id}/autosave"
    client.post(url, json={"question": "employees", "value": "1.000"})
    client.post(url, json={"question": "online_share", "value": "2,5"})
    assert client.post(f"/assessments/{assessment_id}/review").status_code == 302

    vi = pdf_text(client.get(f"/assessments/{assessment_id}/report.pdf?lang=vi").data)
    assert re.search(r"1\.000\s+người", vi) and re.search(r"2,5\s+%", vi)
    en = pdf_text(client.get(f"/assessments/{assessment_id}/report.pdf?lang=en").data)
    assert "The answers given" in en
    assert re.search(r"1,000\s+people", en) and re.search(r"2\.5\s+%", en)
