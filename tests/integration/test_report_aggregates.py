"""The report aggregates kept current at write time equal the ones rebuilt from scratch.

A hypothesis state machine runs random operations through the portal's own operations
(registering, for oneself or unclaimed; claiming; assessing, enrolling, cancelling, completing
with a certificate, withdrawing it, verifying a listing, moving a business, editing it, an
owner's e-mail or phone changing, closing an owner's account, a bulk insert of businesses as the
import does it, changing the definition) and after each step compares the incremental
aggregates with a rebuild. On PostgreSQL, concurrent writers in the same groups add up exactly.
"""

import contextlib
import os
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import has_app_context
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from assessments.listing_paths import load_catalog
from portal import clock, geo
from portal.assess.models import Assessment
from portal.auth.models import Role, User
from portal.businesses import operations as business_operations
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.claims import operations as claims
from portal.extensions import db
from portal.failures import OperationError
from portal.onboarding.operations import add_evidence, review_evidence, start_path
from portal.privacy import operations as privacy
from portal.reports import aggregates
from portal.reports import operations as report_operations
from portal.reports.models import ReportTotal
from portal.training import operations as training
from portal.training.models import Certificate, Cohort, Enrolment, EnrolmentState
from tests.conftest import HA_NOI, QUANG_NINH, _empty_tables, all_at_once
from tests.factories import (
    complete_with_certificate,
    enrol_now,
    new_training,
    submitted_assessment,
)

TABLES = aggregates.TABLES


def snapshot() -> dict[str, dict[tuple, tuple[int, float]]]:
    """Every non-empty aggregate row, by table and key (totals rounded: sums of floats)."""
    found = {}
    for model in TABLES:
        table = model.__table__
        keys = [c for c in table.c if c.name not in ("n", "total")]
        found[table.name] = {
            tuple(str(v) for v in row[:-2]): (row[-2], round(row[-1], 6))
            for row in db.session.execute(sa.select(*keys, table.c.n, table.c.total))
            if row[-2] or abs(row[-1]) > 1e-9
        }
    return found


def rebuilt() -> dict[str, dict[tuple, tuple[int, float]]]:
    """What a rebuild from the rows gives, without keeping it."""
    db.session.rollback()
    aggregates.rebuild()
    found = snapshot()
    db.session.rollback()
    return found


def assert_incremental_equals_rebuilt() -> None:
    incremental = snapshot()
    expected = rebuilt()
    for name in expected:
        got, want = incremental[name], expected[name]
        wrong = {
            k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)
        }
        assert not wrong, (name, sorted(wrong.items())[:10])


@contextlib.contextmanager
def refused():
    """Skip a step that the portal refuses (e.g. a closed account may not act), as a person
    would see: nothing changes."""
    try:
        yield
    except OperationError:
        if has_app_context():
            db.session.rollback()


def _listing_path(business: Business):
    path = load_catalog().get("postmart")
    if path is None or not path.is_offered_to(business.kind.value, business.sector.value):
        return None
    return path


class Aggregates(RuleBasedStateMachine):
    """Random writes through the operations; the incremental aggregates always equal a rebuild."""

    app = None
    make_business = None
    make_user = None

    def __init__(self) -> None:
        super().__init__()
        self.businesses: list[int] = []
        self.enrolments: list[int] = []
        self.rng = random.Random(7)

    @initialize()
    def setup(self) -> None:
        app = self.app
        with app.app_context():
            db.session.remove()
            _empty_tables()  # every example starts from an empty database
        self.staff = self.make_user(Role.STAFF, province_code=QUANG_NINH)
        self.admin = self.make_user(Role.ADMIN)
        self.trainer = self.make_user(Role.TRAINER, province_code=QUANG_NINH)
        self.training = new_training(app, self.trainer, capacity=2, sessions=1)
        with app.app_context():
            assert_incremental_equals_rebuilt()

    @rule(
        kind=st.sampled_from(list(BusinessKind)),
        sector=st.sampled_from([Sector.AGRICULTURE, Sector.TRADE, Sector.HANDICRAFTS]),
        province=st.sampled_from([QUANG_NINH, QUANG_NINH, HA_NOI]),
        commune=st.integers(0, 2),
        unclaimed=st.booleans(),
    )
    def register(self, kind, sector, province, commune, unclaimed) -> None:
        """A business registered by its owner, or recorded for someone who has no account yet
        (an owner without e-mail or phone, as the import and the field teams make them)."""
        code = int(geo.communes(province)[commune].code)
        owner = self.make_user(email=None) if unclaimed else None
        business = self.make_business(
            owner=owner, province_code=province, kind=kind, sector=sector, commune_code=code
        )
        self.businesses.append(business.id)

    @precondition(lambda self: self.businesses)
    @rule(data=st.data())
    def claim(self, data) -> None:
        """Someone with an account claims a business recorded on their behalf."""
        business = self._business(data)
        claimant = self.make_user()
        with self.app.app_context():
            business = db.session.get(Business, business.id)
            if not claims.is_placeholder(business.owner):
                return
            code = claims.issue_code(business).code
            db.session.commit()
            with refused():
                claims.claim(code, db.session.get(User, claimant.id))
                db.session.commit()

    @precondition(lambda self: self.businesses)
    @rule(data=st.data(), phone=st.booleans(), bulk=st.booleans())
    def contact(self, data, phone, bulk) -> None:
        """The owner's way to sign in changes: a phone given, or the e-mail taken away (through
        the ORM, or a bulk UPDATE)."""
        business = self._business(data)
        values = {"phone": f"09{business.owner_id:08d}"} if phone else {"email": None}
        with self.app.app_context():
            if bulk:
                db.session.execute(
                    sa.update(User)
                    .where(User.id == business.owner_id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            else:
                owner = db.session.get(User, business.owner_id)
                for name, value in values.items():
                    setattr(owner, name, value)
            db.session.commit()

    @precondition(lambda self: self.businesses)
    @rule(data=st.data())
    def revoke(self, data) -> None:
        """A certificate of the business is withdrawn (it stays completed, no longer trained)."""
        business = self._business(data)
        with self.app.app_context():
            certificate = db.session.scalar(
                sa.select(Certificate).where(
                    Certificate.business_id == business.id, Certificate.revoked_at.is_(None)
                )
            )
            if certificate is None:
                return
            with refused():
                training.revoke_certificate(
                    certificate, db.session.get(User, self.admin.id), "Cấp nhầm"
                )
                db.session.commit()

    def _business(self, data) -> Business:
        with self.app.app_context():
            return db.session.get(Business, data.draw(st.sampled_from(self.businesses)))

    @precondition(lambda self: self.businesses)
    @rule(data=st.data(), days_ago=st.integers(0, 800))
    def assess(self, data, days_ago) -> None:
        business = self._business(data)
        at = clock.utcnow() - timedelta(days=days_ago, hours=self.rng.randint(0, 23))
        with refused():
            submitted_assessment(self.app, business, submitted_at=at)

    @precondition(lambda self: self.businesses)
    @rule(data=st.data())
    def enrol(self, data) -> None:
        business = self._business(data)
        if business.province_code != QUANG_NINH:
            return
        with self.app.app_context():
            taken = db.session.scalar(
                sa.select(sa.func.count(Enrolment.id)).where(
                    Enrolment.business_id == business.id,
                    Enrolment.cohort_id == self.training.cohort_id,
                )
            )
        if not taken:
            with refused():
                self.enrolments.append(enrol_now(self.app, self.training.cohort_id, business.id))

    @precondition(lambda self: self.enrolments)
    @rule(data=st.data())
    def cancel(self, data) -> None:
        enrolment_id = data.draw(st.sampled_from(self.enrolments))
        with self.app.app_context():
            enrolment = db.session.get(Enrolment, enrolment_id)
            if enrolment.state in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
                with refused():
                    training.cancel(enrolment, enrolment.business.owner)
                    db.session.commit()

    @precondition(lambda self: self.businesses)
    @rule(data=st.data())
    def complete(self, data) -> None:
        business = self._business(data)
        with self.app.app_context():
            trainer = db.session.scalar(
                sa.select(User).where(
                    User.role == Role.TRAINER, User.province_code == business.province_code
                )
            )
        if trainer is None:
            trainer = self.make_user(Role.TRAINER, province_code=business.province_code)
        with refused():
            complete_with_certificate(self.app, trainer, business)

    @precondition(lambda self: self.businesses)
    @rule(data=st.data(), verified=st.booleans())
    def listing(self, data, verified) -> None:
        business = self._business(data)
        with self.app.app_context():
            business = db.session.get(Business, business.id)
            path = _listing_path(business)
            if path is None:
                return
            with refused():
                self._list(business, path, verified)

    def _list(self, business: Business, path, verified: bool) -> None:
        onboarding = start_path(business, path, business.owner)
        evidence = add_evidence(
            onboarding,
            business.owner,
            step_id=path.steps[-1].id,
            url=f"https://postmart.vn/cua-hang/{business.id}",
            note="",
        )
        staff = db.session.scalar(
            sa.select(User).where(
                User.role == Role.STAFF, User.province_code == business.province_code
            )
        ) or db.session.get(User, self.admin.id)
        review_evidence(evidence, staff, verified=verified, reason="Đường dẫn không mở được")
        db.session.commit()

    @precondition(lambda self: self.businesses)
    @rule(data=st.data())
    def move(self, data) -> None:
        business = self._business(data)
        to = HA_NOI if business.province_code == QUANG_NINH else QUANG_NINH
        with self.app.app_context():
            business = db.session.get(Business, business.id)
            try:
                business_operations.move_business(
                    business,
                    to,
                    int(geo.communes(to)[1].code),
                    db.session.get(User, self.admin.id),
                )
            except business_operations.MoveError:
                db.session.rollback()
                return
            db.session.commit()

    @precondition(lambda self: self.businesses)
    @rule(
        data=st.data(),
        sector=st.sampled_from([Sector.AGRICULTURE, Sector.TOURISM]),
        size=st.sampled_from([BusinessSize.MICRO, BusinessSize.SMALL]),
    )
    def edit(self, data, sector, size) -> None:
        business = self._business(data)
        with self.app.app_context():
            business = db.session.get(Business, business.id)
            business.sector, business.size = sector, size
            db.session.commit()

    @precondition(lambda self: self.businesses)
    @rule(data=st.data())
    def close_account(self, data) -> None:
        business = self._business(data)
        with self.app.app_context():
            owner = db.session.get(Business, business.id).owner
            privacy.close_account(owner)
            db.session.commit()

    @rule(rows=st.integers(1, 3))
    def bulk_insert(self, rows) -> None:
        """Businesses inserted with Core and RETURNING, as the bulk import does."""
        with self.app.app_context():
            owner = db.session.get(User, self.staff.id)
            now = clock.utcnow()
            ids = db.session.scalars(
                sa.insert(Business).returning(Business.id, sort_by_parameter_order=True),
                [
                    {
                        "owner_id": owner.id,
                        "name": f"Nhập {n}",
                        "kind": BusinessKind.HOUSEHOLD,
                        "sector": Sector.TRADE,
                        "size": BusinessSize.FAMILY,
                        "province_code": QUANG_NINH,
                        "commune_code": int(geo.communes(QUANG_NINH)[2].code),
                        "address": "",
                        "created_at": now,
                    }
                    for n in range(rows)
                ],
            ).all()
            db.session.commit()
        self.businesses.extend(ids)

    @rule(min_level=st.integers(1, 3), min_courses=st.integers(0, 1))
    def definition(self, min_level, min_courses) -> None:
        with self.app.app_context():
            report_operations.set_definition(
                QUANG_NINH, min_level, min_courses, db.session.get(User, self.staff.id)
            )
            db.session.commit()

    @invariant()
    def incremental_equals_rebuilt(self) -> None:
        with self.app.app_context():
            assert_incremental_equals_rebuilt()


def test_incremental_aggregates_equal_a_rebuild(app, make_user, make_business):
    Aggregates.app = app
    Aggregates.make_user = staticmethod(make_user)
    Aggregates.make_business = staticmethod(make_business)
    run_state_machine_as_test(
        Aggregates,
        settings=settings(
            max_examples=int(os.environ.get("AGGREGATES_EXAMPLES", "3")),
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


def test_rebuild_command_reports_its_rows(app, runner, make_business):
    business = make_business()
    submitted_assessment(app, business)
    result = runner.invoke(args=["rebuild-report-aggregates"])
    assert result.exit_code == 0, result.output
    assert "report_totals" in result.output
    with app.app_context():
        assert (
            db.session.scalar(sa.select(ReportTotal.n).where(ReportTotal.measure == "assessments"))
            == 1
        )
        assert_incremental_equals_rebuilt()


@pytest.mark.postgres_only
def test_concurrent_writers_in_the_same_groups_add_up(app, make_user, make_business):
    trainer = make_user(Role.TRAINER, province_code=QUANG_NINH)
    t = new_training(app, trainer, capacity=50, sessions=1)
    # Same province, commune, sector, kind and size: every write lands in the same groups.
    businesses = [make_business() for _ in range(8)]
    today = clock.utcnow()

    def submit(business):
        return lambda: submitted_assessment(app, business, submitted_at=today)

    def enrol(business):
        return lambda: enrol_now(app, t.cohort_id, business.id)

    all_at_once([submit(b) for b in businesses[:4]] + [enrol(b) for b in businesses[4:]])
    all_at_once([enrol(b) for b in businesses[:4]] + [submit(b) for b in businesses[4:]])
    with app.app_context():
        assert_incremental_equals_rebuilt()
        counts = dict(
            db.session.execute(
                sa.select(ReportTotal.measure, sa.func.sum(ReportTotal.n))
                .where(ReportTotal.measure.in_(("assessments", "enrolled", "first_assessed")))
                .group_by(ReportTotal.measure)
            ).all()
        )
        assert counts == {"assessments": 8, "enrolled": 8, "first_assessed": 8}
        assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 8
        assert db.session.get(Cohort, t.cohort_id) is not None
