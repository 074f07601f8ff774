"""Several targets per province, one per metric, each with its progress."""

import re
from datetime import date

import sqlalchemy as sa

from portal import clock
from portal.auth.models import Role, User
from portal.businesses.models import BusinessKind
from portal.extensions import db
from portal.onboarding.models import EvidenceStatus
from portal.reports import queries
from portal.reports.models import ProvinceTarget
from portal.reports.targets import Progress, TargetMetric, Unit
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    assessment_at_level,
    bearer,
    complete_with_certificate,
    create_token,
    listing_evidence,
    make_digital,
)

EN = {"Accept-Language": "en"}
M = TargetMetric


def _fixture_province(app, make_user, make_business) -> None:
    """Quảng Ninh businesses whose metrics are counted by hand in the tests below."""
    trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    # Household: digital (completed course, level 4, verified sales channel).
    make_digital(app, make_user, make_business(kind=BusinessKind.HOUSEHOLD))
    # Household business: verified digital payments, twice (counts once).
    paying = make_business(kind=BusinessKind.HOUSEHOLD_BUSINESS)
    listing_evidence(app, paying, "digital_payment", "payment", EvidenceStatus.VERIFIED)
    listing_evidence(app, paying, "vietqr", "payment", EvidenceStatus.VERIFIED)
    # Household: payment evidence still pending, a weak assessment.
    pending = make_business(kind=BusinessKind.HOUSEHOLD)
    listing_evidence(app, pending, "digital_payment", "payment", EvidenceStatus.PENDING)
    assessment_at_level(app, pending, level=1)
    # Household: rejected sales evidence, nothing else.
    rejected = make_business(kind=BusinessKind.HOUSEHOLD)
    listing_evidence(app, rejected, "shopee", "sales", EvidenceStatus.REJECTED)
    # Enterprise: verified payments (not a household), a completed course.
    enterprise = make_business(kind=BusinessKind.ENTERPRISE)
    listing_evidence(app, enterprise, "digital_payment", "payment", EvidenceStatus.VERIFIED)
    complete_with_certificate(app, trainer, enterprise)
    make_business(kind=BusinessKind.COOPERATIVE)
    # Hà Nội: a digital household paying digitally, counted in Hà Nội only.
    hanoi = make_business(province_code=HA_NOI, kind=BusinessKind.HOUSEHOLD)
    make_digital(app, make_user, hanoi)
    listing_evidence(app, hanoi, "digital_payment", "payment", EvidenceStatus.VERIFIED)


#: The hand count of ``_fixture_province`` for Quảng Ninh.
HAND_COUNT = {
    M.DIGITAL_BUSINESSES: 1,
    # Households and household businesses: 4; with verified payments: 1.
    M.HOUSEHOLDS_DIGITAL_PAYMENTS: 25.0,
    M.BUSINESSES_TRAINED: 2,
    M.LISTINGS_VERIFIED: 1,
    M.ASSESSED_BUSINESSES: 2,
}


def _target(province_code: int, metric: TargetMetric, target: int, start_on: date) -> None:
    db.session.add(
        ProvinceTarget(
            province_code=province_code,
            metric=metric,
            target=target,
            by_year=2030,
            start_on=start_on,
        )
    )


def test_each_metric_equals_a_hand_count(app, make_user, make_business):
    _fixture_province(app, make_user, make_business)
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    with app.app_context():
        reader = db.session.get(User, staff.id)
        today = clock.today()
        values = queries.metric_values(QUANG_NINH, reader, {m: (m, today) for m in M})
        assert values == HAND_COUNT
        # Before anything happened every value was nought.
        before = queries.metric_values(QUANG_NINH, reader, {m: (m, date(2020, 1, 1)) for m in M})
        assert set(before.values()) == {0}
        hanoi = db.session.get(User, make_user(role=Role.STAFF, province_code=HA_NOI).id)
        assert queries.metric_values(HA_NOI, hanoi, {m: (m, today) for m in M}) == {
            M.DIGITAL_BUSINESSES: 1,
            M.HOUSEHOLDS_DIGITAL_PAYMENTS: 100.0,
            M.BUSINESSES_TRAINED: 1,
            M.LISTINGS_VERIFIED: 1,
            M.ASSESSED_BUSINESSES: 1,
        }
        # Staff of one province read nothing of another, even when asking for it.
        assert set(queries.metric_values(HA_NOI, reader, {m: (m, today) for m in M}).values()) == {
            0
        }


def test_progress_follows_the_straight_line_from_the_start_day():
    progress = Progress(
        metric=M.BUSINESSES_TRAINED,
        target=110,
        by_year=2026,
        start_on=date(2026, 1, 1),
        baseline=10,
        current=55,
        on=date(2026, 7, 2),
    )
    assert progress.unit == Unit.COUNT
    assert progress.progress_pct == 50.0
    assert round(progress.needed_now) == 60
    assert not progress.is_on_track
    on_track = Progress(
        M.HOUSEHOLDS_DIGITAL_PAYMENTS, 70, 2030, date(2026, 1, 1), 0, 35, date(2026, 1, 1)
    )
    assert on_track.unit == Unit.PERCENT and on_track.is_on_track and on_track.progress_pct == 50.0


def test_staff_set_several_targets_and_see_each_progress(
    app, client, auth, make_user, make_business
):
    _fixture_province(app, make_user, make_business)
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH, name="Phạm Thu Hà")
    auth.login(staff)
    year = clock.today().year
    for metric, value in ((M.HOUSEHOLDS_DIGITAL_PAYMENTS, 50), (M.ASSESSED_BUSINESSES, 8)):
        response = client.post(
            "/reports/target",
            data={
                "metric": metric.value,
                "target": str(value),
                "by_year": "2030",
                "start_on": f"{year}-01-01",
            },
        )
        assert response.status_code == 302
    page = client.get("/reports/", headers=EN).get_data(as_text=True)
    payments = page.split('id="target-households_digital_payments"')[1].split("</tr>")[0]
    assert "50%" in payments and "25%" in payments and "50% of the target" in payments
    assert "Phạm Thu Hà" in payments and "<svg" in payments
    assessed = page.split('id="target-assessed_businesses"')[1].split("</tr>")[0]
    assert "25% of the target" in assessed  # 2 of 8
    trained = page.split('id="target-businesses_trained"')[1].split("</tr>")[0]
    assert "No target set yet." in trained
    # The digital-business target is still the one of the chart.
    assert "No target set yet." in page.split('id="digital-now"')[1].split("</p>")[0]
    assert ' style="' not in page.split('id="targets"')[1].split("</table>")[0]
    with app.app_context():
        rows = db.session.execute(
            sa.select(ProvinceTarget.metric, ProvinceTarget.target, ProvinceTarget.set_by_id)
        ).all()
    assert sorted(rows) == sorted(
        [(M.HOUSEHOLDS_DIGITAL_PAYMENTS, 50, staff.id), (M.ASSESSED_BUSINESSES, 8, staff.id)]
    )
    # Setting the same metric again replaces its target.
    client.post(
        "/reports/target",
        data={
            "metric": "assessed_businesses",
            "target": "4",
            "by_year": "2031",
            "start_on": "2026-01-01",
        },
    )
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(ProvinceTarget.target).where(
                    ProvinceTarget.metric == M.ASSESSED_BUSINESSES
                )
            )
            == 4
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProvinceTarget)) == 2


def _post_target(client, **overrides):
    data = {
        "metric": "households_digital_payments",
        "target": "70",
        "by_year": "2030",
        "start_on": "2026-01-01",
    } | overrides
    return client.post("/reports/target", data=data, headers=EN)


def test_bad_target_input_comes_back_with_a_message(app, client, auth, make_user):
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    cases = [
        ({"target": "150"}, "Enter a percentage from 1 to 100.", 'value="150"'),
        ({"target": "0"}, "Enter a percentage from 1 to 100.", 'value="0"'),
        ({"target": "abc"}, "Enter a whole number, such as 1,000.", 'value="abc"'),
        ({"target": ""}, "Enter the value to reach.", None),
        (
            {"metric": "digital_businesses", "target": "-3"},
            "Enter a number of businesses of at least 1.",
            'value="-3"',
        ),
        ({"metric": "everything"}, "Choose what the target counts.", 'value="70"'),
        ({"by_year": "1999"}, "Enter a year from 2020 to 2100.", 'value="1999"'),
        ({"start_on": "not a day"}, "Enter a day such as 2026-01-31.", None),
        ({"start_on": "2031-01-01"}, "Count from a day before the end of the target year.", None),
    ]
    for overrides, message, kept in cases:
        response = _post_target(client, **overrides)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, overrides
        assert message in page, overrides
        assert "The target was not saved" in page
        if kept:
            assert kept in page.split('id="target-form"')[1], overrides
    # A count target may pass 100.
    assert _post_target(client, metric="businesses_trained", target="150").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(ProvinceTarget.target)) == 150


def test_staff_of_ha_noi_never_see_or_set_quang_ninh_targets(app, client, auth, make_user):
    with app.app_context():
        _target(QUANG_NINH, M.HOUSEHOLDS_DIGITAL_PAYMENTS, 77, date(2026, 1, 1))
        _target(QUANG_NINH, M.BUSINESSES_TRAINED, 4321, date(2026, 1, 1))
        db.session.commit()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    page = client.get(f"/reports/?province={QUANG_NINH}", headers=EN).get_data(as_text=True)
    assert "Hà Nội" in page and "Quảng Ninh" not in page
    assert "4,321" not in page and "77%" not in page
    # Posting Quảng Ninh's code sets and removes Hà Nội's own targets only.
    _post_target(client, metric="businesses_trained", target="9", province=str(QUANG_NINH))
    client.post(
        "/reports/target/remove",
        data={"metric": "households_digital_payments", "province": str(QUANG_NINH)},
    )
    with app.app_context():
        rows = db.session.execute(
            sa.select(ProvinceTarget.province_code, ProvinceTarget.metric, ProvinceTarget.target)
        ).all()
    assert sorted(rows) == sorted(
        [
            (QUANG_NINH, M.HOUSEHOLDS_DIGITAL_PAYMENTS, 77),
            (QUANG_NINH, M.BUSINESSES_TRAINED, 4321),
            (HA_NOI, M.BUSINESSES_TRAINED, 9),
        ]
    )


def test_staff_remove_a_target_and_admin_set_any_province(app, client, auth, make_user):
    with app.app_context():
        _target(QUANG_NINH, M.LISTINGS_VERIFIED, 40, date(2026, 1, 1))
        _target(QUANG_NINH, M.DIGITAL_BUSINESSES, 500, date(2026, 1, 1))
        db.session.commit()
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    # Asking to remove nothing shows nothing to confirm: back to the dashboard.
    assert client.get("/reports/target/remove").status_code == 302
    response = client.post("/reports/target/remove", data={"metric": "listings_verified"})
    assert response.status_code == 302
    response = client.post("/reports/target/remove", data={"metric": "nonsense"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(ProvinceTarget.metric)).all() == [M.DIGITAL_BUSINESSES]
    auth.logout()

    auth.login(make_user(role=Role.ADMIN))
    _post_target(client, province=str(HA_NOI), target="60")
    page = client.get(f"/reports/?province={HA_NOI}", headers=EN).get_data(as_text=True)
    assert "60%" in page.split('id="target-households_digital_payments"')[1].split("</tr>")[0]
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(ProvinceTarget.target).where(ProvinceTarget.province_code == HA_NOI)
            )
            == 60
        )


def test_api_summary_lists_each_target_with_its_progress(app, client, make_user, make_business):
    _fixture_province(app, make_user, make_business)
    with app.app_context():
        _target(QUANG_NINH, M.DIGITAL_BUSINESSES, 500, date(2026, 1, 1))
        _target(QUANG_NINH, M.HOUSEHOLDS_DIGITAL_PAYMENTS, 70, date(2026, 1, 1))
        _target(QUANG_NINH, M.BUSINESSES_TRAINED, 8, date(2026, 1, 1))
        _target(HA_NOI, M.LISTINGS_VERIFIED, 3, date(2026, 1, 1))
        db.session.commit()
        today = clock.today()
    token = create_token(app, make_user(role=Role.STAFF, province_code=QUANG_NINH))[1]
    body = client.get("/api/v1/summary", headers=bearer(token)).get_json()
    assert body["target"]["target"] == 500
    targets = {t["metric"]: t for t in body["targets"]}
    assert list(targets) == [
        "digital_businesses",
        "households_digital_payments",
        "businesses_trained",
    ]
    payments = targets["households_digital_payments"]
    assert {k: payments[k] for k in ("unit", "target", "by_year", "current", "progress_pct")} == {
        "unit": "percent",
        "target": 70,
        "by_year": 2030,
        "current": 25.0,
        "progress_pct": 35.7,
    }
    assert payments["start_on"] == "2026-01-01" and payments["on"] == today.isoformat()
    trained = targets["businesses_trained"]
    assert (trained["unit"], trained["current"], trained["progress_pct"]) == ("count", 2, 25.0)
    assert targets["digital_businesses"]["current"] == 1
    assert all(isinstance(t["on_track"], bool) for t in body["targets"])


# ------------------------------------------------------------------------- staff's home


def test_staff_home_opens_on_the_target_its_trajectory_and_this_week(
    app, client, auth, make_user, make_business
):
    make_digital(app, make_user, make_business())
    auth.login(make_user(role=Role.STAFF))
    client.post(
        "/reports/target",
        data={
            "province": QUANG_NINH,
            "metric": M.DIGITAL_BUSINESSES.value,
            "target": "500",
            "by_year": "2030",
            # A year back: the straight line already asks for more than the one business.
            "start_on": f"{clock.today().year - 1}-01-01",
        },
    )
    page = client.get("/dashboard", headers=EN).get_data(as_text=True)
    main = page[page.index("<main") :]
    # The target comes first, before the counts of registrations.
    assert main.index('id="staff-target"') < main.index("registered businesses and households")
    block = main[main.index('id="staff-target"') : main.index("</section>")]
    assert "of a target of 500 by 2030" in block and "Behind" in block
    assert block.index('id="home-trajectory"') < block.index('id="week-changes"')
    assert "<svg" in block
    week = block[block.index('id="week-changes"') : block.index("</table>")]
    row = week[week.index("Digital businesses") :]
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[:2] == ["1", "+1"]
    assert "1 course completed" in block and "1 certificate issued" in block


def test_trainers_home_has_no_target_block(app, client, auth, make_user):
    auth.login(make_user(role=Role.TRAINER))
    assert 'id="staff-target"' not in client.get("/dashboard").get_data(as_text=True)
