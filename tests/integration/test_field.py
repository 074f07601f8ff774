"""Field teams: staff attach helpers to communes; helpers' records sync idempotently, are
validated, re-scored and matched, and land as household businesses with an assessment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessments import load_all, parse_questionnaire
from assessments.loader import QUESTIONNAIRE_DIR, QuestionnaireRegistry
from assessments.yaml_reader import load_yaml
from portal import clock, geo
from portal.assess import questionnaires as assess_questionnaires
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.assess.questionnaires import registry
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind
from portal.extensions import db
from portal.field.models import FieldAnswer, FieldHousehold, HelperCommune
from portal.privacy import notices
from tests.conftest import HA_NOI, PASSWORD, QUANG_NINH, all_at_once
from tests.factories import (
    EN,
    FIELD_COMMUNES,
    add_class,
    assessed_on,
    count_rows,
    field_helper,
    field_record,
    new_training,
    sync_records,
)

ROOT = Path(__file__).resolve().parents[2]


def _notice_version(app) -> int:
    with app.app_context():
        return notices.current_version()


def test_a_batch_sent_twice_or_cut_and_resent_is_stored_once(app, client, auth, helper):
    auth.login(helper)
    records = [field_record(app, name=f"Hộ {n}") for n in range(5)]
    # Cut after two records: the app sends everything again.
    first = sync_records(client, records[:2])
    assert [r["status"] for r in first.json["results"]] == ["stored", "stored"]
    again = sync_records(client, records)
    assert [r["status"] for r in again.json["results"]] == ["duplicate"] * 2 + ["stored"] * 3
    third = sync_records(client, records)
    assert [r["status"] for r in third.json["results"]] == ["duplicate"] * 5

    assert count_rows(app, FieldHousehold) == 5
    answers = sum(len(r["answers"]) for r in records)
    assert count_rows(app, FieldAnswer) == answers
    with app.app_context():
        rows = db.session.scalars(sa.select(FieldHousehold).order_by(FieldHousehold.id)).all()
        assert sorted(h.name for h in rows) == [f"Hộ {n}" for n in range(5)]
        for household in rows:
            business = household.business
            assert business.kind == BusinessKind.HOUSEHOLD
            assert business.commune_code == FIELD_COMMUNES[0]
            assert business.owner.role == Role.OWNER and business.owner.login == ""
            assert business.owner.privacy_version == _notice_version(app)
            assessment = db.session.get(Assessment, household.assessment_id)
            assert assessment.status == AssessmentStatus.SUBMITTED
            assert assessment.assisted_by_id == helper.id
            assert assessment.overall_score == household.client_scores["overall"]
            assert len(assessment.scores) == 5
            assert not household.score_mismatch
    # The dashboards count them like any household.
    assert count_rows(app, Business, Business.kind == BusinessKind.HOUSEHOLD) == 5
    assert count_rows(app, AssessmentScore) == 25


def test_server_rescores_and_flags_a_difference(app, client, auth, helper):
    auth.login(helper)
    honest = field_record(app)
    wrong = field_record(
        app, scores={"dimensions": {"devices": 100.0}, "overall": 99.9, "level": 5}
    )
    response = sync_records(client, [honest, wrong])
    ok, flagged = response.json["results"]
    assert ok["mismatch"] is False and flagged["mismatch"] is True
    assert flagged["scores"] == ok["scores"]  # the same answers: the server's score counts
    with app.app_context():
        stored = db.session.scalar(
            sa.select(FieldHousehold).where(FieldHousehold.client_id == wrong["id"])
        )
        assert stored.score_mismatch
        assert (
            db.session.get(Assessment, stored.assessment_id).overall_score
            == (ok["scores"]["overall"])
        )


def test_records_are_validated_one_by_one(app, client, auth, helper, make_user):
    auth.login(helper)
    good = field_record(app)
    bad_id = field_record(app) | {"id": "not-a-uuid"}
    not_mine = field_record(app, commune=FIELD_COMMUNES[2])
    other_province = field_record(app, commune=int(geo.communes(HA_NOI)[0].code))
    no_consent = field_record(app) | {"consent": None}
    gone = field_record(app)
    gone["questionnaire"] = {"id": "household", "version": 99}
    bad_answer = field_record(app)
    bad_answer["answers"][0]["value"] = "no-such-option"
    missing = field_record(app)
    missing["answers"] = missing["answers"][1:]
    bad_answer_id = field_record(app)
    bad_answer_id["answers"][0]["id"] = "123"

    response = sync_records(
        client,
        [good, bad_id, not_mine, other_province, no_consent, gone, bad_answer, missing,
         bad_answer_id],
    )  # fmt: skip
    assert response.status_code == 200
    got = [(r["status"], r.get("reason")) for r in response.json["results"]]
    assert got == [
        ("stored", None),
        ("refused", "bad_id"),
        ("refused", "not_your_commune"),
        ("refused", "not_your_commune"),
        ("refused", "no_consent"),
        ("refused", "unknown_questionnaire"),
        ("refused", "bad_answer"),
        ("refused", "missing_answers"),
        ("refused", "bad_id"),
    ]
    assert "99" in response.json["results"][5]["message"]
    assert count_rows(app, FieldHousehold) == 1

    # Another helper cannot claim (or learn about) a stored record's id.
    other = field_helper(app, make_user, FIELD_COMMUNES[:1], email="khac@example.vn")
    auth.logout()
    auth.login(other)
    response = sync_records(client, [good])
    assert response.json["results"][0] == {
        "id": good["id"],
        "status": "refused",
        "reason": "bad_id",
        "message": response.json["results"][0]["message"],
    }


def test_a_batch_that_is_not_a_list_or_too_long_is_refused(app, client, auth, helper):
    auth.login(helper)
    assert client.post("/field/api/sync", json={"records": "x"}).status_code == 400
    response = sync_records(client, [field_record(app) for _ in range(51)])
    assert response.status_code == 400
    assert count_rows(app, FieldHousehold) == 0


def _household_v2():
    raw = load_yaml(QUESTIONNAIRE_DIR / "household-v1.yaml")
    raw["version"] = 2
    raw["dimensions"][0]["questions"][0]["weight"] = 7
    return parse_questionnaire(raw, "household-v2.yaml")


def test_a_record_of_an_older_version_is_kept_and_scored_on_its_version(
    app, client, auth, helper, monkeypatch
):
    with_v2 = QuestionnaireRegistry((*load_all(), _household_v2()))
    monkeypatch.setattr(assess_questionnaires, "load_all", lambda: with_v2)
    assess_questionnaires.registry.cache_clear()
    try:
        assert registry().for_audience("household").version == 2
        auth.login(helper)
        old = field_record(app, version=1)
        new = field_record(app, version=2)
        results = sync_records(client, [old, new]).json["results"]
        assert [r["status"] for r in results] == ["stored", "stored"]
        assert [r["mismatch"] for r in results] == [False, False]
        with app.app_context():
            versions = db.session.scalars(sa.select(Assessment.questionnaire_version)).all()
            assert sorted(versions) == [1, 2]
    finally:
        assess_questionnaires.registry.cache_clear()


def test_same_phone_in_same_commune_is_proposed_as_a_match_never_merged(
    app, client, auth, helper, make_user, make_business
):
    owner = make_user(phone="0912345678", email=None)
    existing = make_business(
        owner=owner, commune_code=FIELD_COMMUNES[0], kind=BusinessKind.HOUSEHOLD
    )
    auth.login(helper)
    same = field_record(app, phone="091 234 5678")
    elsewhere = field_record(app, phone="0912345678", commune=FIELD_COMMUNES[1])
    results = sync_records(client, [same, elsewhere]).json["results"]
    assert [r["match"] for r in results] == [True, False]
    # A second field record with the phone of the first field record of that commune.
    again = sync_records(
        client, [field_record(app, phone="0912345678", commune=FIELD_COMMUNES[1])]
    ).json
    assert again["results"][0]["match"] is True
    with app.app_context():
        stored = db.session.scalar(
            sa.select(FieldHousehold).where(FieldHousehold.client_id == same["id"])
        )
        assert stored.match_business_id == existing.id
        assert stored.business_id != existing.id
    assert count_rows(app, Business) == 4


def test_definitions_are_served_with_an_etag(client):
    response = client.get("/field/api/definitions")
    assert response.status_code == 200
    data = response.json
    assert {q["id"] for q in data["questionnaires"]} == {"household", "enterprise"}
    assert response.headers["ETag"].strip('"') == data["version"]
    again = client.get(
        "/field/api/definitions", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_helper_session_lists_their_communes_and_a_token(app, client, auth, helper):
    auth.login(helper)
    data = client.get("/field/api/session").json
    assert sorted(c["code"] for c in data["communes"]) == sorted(FIELD_COMMUNES[:2])
    assert data["notice"]["version"] == _notice_version(app)
    assert data["csrf_token"]
    # The app page, its worker and manifest.
    page = client.get("/field/", headers=EN).get_data(True)
    assert "field/app.js" in page and "manifest.webmanifest" in page and "<script>" not in page
    worker = client.get("/field/sw.js")
    assert worker.mimetype == "text/javascript" and "/field/" in worker.get_data(True)
    assert client.get("/field/manifest.webmanifest").json["scope"] == "/field/"
    # Signing in leads a helper to the app.
    assert client.get("/dashboard").headers["Location"].endswith("/field/")


def test_helper_session_offers_only_the_classes_taking_enrolments(
    app, client, auth, helper, make_user
):
    t = new_training(app, make_user(role=Role.TRAINER, province_code=QUANG_NINH))
    # A class of the same course that ended a month ago, and one still meeting but closed.
    add_class(app, t.course_id, "Lớp đã học xong", days_ago=40)
    add_class(app, t.course_id, "Lớp đang học", days_ago=3, sessions_from_now=(4,))
    auth.login(helper)
    courses = client.get("/field/api/session").json["courses"]
    [course] = [c for c in courses if c["id"] == t.course_id]
    assert [c["venue"] for c in course["classes"]] == ["Nhà văn hoá thôn 1"]
    assert course["classes"][0]["next"]  # its first session, tomorrow


def test_only_helpers_use_the_app_and_only_staff_the_team_page(
    app, client, auth, make_user, helper
):
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    assert client.get("/field/").status_code == 403
    assert client.post("/field/api/sync", json={"records": []}).status_code == 403
    assert client.get("/field/team").status_code == 200
    auth.logout()
    auth.login(helper)
    assert client.get("/field/team").status_code == 403
    # A helper has a province but does not browse its businesses, classes or assessments.
    for path in ("/businesses/", "/training/", "/onboarding/"):
        assert client.get(path).status_code == 403, path


def test_staff_create_a_helper_and_attach_communes(app, client, auth, make_user, helper):
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    auth.login(staff)
    response = client.post(
        "/field/team",
        data={
            "name": "Trần Thị Bình",
            "phone": "0987654321",
            "password": "tre-xanh-ben-song-9",
            "confirm": "tre-xanh-ben-song-9",
            "communes": [str(FIELD_COMMUNES[1]), str(FIELD_COMMUNES[2])],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        new = db.session.scalar(sa.select(User).where(User.phone == "0987654321"))
        assert new.role == Role.HELPER and new.province_code == QUANG_NINH
        new_id = new.id
    assert count_rows(app, HelperCommune, HelperCommune.helper_id == new_id) == 2
    page = client.get("/field/team", headers=EN).get_data(True)
    assert "Trần Thị Bình" in page
    # Re-attach to one commune; a commune of another province is ignored.
    client.post(
        f"/field/team/{new_id}/communes",
        data={"communes": [str(FIELD_COMMUNES[0]), str(geo.communes(HA_NOI)[0].code)]},
    )
    with app.app_context():
        codes = db.session.scalars(
            sa.select(HelperCommune.commune_code).where(HelperCommune.helper_id == new_id)
        ).all()
    assert codes == [FIELD_COMMUNES[0]]
    # Staff of another province do not reach this province's helpers.
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert client.post(f"/field/team/{new_id}/communes", data={}).status_code == 404
    # The new helper agrees to the privacy notice at first sign-in, then syncs in their commune.
    with app.app_context():
        from portal.privacy.operations import record_consent

        record_consent(db.session.get(User, new_id), notices.current_version(), "vi")
        db.session.commit()
    auth.logout()
    assert auth.login("0987654321", "tre-xanh-ben-song-9").status_code == 302
    sent = sync_records(client, [field_record(app, commune=FIELD_COMMUNES[0])])
    assert sent.json["results"][0]["status"] == "stored"


@pytest.mark.postgres_only
def test_simultaneous_uploads_of_the_same_batch_store_each_record_once(app, helper):
    records = [field_record(app, name=f"Hộ {n}") for n in range(6)]
    clients = []
    for _ in range(4):
        c = app.test_client()
        assert (
            c.post("/auth/login", data={"login": helper.login, "password": PASSWORD}).status_code
            == 302
        )
        clients.append(c)
    # Each upload sends the records in its own order.
    orders = [records, records[::-1], records[3:] + records[:3], records[1:] + records[:1]]
    responses = all_at_once(
        [lambda c=c, o=o: sync_records(c, o) for c, o in zip(clients, orders, strict=True)]
    )
    assert [r.status_code for r in responses] == [200] * 4
    stored = [res["status"] for r in responses for res in r.json["results"]]
    assert stored.count("stored") == 6 and stored.count("duplicate") == 18
    assert count_rows(app, FieldHousehold) == 6
    assert count_rows(app, Business) == 6
    assert count_rows(app, FieldAnswer) == sum(len(r["answers"]) for r in records)


def test_a_phone_clock_ahead_of_the_portal_counts_as_received_now(app, client, auth, helper):
    auth.login(helper)
    late = field_record(app)
    late["assessed_at"] = (clock.utcnow() + timedelta(days=1)).isoformat() + "Z"
    bad = field_record(app) | {"assessed_at": "yesterday"}
    results = sync_records(client, [late, bad]).json["results"]
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("stored", None),
        ("refused", "bad_record"),
    ]
    with app.app_context():
        stored = db.session.scalar(sa.select(FieldHousehold))
        assert stored.assessed_at <= clock.utcnow()
        assert stored.assessed_at == db.session.get(Assessment, stored.assessment_id).submitted_at


def test_the_app_shell_weighs_under_150_kb_compressed(app, client, auth, helper):
    import gzip

    from portal.field.views import ASSETS

    auth.login(helper)
    total = len(gzip.compress(client.get("/field/").get_data()))
    for name in ASSETS:
        total += len(gzip.compress((ROOT / "static" / name).read_bytes()))
    total += len(gzip.compress(client.get("/field/sw.js").get_data()))
    assert total < 150 * 1024, total
    # The questionnaires and rules it keeps offline, for the record: well under a megabyte.
    assert len(gzip.compress(client.get("/field/api/definitions").get_data())) < 200 * 1024


# ------------------------------------------------------------------------------ slips


def _stored_household(app, client, auth, helper, **kwargs) -> int:
    auth.login(helper)
    sent = field_record(app, **kwargs)
    assert sync_records(client, [sent]).json["results"][0]["status"] == "stored"
    with app.app_context():
        return db.session.scalar(
            sa.select(FieldHousehold.id).where(FieldHousehold.client_id == sent["id"])
        )


def test_the_result_slip_names_the_household_level_steps_and_claim_code(
    app, client, auth, helper, tmp_path
):
    import subprocess

    import zxingcpp
    from PIL import Image

    from portal.assess.labels import LEVEL_MEANINGS
    from portal.claims.codes import grouped
    from portal.claims.models import ClaimCode

    household_id = _stored_household(app, client, auth, helper, name="Hộ bà Lê Thị Hoa")
    with app.app_context():
        household = db.session.get(FieldHousehold, household_id)
        code = db.session.scalar(
            sa.select(ClaimCode.code).where(ClaimCode.business_id == household.business_id)
        )
        level = db.session.get(Assessment, household.assessment_id).level
        commune = geo.commune_name(household.commune_code)
        with app.test_request_context(headers=EN):
            meaning = str(LEVEL_MEANINGS[level])
        url = f"{app.config['PORTAL_BASE_URL'].rstrip('/')}/claim/{code}"
    page = client.get(f"/field/households/{household_id}/slip", headers=EN)
    assert page.status_code == 200
    for words in ("Hộ bà Lê Thị Hoa", commune, f"Level {level}", meaning, grouped(code), url):
        assert words in page.text, words
    pdf = client.get(f"/field/households/{household_id}/slip.pdf?lang=en")
    assert pdf.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    for words in ("Hộ bà Lê Thị Hoa", "Result slip", f"Level {level}", grouped(code)):
        assert words in text, words
    assert text.count("\f") == 1  # one A5 page
    (tmp_path / "slip.pdf").write_bytes(pdf.data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "slip.pdf", "slip"],
        cwd=tmp_path,
        check=True,
    )
    with Image.open(tmp_path / "slip.png") as image:
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_slips_open_to_their_helper_and_the_provinces_staff_only(
    app, client, auth, helper, make_user
):
    household_id = _stored_household(app, client, auth, helper)
    slip = f"/field/households/{household_id}/slip"
    assert client.get(slip).status_code == 200
    auth.logout()
    other = field_helper(app, make_user, FIELD_COMMUNES[:1])
    auth.login(other)
    assert client.get(slip).status_code in (403, 404)
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    assert client.get(slip).status_code == 200
    assert client.get(slip + ".pdf").mimetype == "application/pdf"
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert client.get(slip).status_code == 404
    auth.logout()
    auth.login(make_user(role=Role.TRAINER, province_code=QUANG_NINH))
    assert client.get(slip).status_code == 403


def test_a_signed_out_app_gets_json_401_not_the_sign_in_page(app, client, auth, helper):
    for response in (
        client.post("/field/api/sync", json={"records": []}),
        client.get("/field/api/session"),
    ):
        assert response.status_code == 401 and response.json["error"] == "signed_out"
    # The page itself still leads to the sign-in page.
    assert client.get("/field/").headers["Location"].startswith("/auth/login")


def test_a_synced_record_links_its_slip(app, client, auth, helper):
    auth.login(helper)
    outcome = sync_records(client, [field_record(app)]).json["results"][0]
    assert client.get(outcome["slip"]).status_code == 200
    assert outcome["claim_code"] in client.get(outcome["slip"]).text.replace("-", "")


# ----------------------------------------------------------------------------- figures


def test_staff_see_households_per_week_commune_and_helper(app, client, auth, helper, make_user):
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    last_week = monday - timedelta(days=7)
    sent = []
    for day, commune in (
        (monday, FIELD_COMMUNES[0]),
        (monday, FIELD_COMMUNES[1]),
        (last_week, FIELD_COMMUNES[0]),
    ):
        r = field_record(app, commune=commune)
        r["assessed_at"] = assessed_on(min(day, today))
        sent.append(r)
    auth.login(helper)
    sync_records(client, sent)
    auth.logout()
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    auth.login(staff)
    page = client.get("/field/report", headers=EN)
    assert page.status_code == 200
    assert "3 households assessed" in page.text
    assert geo.commune_name(FIELD_COMMUNES[1]) in page.text and helper.name in page.text
    csv_text = client.get("/field/report.csv", headers=EN).data.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0] == "Week from,Commune code,Commune,Helper,Households"
    rows = sorted(tuple(line.split(",")) for line in lines[1:])

    def row(week, commune):
        return (week.isoformat(), str(commune), geo.commune_name(commune), helper.name, "1")

    assert rows == sorted(
        [
            row(last_week, FIELD_COMMUNES[0]),
            row(monday, FIELD_COMMUNES[0]),
            row(monday, FIELD_COMMUNES[1]),
        ]
    )
    # A period that holds only last week.
    only = client.get(f"/field/report?start={last_week}&end={last_week + timedelta(days=6)}",
                      headers=EN)  # fmt: skip
    assert "1 household assessed" in only.text
    auth.logout()
    for user in (helper, make_user(role=Role.TRAINER, province_code=QUANG_NINH), make_user()):
        auth.login(user)
        assert client.get("/field/report").status_code == 403
        auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert "0 households assessed" in client.get("/field/report", headers=EN).text


def test_proposed_matches_are_listed_for_staff(app, client, auth, helper, make_user):
    auth.login(helper)
    first = field_record(app, phone="0912000111", name="Hộ ông Tư")
    sync_records(client, [first])
    sync_records(client, [field_record(app, phone="0912000111", name="Hộ ông Tư (lần 2)")])
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get("/field/report", headers=EN).text
    assert "Hộ ông Tư (lần 2)" in page and "/field/matches" in page
