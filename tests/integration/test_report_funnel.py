"""The province funnel read from the report aggregates equals the count it replaced.

``counted_funnel`` below is the query the funnel ran before it read aggregates (businesses
counted one by one, with an EXISTS per step): the test's oracle, on varied data (synthetic
history, unclaimed businesses and a claim, certificates withdrawn, a commune changed, digital
status ended by a stricter definition, an account closed, a move to another province, evidence
verified on a payment path). Each case that changes a step without touching the business row
(the owner's e-mail or phone, a certificate withdrawn) is also checked on its own.
"""

import sqlalchemy as sa

from portal import geo
from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.claims import operations as claims
from portal.devtools.synthetic import generate
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus
from portal.privacy import operations as privacy
from portal.reports import aggregates
from portal.reports import operations as report_operations
from portal.reports.funnel_queries import STEPS, FunnelRow, funnel
from portal.reports.models import DigitalStatus
from portal.scoping import visible
from portal.training import operations as training
from portal.training.models import Certificate
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import complete_with_certificate, listing_evidence, move_business


def _flag(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


def counted_funnel(province_code: int, user) -> list[FunnelRow]:
    """The funnel as it was counted from the businesses themselves (the oracle)."""
    bid = Business.id
    assessed = sa.exists().where(
        Assessment.business_id == bid, Assessment.status == AssessmentStatus.SUBMITTED
    )
    trained = sa.exists().where(Certificate.business_id == bid, Certificate.revoked_at.is_(None))
    listed = sa.exists().where(
        Evidence.business_id == bid, Evidence.status == EvidenceStatus.VERIFIED
    )
    digital = sa.exists().where(DigitalStatus.business_id == bid, DigitalStatus.ceased_at.is_(None))
    registered = sa.or_(User.email.is_not(None), User.phone.is_not(None))
    stmt = (
        sa.select(
            Business.commune_code,
            sa.func.count(bid),
            _flag(registered),
            _flag(assessed),
            _flag(trained),
            _flag(listed),
            _flag(digital),
        )
        .join(User, User.id == Business.owner_id)
        .where(visible(Business, user), Business.province_code == province_code)
        .group_by(Business.commune_code)
    )
    rows = []
    total = dict.fromkeys(STEPS, 0)
    for commune, *counts in db.session.execute(stmt):
        values = dict(zip(STEPS, (int(c or 0) for c in counts), strict=True))
        for step in STEPS:
            total[step] += values[step]
        rows.append(FunnelRow(commune, geo.commune_name(commune), values))
    rows.sort(key=lambda r: r.name)
    rows.append(FunnelRow(None, "", total))
    return rows


def _assert_funnels_equal_the_counts(readers) -> None:
    for province, user_id in readers:
        user = db.session.get(User, user_id)
        assert funnel(province, user) == counted_funnel(province, user), (province, user.role)


def _commune(province: int, n: int) -> int:
    return int(geo.communes(province)[n].code)


def test_the_funnel_from_aggregates_equals_the_counted_one_on_varied_data(
    app, make_user, make_business
):
    staff = make_user(Role.STAFF, province_code=QUANG_NINH)
    admin = make_user(Role.ADMIN)
    trainer = make_user(Role.TRAINER, province_code=QUANG_NINH)
    readers = [(QUANG_NINH, staff.id), (QUANG_NINH, admin.id), (HA_NOI, admin.id)]
    with app.app_context():
        generate(120, province_codes=(QUANG_NINH, HA_NOI), echo=lambda _m: None)
        _assert_funnels_equal_the_counts(readers)
        synthetic = list(
            db.session.scalars(
                sa.select(Business)
                .where(Business.province_code == QUANG_NINH)
                .order_by(Business.id)
            )
        )
        ids = [b.id for b in synthetic]
    # Recorded for people without an account: known, not registered; one of them claimed.
    unclaimed = []
    for n in range(4):
        owner = make_user(email=None)
        unclaimed.append(
            make_business(owner=owner, commune_code=_commune(QUANG_NINH, n % 3 + 5)).id
        )
    claimant = make_user()
    first = make_business(commune_code=_commune(QUANG_NINH, 7))
    complete_with_certificate(app, trainer, first)
    listing_evidence(app, first, "vietqr", "payment", EvidenceStatus.VERIFIED)
    with app.app_context():
        code = claims.issue_code(db.session.get(Business, unclaimed[0])).code
        db.session.commit()
        claims.claim(code, db.session.get(User, claimant.id))
        db.session.commit()
        # Certificates withdrawn: trained no more (unless another one stands).
        for certificate in db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.province_code == QUANG_NINH, Certificate.revoked_at.is_(None))
            .order_by(Certificate.id)
            .limit(5)
        ):
            training.revoke_certificate(certificate, db.session.get(User, admin.id), "Cấp nhầm")
        # A business now in another commune of the province.
        for business_id in ids[:3]:
            db.session.get(Business, business_id).commune_code = _commune(QUANG_NINH, 9)
        db.session.commit()
        # A stricter definition: some stop being digital.
        report_operations.set_definition(QUANG_NINH, 4, 1, db.session.get(User, staff.id))
        db.session.commit()
        # An account closed: its businesses stay known, no longer registered.
        privacy.close_account(db.session.get(Business, ids[3]).owner)
        db.session.commit()
    # Moved to Hà Nội with its certificate and listing.
    move_business(app, first.id, admin)
    with app.app_context():
        _assert_funnels_equal_the_counts(readers)
        # A lenient one: digital again, on new stretches.
        report_operations.set_definition(QUANG_NINH, 1, 0, db.session.get(User, staff.id))
        db.session.commit()
        _assert_funnels_equal_the_counts(readers)
        # Rebuilt from scratch, the same.
        aggregates.rebuild(commit=True)
        _assert_funnels_equal_the_counts(readers)
        total = funnel(QUANG_NINH, db.session.get(User, staff.id))[-1].counts
        assert total["known"] > total["registered"] > total["assessed"] > total["digital"] > 0


def test_a_change_of_sign_in_or_a_withdrawn_certificate_moves_the_funnel(
    app, make_user, make_business
):
    staff = make_user(Role.STAFF, province_code=QUANG_NINH)
    admin = make_user(Role.ADMIN)
    trainer = make_user(Role.TRAINER, province_code=QUANG_NINH)
    owner = make_user(email=None)
    business = make_business(owner=owner)
    course = complete_with_certificate(app, trainer, business)

    def total() -> dict[str, int]:
        with app.app_context():
            user = db.session.get(User, staff.id)
            rows = funnel(QUANG_NINH, user)
            assert rows == counted_funnel(QUANG_NINH, user)
            return rows[-1].counts

    assert total() == dict.fromkeys(STEPS, 0) | {"known": 1, "trained": 1}
    with app.app_context():
        db.session.get(User, owner.id).phone = "0912345678"  # the owner can sign in now
        db.session.commit()
    assert total()["registered"] == 1
    with app.app_context():  # a bulk UPDATE, as a script or a migration might write it
        db.session.execute(
            sa.update(User)
            .where(User.id == owner.id)
            .values(phone=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    assert total()["registered"] == 0
    with app.app_context():
        certificate = db.session.get(Certificate, course.certificate_id)
        training.revoke_certificate(certificate, db.session.get(User, admin.id), "Cấp nhầm")
        db.session.commit()
    assert total() == dict.fromkeys(STEPS, 0) | {"known": 1}
