"""A trainer's day on a 360 px phone: their schedule, one tap to attendance, and self check-in
by QR code with the participant in a second browser."""

import os
from datetime import timedelta

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal import clock
from portal.auth.models import Role
from tests.conftest import PASSWORD
from tests.factories import earlier_today, enrol_now, in_days, new_training

BLOCKING = ("serious", "critical")


def sign_in(page, user) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(user.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def assert_accessible(page) -> None:
    found = Axe().run(page).response["violations"]
    blocking = [(v["id"], v["impact"]) for v in found if v["impact"] in BLOCKING]
    assert blocking == [], (page.url, blocking)


def test_trainer_home_then_one_tap_to_attendance(
    app, phone_en, artifacts, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER, name="Vũ Thị Lan")
    t = new_training(app, trainer, sessions=1, first_session=earlier_today())
    new_training(
        app, trainer, sessions=1, first_session=in_days(2), title_en="Digital payments for shops"
    )
    names = ["Hộ kinh doanh Bánh gật gù Phương Hoa", "HTX Ngao Đầm Hà"]
    for name in names:
        enrol_now(app, t.cohort_id, make_business(name=name).id)

    page = phone_en
    sign_in(page, trainer)
    # Signing in opens the trainer's schedule.
    expect(page.get_by_role("heading", level=1)).to_have_text("My teaching schedule")
    today = page.locator("section", has=page.locator("#today-heading"))
    expect(today.get_by_text("Selling on e-commerce marketplaces", exact=True)).to_be_visible()
    week = page.locator("section", has=page.locator("#week-heading"))
    expect(week.get_by_text("Digital payments for shops", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    button = today.get_by_role("link", name="Attendance")
    box = button.bounding_box()
    assert box["height"] >= 44
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts, "trainer-home-360.png"), full_page=True)

    button.click()  # one tap
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance")
    expect(page.get_by_role("status")).to_contain_text("0 of 2 present")
    page.get_by_role("button", name=names[0]).click()
    expect(page.get_by_role("button", name=names[0])).to_have_attribute("aria-pressed", "true")

    # The menu leads back to the schedule; the class's roster is one tap from it.
    page.goto("/training/teaching")
    page.get_by_role("link", name="Participants and phone numbers").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participants")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)


def test_participant_checks_in_by_qr_and_the_trainer_sees_it_live(
    app, browser, live_server, monkeypatch, phone_en, artifacts, make_user, make_business
):
    # The code's address is built on PORTAL_BASE_URL: here, the test's own server.
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", live_server)
    trainer = make_user(role=Role.TRAINER, name="Vũ Thị Lan")
    t = new_training(app, trainer, sessions=1, first_session=clock.utcnow() - timedelta(minutes=5))
    owner = make_user(name="Nguyễn Thị Hoa", phone="0912345678")
    enrol_now(app, t.cohort_id, make_business(owner=owner, name="Hộ kinh doanh Hoa Sen").id)
    enrol_now(app, t.cohort_id, make_business(name="HTX Ngao Đầm Hà").id)

    board = phone_en
    sign_in(board, trainer)
    board.goto(f"/training/sessions/{t.session_ids[0]}/attendance")
    board.get_by_role("link", name="Check-in QR code").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("Check-in")
    qr = board.get_by_role("img", name="QR code to check in to this session")
    expect(qr).to_be_visible()
    # Visible comes before decoded: wait for the image itself (a broken one never gets a width).
    board.wait_for_function(
        "document.querySelector('[data-checkin-qr]').complete"
        " && document.querySelector('[data-checkin-qr]').naturalWidth > 0",
        timeout=10_000,
    )
    expect(board.get_by_text("0 of 2 present")).to_be_visible()
    present = board.locator("[data-checkin-present]")
    expect(present).not_to_contain_text("Hộ kinh doanh Hoa Sen")
    assert board.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(board)
    url = board.locator("[data-checkin-url]").inner_text()
    assert url.startswith(f"{live_server}/training/check-in/{t.session_ids[0]}/")

    phone = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 780}, locale="en-US"
    )
    try:
        participant = phone.new_page()
        participant.set_default_timeout(10_000)
        # Not signed in yet: the code leads to the sign-in page and back.
        participant.goto(url)
        participant.get_by_label("Email or phone number").fill(owner.login)
        participant.get_by_label("Password").fill(PASSWORD)
        participant.get_by_role("button", name="Sign in").click()
        expect(participant.get_by_role("heading", level=1)).to_have_text("You are checked in")
        expect(participant.get_by_text("Hộ kinh doanh Hoa Sen")).to_be_visible()
        assert_accessible(participant)
        participant.screenshot(path=os.path.join(artifacts, "checkin-done-360.png"))
        # A second scan changes nothing.
        participant.goto(url)
        expect(participant.get_by_role("heading", level=1)).to_have_text(
            "You are already checked in"
        )
    finally:
        phone.close()

    # The trainer's page fills up by itself.
    expect(present).to_contain_text("Hộ kinh doanh Hoa Sen")
    expect(board.get_by_text("1 of 2 present")).to_be_visible()
    expect(board.locator("[data-checkin-waiting]")).to_have_text("HTX Ngao Đầm Hà")
    board.screenshot(path=os.path.join(artifacts, "checkin-board-360.png"), full_page=True)

    # And the trainer can still correct it with the usual toggle.
    board.get_by_role("link", name="Correct the attendance").click()
    toggle = board.get_by_role("button", name="Hộ kinh doanh Hoa Sen")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(board.get_by_role("button", name="Hộ kinh doanh Hoa Sen")).to_have_attribute(
        "aria-pressed", "false"
    )
