"""A trainer takes attendance on a 360 px phone: one tap per person."""

import os
from datetime import timedelta

from playwright.sync_api import expect

from portal import clock
from portal.auth.models import Role
from tests.conftest import PASSWORD
from tests.factories import enrol_now, new_training


def test_trainer_marks_attendance_with_one_tap_per_person(
    app, phone_en, artifacts, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER, name="Vũ Thị Lan")
    # The first session was yesterday; the second is in six days.
    t = new_training(app, trainer, sessions=2, first_session=clock.utcnow() - timedelta(days=1))
    names = ["Hộ kinh doanh Bánh gật gù Phương Hoa", "HTX Ngao Đầm Hà", "Cơ sở Chả mực Hạ Long"]
    for name in names:
        enrol_now(app, t.cohort_id, make_business(name=name).id)

    page = phone_en
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(trainer.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"/training/cohorts/{t.cohort_id}")
    # Only the session that has started can be taken; the next one says when it opens.
    expect(page.get_by_role("link", name="Take attendance")).to_have_count(1)
    expect(page.get_by_text("Attendance opens when the session starts")).to_have_count(1)
    page.get_by_role("link", name="Take attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance")
    expect(page.get_by_role("status")).to_contain_text("0 of 3 present")

    for name in names[:2]:
        page.get_by_role("button", name=name).click()
        expect(page.get_by_role("button", name=name)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status")).to_contain_text("2 of 3 present")
    expect(page.get_by_role("button", name=names[2])).to_have_attribute("aria-pressed", "false")

    # A second tap undoes a mistake.
    page.get_by_role("button", name=names[1]).click()
    expect(page.get_by_role("button", name=names[1])).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("status")).to_contain_text("1 of 3 present")

    # Big enough to hit with a thumb, and nothing overflows the 360 px screen.
    box = page.get_by_role("button", name=names[0]).bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(artifacts, "attendance-360.png"), full_page=True)

    # The next session's page lists who is expected, with nothing to tap until it starts.
    page.goto(f"/training/sessions/{t.session_ids[1]}/attendance")
    expect(page.get_by_role("status")).to_contain_text("Not open yet")
    expect(page.get_by_text(names[0])).to_be_visible()
    expect(page.get_by_role("button", name=names[0])).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(artifacts, "attendance-not-open-360.png"), full_page=True)
