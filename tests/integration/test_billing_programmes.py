"""Province staff manage subsidy programmes: create, edit, deactivate, budgets that cannot go
below what was granted, one province never touching another's, and the price page following."""

import html

import pytest
import sqlalchemy as sa

from portal.auth.models import Role
from portal.billing.models import SubsidyProgramme
from portal.businesses.models import Sector
from portal.extensions import db
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import (
    EN,
    add_programme,
    enrol_now,
    new_training,
    owner_with_held_seat,
    paid_course,
    payment_of,
)


@pytest.fixture
def trainer(make_user):
    return make_user(role=Role.TRAINER, province_code=QUANG_NINH)


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, province_code=QUANG_NINH)


def form_data(**overrides) -> dict:
    return {
        "name_vi": "Hỗ trợ hộ nông nghiệp",
        "name_en": "Farm household aid",
        "course": "all",
        "share_pct": "40",
        "sector": "all",
        "budget_vnd": "10.000.000",
        "active": "y",
    } | overrides


def programme(app, programme_id: int) -> SubsidyProgramme:
    with app.app_context():
        row = db.session.get(SubsidyProgramme, programme_id)
        db.session.expunge(row)
        return row


def all_programmes(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(
                SubsidyProgramme.province_code,
                SubsidyProgramme.name_en,
                SubsidyProgramme.budget_vnd,
                SubsidyProgramme.share_pct,
            ).order_by(SubsidyProgramme.id)
        ).all()


def test_staff_create_a_programme_and_the_price_page_shows_it(
    app, client, auth, make_user, make_business, trainer, staff
):
    course = paid_course(app, trainer)
    auth.login(staff)
    page = client.get("/billing/programmes/new", headers=EN).get_data(as_text=True)
    assert "Paid course" in page and "All courses of the province" in page
    response = client.post(
        "/billing/programmes/new",
        data=form_data(
            course=str(course.course_id),
            households_only="y",
            sector=Sector.AGRICULTURE.value,
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/billing/programmes"
    with app.app_context():
        row = db.session.scalar(sa.select(SubsidyProgramme))
        assert (row.province_code, row.course_id, row.share_pct) == (
            QUANG_NINH,
            course.course_id,
            40,
        )
        assert row.households_only and row.sector == Sector.AGRICULTURE
        assert (row.budget_vnd, row.spent_vnd, row.active) == (10_000_000, 0, True)

    auth.logout()
    owner = make_user()
    business = make_business(owner=owner, sector=Sector.AGRICULTURE)
    enrolment_id = enrol_now(app, course.cohort_id, business.id)
    auth.login(owner)
    page = client.get(f"/billing/enrolments/{enrolment_id}", headers=EN).get_data(True)
    assert "Farm household aid" in page and "40%" in page
    assert "₫200,000" in page and "₫300,000" in page


def test_programme_list_shows_budget_spent_and_remaining_in_vnd_for_each_language(
    app, client, auth, make_user, make_business, trainer, staff
):
    add_programme(app, share_pct=50, budget_vnd=50_000_000)
    add_programme(app, name_en="Open aid", share_pct=10)
    owner_with_held_seat(app, make_user, make_business, trainer)  # reserves 250,000
    auth.login(staff)
    en = client.get("/billing/programmes", headers=EN).get_data(as_text=True)
    assert "Digital transition aid" in en and "Open aid" in en
    assert "₫50,000,000" in en and "₫250,000" in en and "₫49,750,000" in en
    assert "No limit" in en
    vi = client.get("/billing/programmes").get_data(as_text=True)
    assert "50.000.000\xa0₫" in vi and "250.000\xa0₫" in vi and "49.750.000\xa0₫" in vi
    assert "Hỗ trợ chuyển đổi số" in vi


def test_staff_edit_a_programme(app, client, auth, trainer, staff):
    course = paid_course(app, trainer)
    programme_id = add_programme(app, share_pct=20, budget_vnd=1_000_000)
    auth.login(staff)
    page = client.get(f"/billing/programmes/{programme_id}/edit", headers=EN).get_data(True)
    assert 'value="Digital transition aid"' in page and 'value="1,000,000"' in page
    response = client.post(
        f"/billing/programmes/{programme_id}/edit",
        data=form_data(course=str(course.course_id), share_pct="100", budget_vnd=""),
    )
    assert response.status_code == 302
    row = programme(app, programme_id)
    assert (row.name_en, row.course_id, row.share_pct, row.budget_vnd) == (
        "Farm household aid",
        course.course_id,
        100,
        None,
    )
    assert row.sector is None and not row.households_only


def test_budget_cannot_be_set_below_what_was_granted_or_reserved(
    app, client, auth, make_user, make_business, trainer, staff
):
    programme_id = add_programme(app, share_pct=50, budget_vnd=1_000_000)
    _owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    assert payment_of(app, held.enrolment_id).subsidy_vnd == 250_000
    auth.login(staff)
    response = client.post(
        f"/billing/programmes/{programme_id}/edit",
        data=form_data(budget_vnd="200000"),
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The budget cannot be less than ₫250,000" in page
    assert 'value="200000"' in page and 'value="Farm household aid"' in page
    assert programme(app, programme_id).budget_vnd == 1_000_000
    # Exactly what was spent is allowed: the programme is then used up.
    response = client.post(
        f"/billing/programmes/{programme_id}/edit", data=form_data(budget_vnd="250.000")
    )
    assert response.status_code == 302
    row = programme(app, programme_id)
    assert (row.budget_vnd, row.remaining_vnd, row.name_en) == (250_000, 0, "Farm household aid")


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("share_pct", "abc", "Enter a percentage from 1 to 100."),
        ("share_pct", "0", "Enter a percentage from 1 to 100."),
        ("share_pct", "150", "Enter a percentage from 1 to 100."),
        ("budget_vnd", "lots", "Enter a whole number, such as 1,000."),
        ("budget_vnd", "50.000.000", "Enter a whole number, such as 50,000,000."),
        ("budget_vnd", "-5", "Enter a budget from 0 to 1,000,000,000,000 dong."),
        ("budget_vnd", "9" * 30, "This number has too many digits."),
        ("name_vi", "", "Enter the programme's name in Vietnamese."),
        ("name_en", "x" * 201, "Use at most 200 characters."),
        ("course", "999999", "Choose one of the province's courses, or all courses."),
        ("course", "abc", "Choose one of the province's courses, or all courses."),
        ("sector", "mining", "Choose a sector from the list, or all sectors."),
    ],
)
def test_bad_input_returns_the_form_with_what_was_typed(
    app, client, auth, staff, field, typed, message
):
    auth.login(staff)
    response = client.post("/billing/programmes/new", data=form_data(**{field: typed}), headers=EN)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert message in page and "Please correct the marked fields below." in page
    if field != "name_vi":
        assert 'value="Hỗ trợ hộ nông nghiệp"' in page
    if field in ("share_pct", "budget_vnd", "name_en"):
        assert f'value="{typed}"' in page
    assert all_programmes(app) == []


def test_bad_input_message_is_in_vietnamese_by_default(app, client, auth, staff):
    auth.login(staff)
    page = client.post("/billing/programmes/new", data=form_data(share_pct="abc")).get_data(True)
    assert "Hãy nhập tỷ lệ phần trăm từ 1 đến 100." in page
    assert "Vui lòng sửa các ô được đánh dấu bên dưới." in page
    assert 'value="abc"' in page


def test_deactivate_and_reactivate_a_programme(app, client, auth, make_business, trainer, staff):
    course = paid_course(app, trainer)
    programme_id = add_programme(app, share_pct=50)
    auth.login(staff)
    response = client.post(f"/billing/programmes/{programme_id}/active", data={"active": "0"})
    assert response.status_code == 302 and not programme(app, programme_id).active
    page = client.get("/billing/programmes", headers=EN).get_data(as_text=True)
    assert "Inactive" in page and "Reactivate" in page
    # An inactive programme grants nothing.
    first = payment_of(app, enrol_now(app, course.cohort_id, make_business().id))
    assert first.subsidy_vnd == 0 and first.programme_id is None

    client.post(f"/billing/programmes/{programme_id}/active", data={"active": "1"})
    assert programme(app, programme_id).active
    second = payment_of(app, enrol_now(app, course.cohort_id, make_business().id))
    assert second.subsidy_vnd == 250_000
    assert (
        client.post(
            f"/billing/programmes/{programme_id}/active", data={"active": "maybe"}
        ).status_code
        == 400
    )


def test_staff_never_see_or_change_another_province_programmes(app, client, auth, make_user, staff):
    hanoi_trainer = make_user(role=Role.TRAINER, province_code=HA_NOI)
    hanoi_course = new_training(
        app, hanoi_trainer, province_code=HA_NOI, fee_vnd=500_000, title_en="Hanoi course"
    )
    theirs = add_programme(
        app, province_code=HA_NOI, name_en="Hanoi aid", share_pct=50, budget_vnd=5_000_000
    )
    auth.login(staff)
    page = client.get("/billing/programmes", headers=EN).get_data(as_text=True)
    assert "Hanoi aid" not in page
    assert client.get(f"/billing/programmes/{theirs}/edit").status_code == 404
    assert client.post(f"/billing/programmes/{theirs}/edit", data=form_data()).status_code == 404
    response = client.post(f"/billing/programmes/{theirs}/active", data={"active": "0"})
    assert response.status_code == 404
    # Another province's course is not on offer, and is refused if sent anyway.
    assert "Hanoi course" not in client.get("/billing/programmes/new", headers=EN).get_data(True)
    response = client.post(
        "/billing/programmes/new", data=form_data(course=str(hanoi_course.course_id))
    )
    assert response.status_code == 200
    # Province staff cannot choose the province: theirs is taken whatever is asked.
    client.post(f"/billing/programmes/new?province={HA_NOI}", data=form_data())
    assert all_programmes(app) == [
        (HA_NOI, "Hanoi aid", 5_000_000, 50),
        (QUANG_NINH, "Farm household aid", 10_000_000, 40),
    ]
    row = programme(app, theirs)
    assert row.active and row.name_en == "Hanoi aid"


@pytest.mark.parametrize("role", [Role.TRAINER, Role.OWNER])
def test_trainers_and_owners_cannot_manage_programmes(app, client, auth, make_user, role):
    programme_id = add_programme(app, share_pct=10)
    auth.login(make_user(role=role))
    assert client.get("/billing/programmes").status_code == 403
    assert client.get("/billing/programmes/new").status_code == 403
    assert client.get(f"/billing/programmes/{programme_id}/edit").status_code == 403


def test_admin_picks_the_province_and_manages_every_province(app, client, auth, make_user):
    hanoi_trainer = make_user(role=Role.TRAINER, province_code=HA_NOI)
    hanoi_course = new_training(
        app, hanoi_trainer, province_code=HA_NOI, fee_vnd=500_000, title_en="Hanoi course"
    )
    add_programme(app, name_en="Quang Ninh aid", share_pct=10)
    auth.login(make_user(role=Role.ADMIN))
    page = client.get("/billing/programmes/new", headers=EN).get_data(as_text=True)
    assert 'name="province"' in page and "Choose a province from the list." not in page
    page = client.get("/billing/programmes/new?province=abc", headers=EN).get_data(True)
    assert "Choose a province from the list." in page
    page = client.get(f"/billing/programmes/new?province={HA_NOI}", headers=EN).get_data(True)
    assert "Hanoi course" in page and "Hà Nội" in page
    response = client.post(
        f"/billing/programmes/new?province={HA_NOI}",
        data=form_data(course=str(hanoi_course.course_id), name_en="Hanoi aid"),
    )
    assert response.status_code == 302
    page = client.get("/billing/programmes", headers=EN).get_data(as_text=True)
    assert "Quang Ninh aid" in page and "Hanoi aid" in page
    assert [(p[0], p[1]) for p in all_programmes(app)] == [
        (QUANG_NINH, "Quang Ninh aid"),
        (HA_NOI, "Hanoi aid"),
    ]


def test_report_and_navigation_link_to_the_programmes(client, auth, staff):
    auth.login(staff)
    home = client.get("/billing/programmes", headers=EN).get_data(as_text=True)
    assert 'href="/billing/report"' in home
    report = client.get("/billing/report", headers=EN).get_data(as_text=True)
    assert 'href="/billing/programmes"' in report
