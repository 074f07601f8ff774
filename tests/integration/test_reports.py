"""Digital-business status, the province dashboard, definitions and targets."""

import re
from datetime import date, datetime

import sqlalchemy as sa

from portal import clock
from portal.auth.models import Role, User
from portal.businesses.models import BusinessKind, BusinessSize, Sector
from portal.extensions import db
from portal.onboarding.models import EvidenceStatus
from portal.reports import operations, queries
from portal.reports.models import DigitalStatus, ProvinceSettingsChange, ProvinceTarget
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    assessment_at_level,
    complete_with_certificate,
    listing_evidence,
    make_digital,
)

EN = {"Accept-Language": "en"}


def _statuses(app, business_id: int) -> list[tuple[bool, bool]]:
    """Return (open, closed) per status row of the business, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(DigitalStatus)
            .where(DigitalStatus.business_id == business_id)
            .order_by(DigitalStatus.id)
        ).all()
        return [row.ceased_at is None for row in rows]


def test_status_follows_submitted_assessments_completions_and_verified_evidence(
    app, make_user, make_business
):
    business = make_business()
    trainer = make_user(role=Role.TRAINER)
    complete_with_certificate(app, trainer, business)
    assert _statuses(app, business.id) == []
    assessment_at_level(app, business, level=4)
    listing_evidence(app, business, "postmart", "sales", EvidenceStatus.PENDING)
    assert _statuses(app, business.id) == []
    listing_evidence(app, business, "digital_payment", "payment", EvidenceStatus.VERIFIED)
    assert _statuses(app, business.id) == [True]
    # A later, weaker assessment ends the stretch; a stronger one starts a new one.
    assessment_at_level(app, business, level=2)
    assert _statuses(app, business.id) == [False]
    assessment_at_level(app, business, level=3)
    assert _statuses(app, business.id) == [False, True]


def test_refresh_is_idempotent_and_copies_commune_sector_kind(app, make_user, make_business):
    business = make_business(sector=Sector.TOURISM, kind=BusinessKind.HOUSEHOLD)
    make_digital(app, make_user, business)
    with app.app_context():
        assert operations.refresh_digital_status([business.id]) == 0
        row = db.session.scalar(sa.select(DigitalStatus))
        assert (row.sector, row.kind, row.commune_code, row.province_code) == (
            Sector.TOURISM,
            BusinessKind.HOUSEHOLD,
            business.commune_code,
            QUANG_NINH,
        )


def _row(business, became: datetime, ceased: datetime | None = None, **copies) -> DigitalStatus:
    return DigitalStatus(
        business_id=business.id,
        province_code=business.province_code,
        commune_code=copies.get("commune_code", business.commune_code),
        sector=copies.get("sector", business.sector),
        kind=business.kind,
        became_digital_at=became,
        ceased_at=ceased,
    )


def test_counts_at_a_past_date_are_exact(app, make_user, make_business):
    a, b, c = make_business(), make_business(), make_business(sector=Sector.TRADE)
    hanoi = make_business(province_code=HA_NOI)
    with app.app_context():
        staff = db.session.get(User, make_user(role=Role.STAFF).id)
        # Stored in UTC: 03:00 UTC is 10:00 in Vietnam the same day.
        db.session.add_all(
            [
                _row(a, datetime(2026, 1, 10, 3), datetime(2026, 3, 5, 2)),
                _row(b, datetime(2026, 2, 1, 3)),
                _row(c, datetime(2026, 2, 20, 3), sector=Sector.TRADE),
                _row(hanoi, datetime(2026, 1, 1, 3)),
            ]
        )
        db.session.commit()
        f = queries.Filters(QUANG_NINH, date(2026, 1, 1), date(2026, 12, 31))

        def at(day, **filters):
            return queries.count_digital_at(queries.Filters(**(vars(f) | filters)), day, staff)

        assert at(date(2026, 1, 9)) == 0
        assert at(date(2026, 1, 10)) == 1
        assert at(date(2026, 2, 25)) == 3
        assert at(date(2026, 3, 4)) == 3
        assert at(date(2026, 3, 5)) == 2
        assert at(date(2026, 3, 5), sector=Sector.TRADE) == 1
        assert at(date(2026, 3, 5), sector=Sector.HEALTH) == 0
        months = queries.months_between(date(2026, 1, 1), date(2026, 4, 30))
        assert queries.monthly_digital(f, months, staff) == {
            "2026-01": 1,
            "2026-02": 3,
            "2026-03": 2,
            "2026-04": 2,
        }


def test_staff_change_the_definition_and_it_is_recorded(
    app, client, auth, make_user, make_business
):
    business = make_business()
    make_digital(app, make_user, business)
    staff = make_user(role=Role.STAFF, name="Lê Văn Cán Bộ")
    auth.login(staff)
    response = client.post(
        "/reports/definition", data={"min_level": "5", "min_courses": "1", "province": HA_NOI}
    )
    assert response.status_code == 302
    assert _statuses(app, business.id) == [False]
    with app.app_context():
        change = db.session.scalar(sa.select(ProvinceSettingsChange))
        assert (change.province_code, change.min_level, change.changed_by_id) == (
            QUANG_NINH,
            5,
            staff.id,
        )
    page = client.get("/reports/", headers=EN).get_data(as_text=True)
    assert "reaches level 5" in page
    assert "Lê Văn Cán Bộ" in page


def test_dashboard_shows_progress_toward_the_target(app, client, auth, make_user, make_business):
    for _ in range(3):
        make_digital(app, make_user, make_business())
    staff = make_user(role=Role.STAFF)
    auth.login(staff)
    today = clock.today()
    response = client.post(
        "/reports/target",
        data={"target": "500", "by_year": "2030", "start_on": f"{today.year}-01-01"},
    )
    assert response.status_code == 302
    page = client.get("/reports/", headers=EN).get_data(as_text=True)
    assert "of a target of 500 by 2030" in page
    assert '<strong class="big-number">3</strong>' in page
    assert "<svg" in page and 'id="trajectory"' in page
    assert "Dec 2030" in page and "2030-12<" not in page


def test_dashboard_filters_by_business_size(app, client, auth, make_user, make_business):
    make_digital(app, make_user, make_business(size=BusinessSize.SMALL))
    for _ in range(2):
        make_digital(app, make_user, make_business(size=BusinessSize.MICRO))
    auth.login(make_user(role=Role.STAFF))

    def digital_now(query: str) -> str:
        page = client.get(f"/reports/?{query}", headers=EN).get_data(as_text=True)
        return page.split('class="big-number">')[1].split("<")[0]

    assert digital_now("") == "3"
    assert digital_now("size=small") == "1"
    assert digital_now("size=micro") == "2"
    assert digital_now("size=medium") == "0"
    activity = client.get("/reports/?size=small", headers=EN).get_data(as_text=True)
    # The activity table follows the same filter: one enrolment, one completion.
    assert '<tr><th>Enrolments</th><td class="num">1</td></tr>' in activity
    report = client.get("/reports/enrolments?by=commune&size=micro", headers=EN)
    assert "Micro" in report.get_data(as_text=True)


def test_staff_never_see_another_province_numbers(app, client, auth, make_user, make_business):
    hanoi = make_business(province_code=HA_NOI)
    make_digital(app, make_user, hanoi)
    with app.app_context():
        db.session.add(
            ProvinceTarget(
                province_code=HA_NOI, target=777, by_year=2030, start_on=date(2026, 1, 1)
            )
        )
        db.session.commit()
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get(f"/reports/?province={HA_NOI}", headers=EN).get_data(as_text=True)
    assert "Quảng Ninh" in page and "Hà Nội" not in page
    assert '<strong class="big-number">0</strong>' in page
    # As a number of its own: the CSRF token may hold the digits 777 by chance.
    assert not re.search(r"(?<![\w-])777(?![\w-])", page)
    assert 'id="provinces"' not in page
    # Posting another province's code changes the staff member's own province only.
    client.post(
        "/reports/target",
        data={"target": "9", "by_year": "2030", "start_on": "2026-01-01", "province": HA_NOI},
    )
    with app.app_context():
        targets = dict(
            db.session.execute(sa.select(ProvinceTarget.province_code, ProvinceTarget.target)).all()
        )
    assert targets == {HA_NOI: 777, QUANG_NINH: 9}


def test_admin_chooses_a_province_and_sees_every_province(
    app, client, auth, make_user, make_business
):
    make_digital(app, make_user, make_business(province_code=HA_NOI))
    auth.login(make_user(role=Role.ADMIN))
    page = client.get(f"/reports/?province={HA_NOI}", headers=EN).get_data(as_text=True)
    assert '<strong class="big-number">1</strong>' in page
    assert 'id="provinces"' in page and "Hà Nội" in page


def test_owners_and_trainers_cannot_open_reports(client, auth, make_user):
    for role in (Role.OWNER, Role.TRAINER):
        auth.login(make_user(role=role))
        for url in ("/reports/", "/reports/enrolments", "/reports/enrolments.csv"):
            assert client.get(url).status_code == 403, (role, url)
        auth.logout()
