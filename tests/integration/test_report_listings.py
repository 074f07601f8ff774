"""Verified sales listings count each listing path once, on the day its first evidence was
verified: a path verified again (another step's evidence, another day) is not a new listing."""

from datetime import timedelta

import sqlalchemy as sa

from portal import clock
from portal.auth.models import Role, User
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceKind, EvidenceStatus, OnboardingPath
from portal.reports import aggregates
from portal.reports.models import ReportTotal
from portal.reports.queries import Filters, activity
from tests.conftest import QUANG_NINH


def _path_verified_on(
    app, business, *days_ago: int, path_id: str = "postmart", channel: str = "sales"
) -> None:
    """A listing path with one piece of evidence verified on each of these days (days ago)."""
    with app.app_context():
        path = OnboardingPath(
            business_id=business.id,
            province_code=business.province_code,
            path_id=path_id,
            channel=channel,
        )
        db.session.add(path)
        db.session.flush()
        for n, ago in enumerate(days_ago):
            at = clock.utcnow() - timedelta(days=ago)
            db.session.add(
                Evidence(
                    onboarding_id=path.id,
                    business_id=business.id,
                    province_code=business.province_code,
                    step_id=f"step{n}",
                    kind=EvidenceKind.URL,
                    url=f"https://postmart.vn/cua-hang/{business.id}/{n}",
                    status=EvidenceStatus.VERIFIED,
                    submitted_at=at - timedelta(hours=1),
                    verified_at=at,
                )
            )
        db.session.commit()


def _evidence(business, step_id: str) -> Evidence:
    return db.session.scalar(
        sa.select(Evidence).where(Evidence.business_id == business.id, Evidence.step_id == step_id)
    )


def _listings(app, staff, start_ago: int, end_ago: int = 0, **filters) -> int:
    today = clock.today()
    f = Filters(
        QUANG_NINH,
        today - timedelta(days=start_ago),
        today - timedelta(days=end_ago),
        **filters,
    )
    with app.app_context():
        return activity(f, db.session.get(User, staff.id)).listings_verified


def test_a_path_verified_on_two_days_of_a_period_counts_once(app, make_user, make_business):
    staff = make_user(Role.STAFF, province_code=QUANG_NINH)
    business = make_business()
    other = make_business()
    _path_verified_on(app, business, 5, 2)  # two steps' evidence, two days
    _path_verified_on(app, other, 3)
    _path_verified_on(app, other, 3, path_id="vietqr", channel="payment")  # not a sales listing
    # Unfiltered (province totals) and filtered (groups): two listings, not three.
    assert _listings(app, staff, 10) == 2
    assert _listings(app, staff, 10, commune_code=business.commune_code) == 2
    # Counted on the day of its first verification only.
    assert _listings(app, staff, 10, 4) == 1
    assert _listings(app, staff, 2) == 0
    with app.app_context():
        counted = db.session.scalar(
            sa.select(sa.func.sum(ReportTotal.n)).where(ReportTotal.measure == "listings")
        )
        aggregates.rebuild(commit=True)
        rebuilt = db.session.scalar(
            sa.select(sa.func.sum(ReportTotal.n)).where(ReportTotal.measure == "listings")
        )
    assert counted == rebuilt == 2


def test_a_listing_stays_counted_on_its_first_day_when_a_later_evidence_is_rejected(
    app, make_user, make_business
):
    staff = make_user(Role.STAFF, province_code=QUANG_NINH)
    business = make_business()
    _path_verified_on(app, business, 6, 1)
    with app.app_context():
        _evidence(business, "step1").status = EvidenceStatus.REJECTED
        db.session.commit()
    assert _listings(app, staff, 10) == 1
    assert _listings(app, staff, 10, 5) == 1
    with app.app_context():
        _evidence(business, "step0").status = EvidenceStatus.REJECTED
        db.session.commit()
    assert _listings(app, staff, 10) == 0
