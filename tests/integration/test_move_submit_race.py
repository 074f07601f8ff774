"""A business's move, a field record's merge into it, or the start of its assessment at the same
moment as another write of the same business: real concurrent requests on PostgreSQL.

Each write takes the business's row first and only then its assessments (the move before it
carries them, a submission before it freezes the answers, a merge before it hands over the
field record's assessment, a start before it reads where the business is), so they take turns:
both complete, never a deadlock (PostgreSQL would abort one and its person would get a 503),
and the assessment is counted once, in the province the business is in now.
"""

import pytest
import sqlalchemy as sa

from portal import geo
from portal.assess import operations as assess_operations
from portal.assess.models import (
    Assessment,
    AssessmentScore,
    AssessmentStatus,
    LatestAssessment,
    PeerGroupKind,
    PeerScoreCount,
)
from portal.assess.queries import OVERALL
from portal.assess.questionnaires import choose
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind
from portal.extensions import db
from tests.conftest import HA_NOI, PASSWORD, QUANG_NINH, all_at_once
from tests.factories import (
    FIELD_COMMUNES,
    HA_NOI_COMMUNE,
    HOUSEHOLD_ANSWERS,
    any_answers,
    business_form_data,
    field_helper,
    field_match,
    peer_summaries,
    rebuilt_peer_summaries,
    rebuilt_report_aggregates,
    report_aggregates,
    write_while_moving,
)

pytestmark = pytest.mark.postgres_only

#: Rounds of each race: the two requests meet in a different order from round to round.
ROUNDS = 10
QUANG_NINH_COMMUNE = int(geo.communes(QUANG_NINH)[3].code)


def _signed_in(app, user: User):
    client = app.test_client()
    response = client.post("/auth/login", data={"login": user.login, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _draft(app, business_id: int) -> int:
    """Open the business's assessment with every question answered (ready to submit)."""
    with app.app_context():
        business = db.session.get(Business, business_id)
        questionnaire = choose(business).questionnaire
        household = questionnaire.id == "household"
        answers = HOUSEHOLD_ANSWERS if household else any_answers(questionnaire)
        assessment, _new = assess_operations.start_assessment(
            business, business.owner, questionnaire
        )
        assess_operations.save_answers(assessment, business.owner, answers)
        db.session.commit()
        return assessment.id


def _elsewhere(app, business_id: int) -> tuple[int, int]:
    """The other of Quảng Ninh and Hà Nội, with a commune of it: where the next move goes."""
    with app.app_context():
        here = db.session.get(Business, business_id).province_code
    return (HA_NOI, HA_NOI_COMMUNE) if here == QUANG_NINH else (QUANG_NINH, QUANG_NINH_COMMUNE)


def _assert_counted_where_it_is(app, business_id: int) -> None:
    """Every copy of the business's province is where the business is; its latest result is
    counted once, in that province's peer group; the stored summaries equal a rebuild."""
    with app.app_context():
        province = db.session.get(Business, business_id).province_code
        ids = sa.select(Assessment.id).where(Assessment.business_id == business_id)
        assert set(
            db.session.scalars(
                sa.select(Assessment.province_code).where(Assessment.business_id == business_id)
            )
        ) == {province}
        assert set(
            db.session.scalars(
                sa.select(AssessmentScore.province_code).where(
                    AssessmentScore.assessment_id.in_(ids)
                )
            )
        ) == {province}
        latest = db.session.get(LatestAssessment, business_id)
        assert latest is not None and latest.province_code == province
        overall = {
            row.group_key: row.businesses
            for row in db.session.execute(
                sa.select(
                    PeerScoreCount.group_key,
                    sa.func.sum(PeerScoreCount.businesses).label("businesses"),
                )
                .where(
                    PeerScoreCount.peer_group == PeerGroupKind.PROVINCE.value,
                    PeerScoreCount.dimension == OVERALL,
                )
                .group_by(PeerScoreCount.group_key)
            )
        }
        assessed_here = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LatestAssessment)
            .where(LatestAssessment.province_code == province)
        )
        assert overall.get(str(province)) == assessed_here
        assert peer_summaries() == rebuilt_peer_summaries()
        assert report_aggregates() == rebuilt_report_aggregates()


def test_a_move_and_a_submission_of_the_same_business_take_turns(app, make_user, make_business):
    owner = make_user(name="Chủ hộ")
    business = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD_BUSINESS)
    # A second business of the province, assessed: the peer counts it shares with the first.
    neighbour = make_business(name="Hộ bên cạnh")
    submitter, mover = _signed_in(app, owner), _signed_in(app, make_user(role=Role.ADMIN))
    neighbour_draft = _draft(app, neighbour.id)
    with app.app_context():
        draft = db.session.get(Assessment, neighbour_draft)
        assess_operations.submit_assessment(
            draft, draft.business.owner, choose(draft.business).questionnaire
        )
        db.session.commit()
    for _round in range(ROUNDS):
        assessment_id = _draft(app, business.id)
        province, commune = _elsewhere(app, business.id)
        with app.app_context():
            form = business_form_data(
                db.session.get(Business, business.id),
                province=str(province),
                commune=str(commune),
                confirm_move="1",
            )
        submitted, moved = all_at_once(
            [
                lambda aid=assessment_id: submitter.post(f"/assessments/{aid}/review"),
                lambda form=form: mover.post(f"/businesses/{business.id}/edit", data=form),
            ]
        )
        # Both done, in either order: the submission shows its result, the move its business.
        assert submitted.status_code == 302, submitted.status_code
        assert submitted.headers["Location"].endswith(f"/assessments/{assessment_id}")
        assert moved.status_code == 302, moved.status_code
        assert moved.headers["Location"].endswith(f"/businesses/{business.id}")
        with app.app_context():
            assert db.session.get(Business, business.id).province_code == province
            stored = db.session.get(Assessment, assessment_id)
            assert stored.status == AssessmentStatus.SUBMITTED
            assert db.session.get(LatestAssessment, business.id).assessment_id == assessment_id
        _assert_counted_where_it_is(app, business.id)


def test_an_assessment_started_while_its_business_moves_starts_where_the_move_leaves_it(
    app, make_user, make_business
):
    owner = make_user(name="Chủ hộ")
    business = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD_BUSINESS)
    starter, mover = _signed_in(app, owner), _signed_in(app, make_user(role=Role.ADMIN))
    start = f"/businesses/{business.id}/assessments/start"
    for _round in range(ROUNDS):
        province, commune = _elsewhere(app, business.id)
        with app.app_context():
            form = business_form_data(
                db.session.get(Business, business.id),
                province=str(province),
                commune=str(commune),
                confirm_move="1",
            )
        started, moved = all_at_once(
            [
                lambda: starter.post(start),
                lambda form=form: mover.post(f"/businesses/{business.id}/edit", data=form),
            ]
        )
        assert (started.status_code, moved.status_code) == (302, 302)
        with app.app_context():
            drafts = db.session.scalars(
                sa.select(Assessment).where(Assessment.business_id == business.id)
            ).all()
            assert [d.province_code for d in drafts] == [province]
            for draft in drafts:
                db.session.delete(draft)
            db.session.commit()


def test_a_start_that_read_the_business_before_a_move_locked_it_starts_where_it_moved(
    app, make_user, make_business
):
    """The narrow case, made certain: the start has read the business (still in Quảng Ninh)
    when the move locks it; the start then waits for the move and opens its draft in Hà Nội."""
    owner = make_user(name="Chủ hộ")
    business = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD_BUSINESS)
    admin = make_user(role=Role.ADMIN)

    def start(read_before):
        questionnaire = choose(read_before).questionnaire
        user = db.session.get(User, owner.id)
        return assess_operations.start_assessment(read_before, user, questionnaire)[0].id

    outcome = write_while_moving(app, business.id, admin, start)
    assert outcome.get("written"), outcome  # moved, and the draft opened
    with app.app_context():
        assert db.session.get(Assessment, outcome["written"]).province_code == HA_NOI


def test_a_merge_and_a_submission_of_the_same_business_take_turns(
    app, client, auth, make_user, make_business
):
    helper = field_helper(app, make_user)
    staff = _signed_in(app, make_user(role=Role.STAFF, province_code=QUANG_NINH))
    for number in range(ROUNDS // 2):
        phone = f"09120000{number:02d}"
        owner = make_user(name=f"Chủ hộ {number}", phone=phone)
        target = make_business(
            owner=owner, commune_code=FIELD_COMMUNES[0], kind=BusinessKind.HOUSEHOLD_BUSINESS
        )
        assessment_id = _draft(app, target.id)
        household_id = field_match(app, client, auth, helper, phone, FIELD_COMMUNES[0])
        submitter = _signed_in(app, owner)
        submitted, merged = all_at_once(
            [
                lambda aid=assessment_id, c=submitter: c.post(f"/assessments/{aid}/review"),
                lambda hid=household_id: staff.post(f"/field/matches/{hid}/merge"),
            ]
        )
        assert submitted.status_code == 302, submitted.status_code
        assert submitted.headers["Location"].endswith(f"/assessments/{assessment_id}")
        assert merged.status_code == 302, merged.status_code
        assert merged.headers["Location"].endswith(f"/businesses/{target.id}")
        with app.app_context():
            # The owner's own assessment and the field record's, both the target's now.
            assert (
                db.session.scalar(
                    sa.select(sa.func.count()).where(
                        Assessment.business_id == target.id,
                        Assessment.status == AssessmentStatus.SUBMITTED,
                    )
                )
                == 2
            )
        _assert_counted_where_it_is(app, target.id)
