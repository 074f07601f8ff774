"""Self check-in by QR code: the trainer's board, the rotating code, and what a participant's
phone gets when it opens the code (present, already present, or a clear reason why not).

Every time is built from the portal's clock, so the tests hold with the clock moved.
"""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.auth.models import Role, User
from portal.extensions import db
from portal.training import checkin, operations
from portal.training.models import Attendance, EnrolmentEvent, EventState, TrainingSession
from tests.conftest import HA_NOI, PASSWORD, all_at_once
from tests.factories import enrol_now, new_training

EN = {"Accept-Language": "en"}


@pytest.fixture
def trainer(make_user):
    return make_user(role=Role.TRAINER, name="Vũ Thị Lan")


def session_from(app, trainer, start: datetime, minutes: int = 120, **kwargs):
    """A one-session class starting at ``start`` (a stored instant) lasting ``minutes``."""
    t = new_training(app, trainer, sessions=1, first_session=start, **kwargs)
    with app.app_context():
        db.session.get(TrainingSession, t.session_ids[0]).duration_minutes = minutes
        db.session.commit()
    t.session_id = t.session_ids[0]
    return t


@pytest.fixture
def running(app, trainer, make_user, make_business):
    """A session that began ten minutes ago, with an owner enrolled and one more participant."""
    t = session_from(app, trainer, clock.utcnow() - timedelta(minutes=10))
    t.owner = make_user(name="Nguyễn Thị Hoa", phone="0912345678")
    t.business = make_business(owner=t.owner, name="Hộ kinh doanh Hoa Sen")
    t.enrolment_id = enrol_now(app, t.cohort_id, t.business.id)
    enrol_now(app, t.cohort_id, make_business(name="HTX Ngao Đầm Hà").id)
    return t


def code(app, session_id: int, minutes_ago: int = 0) -> str:
    with app.app_context():
        minute = checkin.minute_of(clock.utcnow()) - minutes_ago
        return checkin.token_for(session_id, minute)


def scan(client, app, session_id: int, token: str | None = None):
    token = token if token is not None else code(app, session_id)
    return client.get(f"/training/check-in/{session_id}/{token}", headers=EN)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def attendance_rows(app, session_id: int) -> list[tuple[int, bool, int | None]]:
    with app.app_context():
        return [
            (row.enrolment_id, row.present, row.marked_by_id)
            for row in db.session.scalars(
                sa.select(Attendance).where(Attendance.session_id == session_id)
            )
        ]


def attended_events(app, session_id: int) -> list[int | None]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(EnrolmentEvent.by_user_id).where(
                    EnrolmentEvent.session_id == session_id,
                    EnrolmentEvent.state == EventState.ATTENDED,
                )
            )
        )


# --------------------------------------------------------------------------- the phone


def test_owner_checks_in_with_the_code_of_the_minute_and_twice_is_once(app, client, auth, running):
    auth.login(running.owner)
    response = scan(client, app, running.session_id)
    assert response.status_code == 200
    page = text(response)
    assert "You are checked in" in page
    assert "Hộ kinh doanh Hoa Sen" in page and "Selling on e-commerce marketplaces" in page
    # Recorded as the owner's own check-in: marked by them, logged as attended by them.
    assert attendance_rows(app, running.session_id) == [
        (running.enrolment_id, True, running.owner.id)
    ]
    assert attended_events(app, running.session_id) == [running.owner.id]

    again = scan(client, app, running.session_id)
    assert again.status_code == 200
    assert "You are already checked in" in text(again)
    assert len(attendance_rows(app, running.session_id)) == 1
    assert len(attended_events(app, running.session_id)) == 1


def test_the_previous_minutes_code_still_works(app, client, auth, running):
    auth.login(running.owner)
    response = scan(client, app, running.session_id, code(app, running.session_id, 1))
    assert response.status_code == 200 and "You are checked in" in text(response)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("stale", id="two-minutes-old"),
        pytest.param("AAAAAAAAAAAAAAAA", id="forged"),
        pytest.param("short", id="malformed"),
        pytest.param("other-session", id="another-sessions-code"),
    ],
)
def test_a_stale_forged_or_foreign_code_is_refused_with_a_message(
    app, client, auth, running, trainer, token
):
    if token == "stale":
        token = code(app, running.session_id, 2)
    elif token == "other-session":
        other = session_from(app, trainer, clock.utcnow() - timedelta(minutes=5))
        token = code(app, other.session_id)
    auth.login(running.owner)
    response = scan(client, app, running.session_id, token)
    assert response.status_code == 403
    page = text(response)
    assert "This code has expired" in page
    assert "Scan the code your trainer is showing now." in page
    assert attendance_rows(app, running.session_id) == []


def test_someone_not_enrolled_is_told_so(app, client, auth, running, make_user, make_business):
    stranger = make_user()
    make_business(owner=stranger)  # of the province, not in the class
    auth.login(stranger)
    response = scan(client, app, running.session_id)
    assert response.status_code == 403
    assert "You are not on this class's list" in text(response)
    assert attendance_rows(app, running.session_id) == []


def test_a_waitlisted_business_cannot_check_in(
    app, client, auth, trainer, make_user, make_business
):
    t = session_from(app, trainer, clock.utcnow() - timedelta(minutes=5), capacity=1)
    enrol_now(app, t.cohort_id, make_business().id)
    owner = make_user()
    enrol_now(app, t.cohort_id, make_business(owner=owner).id)  # on the waitlist
    auth.login(owner)
    response = scan(client, app, t.session_id)
    assert response.status_code == 403
    assert "You are not on this class's list" in text(response)


def test_an_owner_of_another_province_learns_nothing_more(
    app, client, auth, running, make_user, make_business
):
    owner = make_user()
    make_business(owner=owner, province_code=HA_NOI)
    auth.login(owner)
    response = scan(client, app, running.session_id)
    assert response.status_code == 404
    assert "You are not on this class's list" in text(response)


@pytest.mark.parametrize(
    "starts_in,minutes,accepted",
    [
        (timedelta(minutes=10), 60, True),  # early arrival: opens 15 minutes before
        (timedelta(minutes=20), 60, False),
        (timedelta(minutes=-80), 60, True),  # ended 20 minutes ago: closes 30 after the end
        (timedelta(minutes=-100), 60, False),
        (timedelta(days=1), 120, False),
        (timedelta(days=-1), 120, False),
    ],
)
def test_check_in_is_open_around_the_session_only(
    app, client, auth, trainer, make_user, make_business, starts_in, minutes, accepted
):
    t = session_from(app, trainer, clock.utcnow() + starts_in, minutes)
    owner = make_user()
    enrol_id = enrol_now(app, t.cohort_id, make_business(owner=owner).id)
    auth.login(owner)
    response = scan(client, app, t.session_id)
    if accepted:
        assert response.status_code == 200 and "You are checked in" in text(response)
        assert attendance_rows(app, t.session_id) == [(enrol_id, True, owner.id)]
    else:
        assert response.status_code == 403
        page = text(response)
        assert "Check-in is closed" in page
        assert "This session takes check-ins from" in page
        assert attendance_rows(app, t.session_id) == []


def test_the_trainers_correction_stands_against_a_new_scan(app, client, auth, running, trainer):
    auth.login(running.owner)
    scan(client, app, running.session_id)
    auth.logout()
    auth.login(trainer)
    url = f"/training/sessions/{running.session_id}/attendance/{running.enrolment_id}"
    assert client.post(url, data={"present": "0"}).status_code == 302
    auth.logout()
    auth.login(running.owner)
    response = scan(client, app, running.session_id)
    assert response.status_code == 403
    assert "Your trainer has corrected your attendance" in text(response)
    assert attendance_rows(app, running.session_id) == [(running.enrolment_id, False, trainer.id)]


def test_trainers_and_staff_are_told_check_in_is_for_participants(
    app, client, auth, running, trainer, make_user
):
    for user in (trainer, make_user(role=Role.STAFF)):
        auth.login(user)
        response = scan(client, app, running.session_id)
        assert response.status_code == 403
        assert "Check-in is for participants" in text(response)
        auth.logout()
    assert attendance_rows(app, running.session_id) == []


def _sign_in_page(response) -> str:
    """Return the sign-in page a visitor was sent to (with the way back in ``next``)."""
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/auth/login?next=")
    return login_url


def test_a_visitor_signs_in_and_comes_back_checked_in(app, client, running):
    token = code(app, running.session_id)
    response = client.get(f"/training/check-in/{running.session_id}/{token}", headers=EN)
    login_url = _sign_in_page(response)
    # Signing in takes a few minutes on a phone: the code scanned in time still counts.
    later = datetime.now(UTC) + timedelta(minutes=5)
    with time_machine.travel(later, tick=True):
        signed_in = client.post(
            login_url, data={"login": running.owner.login, "password": PASSWORD}
        )
        assert signed_in.status_code == 302
        back = signed_in.headers["Location"]
        assert back == f"/training/check-in/{running.session_id}/{token}"
        page = text(client.get(back, headers=EN))
    assert "You are checked in" in page
    assert attendance_rows(app, running.session_id) == [
        (running.enrolment_id, True, running.owner.id)
    ]


def test_the_grace_is_only_for_the_phone_that_scanned_in_time(app, client, auth, running):
    token = code(app, running.session_id)
    later = datetime.now(UTC) + timedelta(minutes=5)
    with time_machine.travel(later, tick=True):
        auth.login(running.owner)  # signed in, but never scanned this code in time
        response = scan(client, app, running.session_id, token)
    assert response.status_code == 403 and "This code has expired" in text(response)


def test_a_visitor_with_a_stale_code_is_told_before_signing_in(app, client, running):
    response = client.get(
        f"/training/check-in/{running.session_id}/{code(app, running.session_id, 3)}",
        headers=EN,
    )
    assert response.status_code == 403
    assert "This code has expired" in text(response)


# --------------------------------------------------------------------- the trainer's board


def test_trainer_shows_the_code_and_sees_the_list_fill_up(
    app, client, auth, running, trainer, make_user
):
    auth.login(trainer)
    page = text(client.get(f"/training/sessions/{running.session_id}/check-in", headers=EN))
    assert "Show this code to the participants" in page
    # The address in the QR code is shown too, and works: it carries the code of the minute.
    url = re.search(r'data-checkin-url href="([^"]+)"', page)[1]
    prefix = f"https://portal.example.vn/training/check-in/{running.session_id}/"
    assert url.startswith(prefix)
    with app.app_context():
        assert checkin.is_fresh(running.session_id, url.removeprefix(prefix))
    qr = re.search(r'data-checkin-qr src="([^"]+)"', page)[1]
    svg = client.get(unescape(qr))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).startswith("<svg")
    # Strict CSP: no inline script or style on the page, nor in the image.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "style=" not in page and "<style" not in page
    assert "style=" not in svg.get_data(as_text=True)
    assert "0 of 2 present" in page

    status_url = f"/training/sessions/{running.session_id}/check-in/status.json"
    before = client.get(status_url, headers=EN).get_json()
    assert before["open"] is True and before["present"] == []
    assert [p["name"] for p in before["waiting"]] == ["HTX Ngao Đầm Hà", "Hộ kinh doanh Hoa Sen"]

    owner_client = app.test_client()
    owner_client.post("/auth/login", data={"login": running.owner.login, "password": PASSWORD})
    assert scan(owner_client, app, running.session_id).status_code == 200

    after = client.get(status_url, headers=EN).get_json()
    assert after["summary"] == "1 of 2 present"
    assert [p["name"] for p in after["present"]] == ["Hộ kinh doanh Hoa Sen"]
    assert after["present"][0]["note"].startswith("checked in at ")
    assert [p["name"] for p in after["waiting"]] == ["HTX Ngao Đầm Hà"]
    # The trainer corrects with the usual toggles; the board says who marked whom.
    others = client.get(f"/training/sessions/{running.session_id}/attendance", headers=EN)
    assert "Hộ kinh doanh Hoa Sen" in text(others)


def test_without_script_the_board_reloads_with_a_button(app, client, auth, running, trainer):
    auth.login(trainer)
    page = text(client.get(f"/training/sessions/{running.session_id}/check-in", headers=EN))
    board = f'href="/training/sessions/{running.session_id}/check-in">Refresh the list</a>'
    assert board in page
    assert f'href="/training/sessions/{running.session_id}/attendance">' in page


def test_no_code_outside_the_window(app, client, auth, trainer):
    t = session_from(app, trainer, clock.utcnow() + timedelta(days=1))
    auth.login(trainer)
    page = text(client.get(f"/training/sessions/{t.session_id}/check-in", headers=EN))
    assert "Check-in is closed now. The code appears here from" in page
    assert "data-checkin-qr src=" not in page
    status = client.get(f"/training/sessions/{t.session_id}/check-in/status.json").get_json()
    assert status["open"] is False and status["url"] is None
    assert client.get(f"/training/sessions/{t.session_id}/check-in/code.svg").status_code == 404


def test_only_the_class_team_sees_the_board(app, client, auth, running, make_user):
    urls = [
        f"/training/sessions/{running.session_id}/check-in",
        f"/training/sessions/{running.session_id}/check-in/status.json",
        f"/training/sessions/{running.session_id}/check-in/code.svg",
    ]
    auth.login(make_user(role=Role.TRAINER))  # a colleague of the province
    assert [client.get(u).status_code for u in urls] == [403, 403, 403]
    auth.logout()
    auth.login(running.owner)
    assert [client.get(u).status_code for u in urls] == [403, 403, 403]
    auth.logout()
    auth.login(make_user(role=Role.TRAINER, province_code=HA_NOI))
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    auth.logout()
    auth.login(make_user(role=Role.STAFF))
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]


def test_a_trainer_mark_after_a_check_in_keeps_one_row(app, running, trainer):
    with app.app_context():
        session = db.session.get(TrainingSession, running.session_id)
        done = checkin.check_in(session, db.session.get(User, running.owner.id))
        db.session.commit()
        operations.set_attendance(session, done.marked[0], True, db.session.get(User, trainer.id))
        db.session.commit()
    assert attendance_rows(app, running.session_id) == [(running.enrolment_id, True, trainer.id)]
    assert attended_events(app, running.session_id) == [running.owner.id]


# ---------------------------------------------------------------------- real concurrency


@pytest.mark.postgres_only
def test_two_scans_at_the_same_moment_make_one_row(app, running):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    clients = []
    for _ in range(4):
        phone = app.test_client()
        phone.post("/auth/login", data={"login": running.owner.login, "password": PASSWORD})
        clients.append(phone)
    token = code(app, running.session_id)
    url = f"/training/check-in/{running.session_id}/{token}"
    responses = all_at_once([lambda c=c: c.get(url, headers=EN) for c in clients])
    assert sorted(r.status_code for r in responses) == [200] * 4
    pages = [text(r) for r in responses]
    assert sum("You are checked in" in p for p in pages) == 1
    assert sum("You are already checked in" in p for p in pages) == 3
    assert attendance_rows(app, running.session_id) == [
        (running.enrolment_id, True, running.owner.id)
    ]
    assert attended_events(app, running.session_id) == [running.owner.id]
