"""The stored latest results and peer-group score counts: kept current by every write, equal to
a rebuild from scratch, and read for the peer comparison exactly as the assessments say."""

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from assessments import benchmark
from portal import geo
from portal.assess.models import (
    Assessment,
    AssessmentStatus,
    LatestAssessment,
    PeerScoreCount,
)
from portal.assess.queries import OVERALL, peer_groups
from portal.auth.models import Role, User
from portal.businesses import operations as business_operations
from portal.businesses.models import Business, BusinessKind, Sector
from portal.extensions import db
from tests.conftest import HA_NOI, QUANG_NINH, _empty_tables
from tests.factories import (
    field_record,
    peer_summaries,
    rebuilt_peer_summaries,
    submitted_assessment,
    sync_records,
    varied_answers,
)


def brute_force_groups(assessment_id: int) -> dict[str, dict[str, object]]:
    """The peer comparison computed from every assessment, as it was before the counts."""
    assessment = db.session.get(Assessment, assessment_id)
    business = assessment.business
    latest: dict[int, Assessment] = {}
    for a in db.session.scalars(
        sa.select(Assessment).where(Assessment.status == AssessmentStatus.SUBMITTED)
    ):
        best = latest.get(a.business_id)
        if best is None or (a.submitted_at, a.id) > (best.submitted_at, best.id):
            latest[a.business_id] = a
    members = {
        "sector": [a for a in latest.values() if a.business.sector == business.sector],
        "province": [a for a in latest.values() if a.province_code == assessment.province_code],
    }
    groups = {}
    for key, found in members.items():
        same = [a for a in found if a.questionnaire_id == assessment.questionnaire_id]
        values: dict[str, list[float]] = {}
        for a in same:
            if a.overall_score is not None:
                values.setdefault(OVERALL, []).append(a.overall_score)
            for dimension, score in a.dimension_scores.items():
                values.setdefault(dimension, []).append(score)
        groups[key] = {dimension: benchmark(v) for dimension, v in values.items()}
    return groups


def _stored_groups(assessment_id: int) -> dict[str, dict[str, object]]:
    assessment = db.session.get(Assessment, assessment_id)
    return {
        group.key: {OVERALL: group.overall, **group.dimensions}
        for group in peer_groups(assessment, assessment.business)
    }


SECTORS = [Sector.TRADE, Sector.TOURISM, Sector.AGRICULTURE]
PROVINCES = [QUANG_NINH, HA_NOI]


class Submissions(RuleBasedStateMachine):
    """Random submissions, changes of sector, moves and corrected dates, through the real
    operations; after each step the stored summaries equal a rebuild from scratch."""

    app = None
    make_user = None
    make_business = None

    @initialize(seed=st.integers(0, 10_000))
    def start(self, seed):
        # Each example from empty tables, so that a failing one replays the same way.
        with self.app.app_context():
            db.session.remove()
            _empty_tables()
        self.rng = random.Random(seed)
        self.businesses = []
        self.submitted: list[int] = []
        self.admin_id = self.make_user(role=Role.ADMIN, province_code=None).id

    @rule(
        kind=st.sampled_from(
            [BusinessKind.HOUSEHOLD, BusinessKind.HOUSEHOLD, BusinessKind.ENTERPRISE]
        ),
        sector=st.sampled_from(SECTORS),
        province=st.sampled_from(PROVINCES),
    )
    def new_business(self, kind, sector, province):
        self.businesses.append(self.make_business(kind=kind, sector=sector, province_code=province))

    @rule(data=st.data())
    def submit(self, data):
        if not self.businesses:
            return
        business = data.draw(st.sampled_from(self.businesses))
        answers = varied_answers(self.rng) if business.kind == BusinessKind.HOUSEHOLD else None
        self.submitted.append(submitted_assessment(self.app, business, answers=answers))

    @rule(data=st.data(), days=st.integers(-400, 400))
    def correct_a_date(self, data, days):
        if not self.submitted:
            return
        assessment_id = data.draw(st.sampled_from(self.submitted))
        with self.app.app_context():
            assessment = db.session.get(Assessment, assessment_id)
            assessment.submitted_at = datetime(2026, 6, 1) + timedelta(days=days)
            db.session.commit()

    @rule(data=st.data(), sector=st.sampled_from(SECTORS))
    def change_sector(self, data, sector):
        if not self.businesses:
            return
        business = data.draw(st.sampled_from(self.businesses))
        with self.app.app_context():
            business_operations.update_business(
                db.session.get(Business, business.id), sector=sector
            )
            db.session.commit()

    @rule(data=st.data())
    def move(self, data):
        if not self.businesses:
            return
        business = data.draw(st.sampled_from(self.businesses))
        with self.app.app_context():
            stored = db.session.get(Business, business.id)
            to = next(p for p in PROVINCES if p != stored.province_code)
            commune = int(geo.communes(to)[0].code)
            business_operations.move_business(
                stored, to, commune, db.session.get(User, self.admin_id)
            )
            db.session.commit()

    @invariant()
    def stored_equals_rebuilt(self):
        with self.app.app_context():
            assert peer_summaries() == rebuilt_peer_summaries()

    @invariant()
    def comparison_equals_brute_force(self):
        if not self.submitted:
            return
        with self.app.app_context():
            for assessment_id in self.submitted[-2:]:
                assert _stored_groups(assessment_id) == brute_force_groups(assessment_id)


def test_stored_summaries_equal_a_rebuild_after_random_operations(app, make_user, make_business):
    Submissions.app = app
    Submissions.make_user = staticmethod(make_user)
    Submissions.make_business = staticmethod(make_business)
    Submissions.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Submissions.TestCase().runTest()


def test_rebuild_command_writes_the_same_summaries(app, runner, make_business):
    rng = random.Random(3)
    for sector in (Sector.TRADE, Sector.TRADE, Sector.HEALTH):
        business = make_business(kind=BusinessKind.HOUSEHOLD, sector=sector)
        submitted_assessment(app, business, answers=varied_answers(rng))
    with app.app_context():
        before = peer_summaries()
        assert len(before[0]) == 3 and before[1]
        db.session.execute(sa.delete(PeerScoreCount))
        db.session.execute(sa.delete(LatestAssessment))
        db.session.commit()
    result = runner.invoke(args=["rebuild-assessment-summaries"])
    assert result.exit_code == 0, result.output
    assert "3 latest assessments" in result.output
    with app.app_context():
        assert peer_summaries() == before


def test_a_second_submission_replaces_the_first_in_the_counts(app, make_business):
    business = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
    first = submitted_assessment(app, business, answers=varied_answers(random.Random(1)))
    second = submitted_assessment(app, business, answers=varied_answers(random.Random(2)))
    with app.app_context():
        latest = db.session.get(LatestAssessment, business.id)
        assert latest.assessment_id == second != first
        overall = db.session.scalars(
            sa.select(PeerScoreCount).where(PeerScoreCount.dimension == OVERALL)
        ).all()
        # One business: one overall score in its sector group and one in its province group.
        assert sorted((c.peer_group, c.businesses) for c in overall) == [
            ("province", 1),
            ("sector", 1),
        ]
        assert {c.score for c in overall} == {db.session.get(Assessment, second).overall_score}


def test_field_households_count_from_the_sync_on(app, client, auth, helper):
    auth.login(helper)
    records = [field_record(app, name=f"Hộ {n}") for n in range(3)]
    assert [r["status"] for r in sync_records(client, records).json["results"]] == ["stored"] * 3
    with app.app_context():
        assert len(peer_summaries()[0]) == 3
        assert peer_summaries() == rebuilt_peer_summaries()
