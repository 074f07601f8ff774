"""A trainer's own pages: today's and the coming days' sessions one tap from attendance, their
classes with counts, and a class's participants with phone numbers to call.

Times are built from the portal's clock and its local days, so the tests hold with the clock
moved (late evening in Vietnam is already the next day there).
"""

import re
from html import unescape

import pytest

from portal import clock
from portal.auth.models import Role
from portal.extensions import db
from portal.training import operations
from portal.training.models import Cohort
from tests.conftest import HA_NOI, PASSWORD
from tests.factories import earlier_today, enrol_now, in_days, mark_present, new_training

EN = {"Accept-Language": "en"}


@pytest.fixture
def trainer(make_user):
    return make_user(role=Role.TRAINER, name="Vũ Thị Lan")


def later_today():
    """A stored instant later today (local day), halfway from now to midnight."""
    now = clock.utcnow()
    return (now + (clock.day_end(clock.today()) - now) / 2).replace(microsecond=0)


def add_session(app, cohort_id: int, starts_at) -> int:
    with app.app_context():
        session = operations.add_session(db.session.get(Cohort, cohort_id), starts_at, 90)
        db.session.commit()
        return session.id


def page_of(client, url: str = "/training/teaching") -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def section(page: str, heading_id: str) -> str:
    """The HTML of one section of the page, by its heading's id."""
    return re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)[1]


def test_trainer_sees_today_then_the_next_days_each_one_tap_from_attendance(
    app, client, auth, trainer, make_user, make_business
):
    today = new_training(app, trainer, sessions=1, first_session=earlier_today(), capacity=5)
    later_id = add_session(app, today.cohort_id, later_today())
    a = enrol_now(app, today.cohort_id, make_business(name="Hộ Mật ong").id)
    enrol_now(app, today.cohort_id, make_business(name="HTX Ngao").id)
    mark_present(app, trainer, today.session_ids[0], a)
    week = new_training(
        app, trainer, sessions=1, first_session=in_days(3), title_en="Digital payments"
    )
    far = new_training(app, trainer, sessions=1, first_session=in_days(12), title_en="Far away")
    colleague = make_user(role=Role.TRAINER)
    theirs = new_training(
        app, colleague, sessions=1, first_session=earlier_today(), title_en="Not mine"
    )
    auth.login(trainer)
    page = page_of(client)

    today_part = section(page, "today-heading")
    assert today_part.count('class="teaching-course">Selling on e-commerce') == 2
    assert "1 of 2 present" in today_part  # the session that has begun
    assert "2 people expected" in today_part  # the one still to come
    for session_id in (today.session_ids[0], later_id):
        assert f'href="/training/sessions/{session_id}/attendance"' in today_part
        assert f'href="/training/sessions/{session_id}/check-in"' in today_part

    week_part = section(page, "week-heading")
    assert "Digital payments" in week_part
    assert f'href="/training/sessions/{week.session_ids[0]}/attendance"' in week_part
    assert "Far away" not in week_part and "Not mine" not in page
    assert f"/training/sessions/{theirs.session_ids[0]}/" not in page

    classes = section(page, "classes-heading")
    assert "2 of 5 places taken, 0 waiting" in classes
    assert "1 of 2 sessions held" in classes
    assert f'href="/training/cohorts/{far.cohort_id}/participants"' in classes


def test_finished_classes_fold_away(app, client, auth, trainer):
    new_training(app, trainer, sessions=2, first_session=in_days(-30), title_en="Old class")
    auth.login(trainer)
    page = page_of(client)
    assert "No sessions today." in page and "No sessions in the next 7 days." in page
    assert "<summary>1 finished class</summary>" in page
    assert "Old class" in page.split("<details>", 1)[1]


def test_signing_in_and_the_menu_lead_a_trainer_to_their_schedule(client, trainer):
    response = client.post("/auth/login", data={"login": trainer.login, "password": PASSWORD})
    assert response.headers["Location"] == "/training/teaching"
    page = page_of(client, "/dashboard")
    assert '<a href="/training/teaching">My teaching schedule</a>' in page


def test_the_schedule_is_for_trainers(client, auth, make_user):
    for user in (make_user(), make_user(role=Role.STAFF), make_user(role=Role.ADMIN)):
        auth.login(user)
        assert client.get("/training/teaching").status_code == 403
        assert "/training/teaching" not in client.get("/dashboard").get_data(as_text=True)
        auth.logout()
    assert client.get("/training/teaching").status_code == 302


# ------------------------------------------------------------------------------ roster


def test_roster_gives_names_businesses_states_and_a_number_to_call(
    app, client, auth, trainer, make_user, make_business
):
    t = new_training(app, trainer, capacity=1)
    hoa = make_user(name="Nguyễn Thị Hoa", phone="0912345678")
    enrol_now(app, t.cohort_id, make_business(owner=hoa, name="Hộ Hoa Sen").id)
    minh = make_user(name="Trần Văn Minh", phone=None, email="minh@example.vn")
    enrol_now(app, t.cohort_id, make_business(owner=minh, name="HTX Minh Châu").id)
    auth.login(trainer)
    cohort_page = page_of(client, f"/training/cohorts/{t.cohort_id}")
    assert f'href="/training/cohorts/{t.cohort_id}/participants"' in cohort_page
    page = page_of(client, f"/training/cohorts/{t.cohort_id}/participants")
    assert "<h2>Enrolled (1)</h2>" in page and "<h2>On the waitlist (1)</h2>" in page
    assert "Nguyễn Thị Hoa" in page and "Hộ Hoa Sen" in page
    assert 'href="tel:+84912345678"' in page and "Call 0912 345 678" in page
    assert 'href="mailto:minh@example.vn"' in page


def test_roster_is_for_the_class_trainer_and_the_province_staff(
    app, client, auth, trainer, make_user, make_business
):
    t = new_training(app, trainer)
    enrol_now(app, t.cohort_id, make_business().id)
    url = f"/training/cohorts/{t.cohort_id}/participants"
    allowed = (make_user(role=Role.STAFF), make_user(role=Role.ADMIN))
    refused = (make_user(role=Role.TRAINER), make_user())
    for user in allowed:
        auth.login(user)
        assert client.get(url).status_code == 200
        auth.logout()
    for user in refused:
        auth.login(user)
        assert client.get(url).status_code in (403, 404)
        auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    assert client.get(url).status_code == 404
