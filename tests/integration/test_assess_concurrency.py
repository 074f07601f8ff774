"""No acknowledged answer is lost: simultaneous autosaves, double submits and saves racing the
submission, as real concurrent requests.

These run on both databases (scripts/test runs the integration tests on SQLite, then on a
throwaway PostgreSQL cluster): the lost update they guard against happened on both, since a
threaded server (or several gunicorn workers) runs requests side by side on either.
"""

import re

import pytest
import sqlalchemy as sa

from assessments import score
from portal import geo
from portal.assess import operations
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus, LatestAssessment
from portal.assess.operations import AssessError
from portal.assess.questionnaires import registry
from portal.auth.models import User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.extensions import db
from tests.conftest import HA_NOI, PASSWORD, all_at_once
from tests.factories import (
    any_answers,
    peer_summaries,
    rebuilt_peer_summaries,
    submitted_assessment,
)

EN = {"Accept-Language": "en"}


def _signed_in(app, user):
    client = app.test_client()
    response = client.post("/auth/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _typed(value) -> list[str] | str:
    """Return a normalized answer as the page's script sends it."""
    return [str(v) for v in value] if isinstance(value, list) else str(value)


@pytest.fixture
def owner(make_user):
    return make_user()


@pytest.fixture
def enterprise(make_business, owner):
    return make_business(owner=owner, kind=BusinessKind.ENTERPRISE, size=BusinessSize.SMALL)


@pytest.fixture
def questionnaire():
    return registry().get("enterprise", 1)


def _draft(app, business, answers=None) -> int:
    with app.app_context():
        business = db.session.get(Business, business.id)
        assessment, _new = operations.start_assessment(
            business, business.owner, registry().get("enterprise", 1)
        )
        if answers:
            operations.save_answers(assessment, business.owner, answers)
        db.session.commit()
        return assessment.id


def _stored(app, assessment_id) -> Assessment:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        _scores = assessment.scores
        db.session.expunge(assessment)
        return assessment


def test_twenty_simultaneous_autosaves_of_twenty_questions_all_survive(
    app, owner, enterprise, questionnaire
):
    assessment_id = _draft(app, enterprise)
    answers = any_answers(questionnaire)
    chosen = questionnaire.questions[:20]
    clients = [_signed_in(app, owner) for _ in chosen]
    url = f"/assessments/{assessment_id}/autosave"

    responses = all_at_once(
        [
            lambda client=client, q=q: client.post(
                url, json={"question": q.id, "value": _typed(answers[q.id])}
            )
            for client, q in zip(clients, chosen, strict=True)
        ]
    )

    assert [r.status_code for r in responses] == [200] * 20
    assert all(r.json == {"saved": True} for r in responses)
    assert _stored(app, assessment_id).answers == {q.id: answers[q.id] for q in chosen}


def test_a_double_submit_submits_once_and_both_clicks_show_the_same_result(
    app, owner, enterprise, questionnaire
):
    assessment_id = _draft(app, enterprise, any_answers(questionnaire))
    clients = [_signed_in(app, owner) for _ in range(4)]

    responses = all_at_once(
        [
            lambda client=client: client.post(f"/assessments/{assessment_id}/review")
            for client in clients
        ]
    )

    assert [r.status_code for r in responses] == [302] * 4
    assert {r.headers["Location"] for r in responses} == {f"/assessments/{assessment_id}"}
    stored = _stored(app, assessment_id)
    assert stored.status == AssessmentStatus.SUBMITTED
    with app.app_context():
        rows = db.session.scalar(
            sa.select(sa.func.count()).where(AssessmentScore.assessment_id == assessment_id)
        )
    assert rows == len(questionnaire.dimensions)
    pages = [c.get(f"/assessments/{assessment_id}", headers=EN) for c in clients]
    scores = {
        re.search(r'class="result-score muted">([^<]+)<', p.get_data(as_text=True))[1]
        for p in pages
    }
    assert [p.status_code for p in pages] == [200] * 4 and len(scores) == 1


@pytest.mark.parametrize("round_", range(3))
def test_saves_racing_the_submission_are_scored_or_refused_never_lost(
    app, owner, enterprise, questionnaire, round_
):
    first = any_answers(questionnaire, choice=0)
    assessment_id = _draft(app, enterprise, first)
    # Questions always shown, so an acknowledged answer must be in the record as given.
    always = [q for q in questionnaire.questions if q.show_if is None and q.type != "number"]
    changed = any_answers(questionnaire, choice=-1)
    changes = [q for q in always if changed[q.id] != first[q.id]][:12]
    submitter, *savers = [_signed_in(app, owner) for _ in range(len(changes) + 1)]
    url = f"/assessments/{assessment_id}/autosave"
    calls = [lambda: submitter.post(f"/assessments/{assessment_id}/review")] + [
        lambda client=client, q=q: client.post(
            url, json={"question": q.id, "value": _typed(changed[q.id])}, headers=EN
        )
        for client, q in zip(savers, changes, strict=True)
    ]

    submitted, *saves = all_at_once(calls)

    assert submitted.status_code == 302
    stored = _stored(app, assessment_id)
    assert stored.status == AssessmentStatus.SUBMITTED
    for q, response in zip(changes, saves, strict=True):
        assert response.status_code in (200, 409), response.get_data(as_text=True)
        if response.status_code == 200:
            assert stored.answers[q.id] == changed[q.id]
        else:
            assert response.json["error"] == (
                "Not saved: this assessment has already been submitted and can no longer change."
            )
            assert stored.answers[q.id] == first[q.id]
    # The stored scores are the scores of the stored answers.
    expected = score(questionnaire, stored.answers)
    assert stored.overall_score == expected.overall and stored.level == expected.level
    assert stored.dimension_scores == expected.dimensions


def test_a_save_after_the_submission_is_refused_even_if_the_page_saw_a_draft(
    app, owner, enterprise, questionnaire
):
    assessment_id = _draft(app, enterprise, any_answers(questionnaire))
    with app.app_context():
        seen = db.session.get(Assessment, assessment_id)
        user = db.session.get(User, owner.id)
        assert seen.is_draft
        # Meanwhile another request submits it (a new app context is another session).
        with app.app_context():
            other = db.session.get(Assessment, assessment_id)
            operations.submit_assessment(other, db.session.get(User, owner.id), questionnaire)
            db.session.commit()
        with pytest.raises(AssessError) as refused:
            operations.save_answers(seen, user, {"leadership": "no"})
        assert refused.value.code == "not_draft"
        db.session.rollback()
    assert _stored(app, assessment_id).status == AssessmentStatus.SUBMITTED


def test_a_double_click_on_start_opens_one_draft_and_both_clicks_land_in_it(app, owner, enterprise):
    clients = [_signed_in(app, owner) for _ in range(4)]
    url = f"/businesses/{enterprise.id}/assessments/start"

    responses = all_at_once([lambda client=client: client.post(url) for client in clients])

    assert [r.status_code for r in responses] == [302] * 4
    with app.app_context():
        drafts = db.session.scalars(
            sa.select(Assessment.id).where(Assessment.business_id == enterprise.id)
        ).all()
    assert len(drafts) == 1
    assert {r.headers["Location"].split("/")[2] for r in responses} == {str(drafts[0])}


# ------------------------------------------------------------ latest results and peer counts


def _counts_equal_a_rebuild(app) -> set:
    """Assert the stored peer counts and latest results equal a rebuild; return the counts."""
    with app.app_context():
        stored = peer_summaries()
        assert stored == rebuilt_peer_summaries()
        return stored[1]


def test_simultaneous_submissions_of_one_group_all_count(app, make_user, make_business):
    # The same answers: every submission adds to the very same count rows at once.
    owners = [make_user() for _ in range(8)]
    questionnaire = registry().get("enterprise", 1)
    businesses = [
        make_business(
            owner=owner, kind=BusinessKind.ENTERPRISE, size=BusinessSize.SMALL, sector=Sector.TRADE
        )
        for owner in owners
    ]
    drafts = [_draft(app, b, any_answers(questionnaire)) for b in businesses]
    clients = [_signed_in(app, owner) for owner in owners]

    responses = all_at_once(
        [
            lambda client=client, d=d: client.post(f"/assessments/{d}/review")
            for client, d in zip(clients, drafts, strict=True)
        ]
    )

    assert [r.status_code for r in responses] == [302] * 8
    counts = _counts_equal_a_rebuild(app)
    overall = [c for c in counts if c[3] == ""]
    assert sorted((c[0], c[5]) for c in overall) == [("province", 8), ("sector", 8)]


def _move_data(business: Business, province: int) -> dict:
    return {
        "business_name": business.name,
        "kind": business.kind.value,
        "tax_code": business.tax_code or "",
        "sector": business.sector.value,
        "size": business.size.value,
        "province": str(province),
        "commune": str(geo.communes(province)[0].code),
        "address": business.address,
        "confirm_move": "1",
    }


def test_a_submission_racing_a_move_counts_the_business_in_its_new_province(
    app, owner, questionnaire, make_business
):
    business = make_business(
        owner=owner, kind=BusinessKind.ENTERPRISE, size=BusinessSize.SMALL, tax_code="0101234567"
    )
    submitted_assessment(app, business)
    draft = _draft(app, business, any_answers(questionnaire))
    submitter, mover = _signed_in(app, owner), _signed_in(app, owner)

    submitted, moved = all_at_once(
        [
            lambda: submitter.post(f"/assessments/{draft}/review"),
            lambda: mover.post(
                f"/businesses/{business.id}/edit", data=_move_data(business, HA_NOI), headers=EN
            ),
        ]
    )

    assert submitted.status_code == 302 and moved.status_code == 302, moved.get_data(True)
    counts = _counts_equal_a_rebuild(app)
    with app.app_context():
        latest = db.session.get(LatestAssessment, business.id)
        assert (latest.assessment_id, latest.province_code) == (draft, HA_NOI)
    assert {c[1] for c in counts if c[0] == "province"} == {str(HA_NOI)}
