"""The synthetic generator makes data that is consistent by the portal's own rules."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from assessments import score
from portal.assess.models import Assessment, AssessmentScore
from portal.assess.questionnaires import questionnaire_of
from portal.auth.models import Role
from portal.businesses.models import Business
from portal.devtools.synthetic import generate
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus, OnboardingPath
from portal.reports.models import DigitalStatus
from portal.reports.operations import refresh_digital_status
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Course,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    EventState,
)
from portal.training.rules import CompletionRule
from tests.conftest import HA_NOI, QUANG_NINH

PROVINCES = (QUANG_NINH, HA_NOI)


@pytest.fixture
def synthetic(app_ctx):
    """Generate a small province pair's worth of data; return the rows added per table."""
    return generate(400, province_codes=PROVINCES, echo=lambda _m: None)


def _count(stmt) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))


def test_generator_fills_every_area(synthetic):
    for table in (
        "businesses",
        "assessments",
        "assessment_scores",
        "cohorts",
        "enrolments",
        "enrolment_events",
        "attendance",
        "certificates",
        "onboarding_paths",
        "onboarding_evidence",
        "digital_status",
    ):
        assert synthetic.get(table, 0) > 0, table
    assert synthetic["businesses"] == 400
    provinces = set(db.session.scalars(sa.select(Business.province_code).distinct()))
    assert provinces == set(PROVINCES)


def test_every_enrolment_is_in_its_class_province(synthetic):
    mismatched = (
        sa.select(Enrolment.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Business, Business.id == Enrolment.business_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(
            sa.or_(
                Business.province_code != Cohort.province_code,
                Enrolment.province_code != Cohort.province_code,
                Course.province_code != Cohort.province_code,
            )
        )
    )
    assert _count(mismatched) == 0
    events = (
        sa.select(EnrolmentEvent.id)
        .join(Enrolment, Enrolment.id == EnrolmentEvent.enrolment_id)
        .join(Business, Business.id == Enrolment.business_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            sa.or_(
                EnrolmentEvent.cohort_id != Enrolment.cohort_id,
                EnrolmentEvent.course_id != Cohort.course_id,
                EnrolmentEvent.commune_code != Business.commune_code,
                EnrolmentEvent.sector != Business.sector,
            )
        )
    )
    assert _count(events) == 0


def test_certificates_only_for_completed_enrolments(synthetic):
    not_completed = (
        sa.select(Certificate.id)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.state != EnrolmentState.COMPLETED)
    )
    assert _count(not_completed) == 0
    completed = sa.select(Enrolment.id).where(Enrolment.state == EnrolmentState.COMPLETED)
    assert _count(completed) == synthetic["certificates"]


def test_enrolment_state_is_its_last_logged_state(synthetic):
    last = {}
    for enrolment_id, state in db.session.execute(
        sa.select(EnrolmentEvent.enrolment_id, EnrolmentEvent.state)
        .where(EnrolmentEvent.state.not_in([EventState.ATTENDED]))
        .order_by(EnrolmentEvent.at, EnrolmentEvent.id)
    ):
        last[enrolment_id] = state
    states = dict(db.session.execute(sa.select(Enrolment.id, Enrolment.state)).all())
    assert {k: str(v) for k, v in last.items()} == {k: str(v) for k, v in states.items()}


def test_completed_enrolments_meet_their_course_completion_rule(synthetic):
    attended = dict(
        db.session.execute(
            sa.select(Attendance.enrolment_id, sa.func.count(Attendance.id))
            .where(Attendance.present.is_(True))
            .group_by(Attendance.enrolment_id)
        ).all()
    )
    sessions = dict(
        db.session.execute(
            sa.select(Cohort.id, sa.func.count())
            .select_from(Cohort)
            .join(Cohort.sessions)
            .group_by(Cohort.id)
        ).all()
    )
    rows = db.session.execute(
        sa.select(Enrolment.id, Enrolment.state, Cohort.id, Course.min_attendance_pct)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Enrolment.state == EnrolmentState.COMPLETED)
    ).all()
    assert rows
    for enrolment_id, _state, cohort_id, pct in rows:
        assert CompletionRule(pct).is_met(sessions[cohort_id], attended.get(enrolment_id, 0), None)


def test_stored_scores_are_what_the_questionnaire_gives(synthetic):
    assessments = db.session.scalars(sa.select(Assessment).order_by(Assessment.id).limit(60))
    for assessment in assessments:
        questionnaire = questionnaire_of(
            assessment.questionnaire_id, assessment.questionnaire_version
        )
        result = score(questionnaire, assessment.answers)
        assert (assessment.overall_score, assessment.level) == (result.overall, result.level)
        assert assessment.dimension_scores == result.dimensions
    per_assessment = db.session.execute(
        sa.select(sa.func.count(AssessmentScore.id)).group_by(AssessmentScore.assessment_id)
    ).scalars()
    assert set(per_assessment) <= {5, 6}  # household and enterprise dimensions


def test_status_rows_are_what_the_real_rule_gives(synthetic):
    ids = db.session.scalars(sa.select(Business.id)).all()
    assert refresh_digital_status(ids) == 0
    db.session.rollback()


def test_dashboard_digital_count_matches_a_direct_count(synthetic, client, auth, make_user):
    # Independent of the report queries: latest level, completed courses, verified evidence.
    latest = (
        sa.select(Assessment.business_id, sa.func.max(Assessment.submitted_at).label("at"))
        .group_by(Assessment.business_id)
        .subquery()
    )
    level_ok = (
        sa.select(Assessment.business_id)
        .join(
            latest,
            sa.and_(
                latest.c.business_id == Assessment.business_id,
                latest.c.at == Assessment.submitted_at,
            ),
        )
        .where(Assessment.level >= 3)
    )
    trained = sa.select(Enrolment.business_id).where(Enrolment.state == EnrolmentState.COMPLETED)
    listed = (
        sa.select(OnboardingPath.business_id)
        .join(Evidence, Evidence.onboarding_id == OnboardingPath.id)
        .where(Evidence.status == EvidenceStatus.VERIFIED)
    )
    direct = _count(
        sa.select(Business.id).where(
            Business.province_code == QUANG_NINH,
            Business.id.in_(level_ok),
            Business.id.in_(trained),
            Business.id.in_(listed),
        )
    )
    stored = _count(
        sa.select(DigitalStatus.id).where(
            DigitalStatus.province_code == QUANG_NINH, DigitalStatus.ceased_at.is_(None)
        )
    )
    assert direct == stored > 0
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    html = client.get("/reports/").get_data(as_text=True)
    shown = re.search(r'id="digital-now"><strong class="big-number">([^<]+)<', html)
    assert shown is not None
    assert int(re.sub(r"\D", "", shown.group(1))) == direct


def test_same_seed_and_time_give_the_same_data(app_ctx):
    now = datetime(2026, 6, 1, 3, 0)

    def snapshot() -> list:
        return db.session.execute(
            sa.select(Business.kind, Business.sector, Business.commune_code, Assessment.level)
            .join(Assessment, Assessment.business_id == Business.id, isouter=True)
            .order_by(Business.id, Assessment.id)
        ).all()

    generate(50, province_codes=(QUANG_NINH,), seed=7, now=now, echo=lambda _m: None)
    first = snapshot()
    for model in reversed(db.metadata.sorted_tables):
        db.session.execute(model.delete())
    db.session.commit()
    generate(50, province_codes=(QUANG_NINH,), seed=7, now=now, echo=lambda _m: None)
    assert snapshot() == first


def test_a_second_run_adds_more_and_the_portal_can_still_insert(app_ctx, make_business):
    first = generate(30, province_codes=(QUANG_NINH,), echo=lambda _m: None)
    second = generate(30, province_codes=(QUANG_NINH,), echo=lambda _m: None)
    assert "courses" in first and "courses" not in second  # the catalog is made once
    assert db.session.scalar(sa.select(sa.func.count(Business.id))) == 60
    db.session.commit()
    # PostgreSQL's sequences were moved past the explicit ids.
    assert make_business().id > 60
