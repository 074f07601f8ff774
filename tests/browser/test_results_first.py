"""On a 360 px phone, the results of a household's assessment open on what to do next: the level
and its meaning, then the nearest class and a listing path, all on the first screen; the scores
and comparisons are folded below."""

import os

from playwright.sync_api import expect

from portal.auth.models import Role
from portal.businesses.models import BusinessKind, BusinessSize, Sector
from tests.browser.conftest import take_household_assessment
from tests.conftest import PASSWORD, QUANG_NINH
from tests.factories import HOANH_MO, move_class, new_training

VIEWPORT_HEIGHT = 780


def _on_first_screen(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["y"] + box["height"] <= VIEWPORT_HEIGHT, (selector, box)


def test_household_sees_level_and_next_steps_on_the_first_screen(
    app, phone_en, artifacts, make_user, make_business
):
    trainer = make_user(role=Role.TRAINER, province_code=QUANG_NINH)
    near = new_training(
        app,
        trainer,
        title_en="Sell on Zalo in Hoành Mô",
        topic="social_selling",
        dimensions=["online_sales"],
        audience="household",
    )
    move_class(app, near.cohort_id, HOANH_MO, venue="Nhà văn hoá thôn Đồng Mô")
    owner = make_user(name="Hoàng Thị Lan")
    make_business(
        owner=owner,
        kind=BusinessKind.HOUSEHOLD,
        size=BusinessSize.FAMILY,
        sector=Sector.AGRICULTURE,
        commune_code=HOANH_MO,
        name="Hộ Hoàng Thị Lan",
    )
    page = phone_en
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(owner.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/dashboard")
    take_household_assessment(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment results")
    expect(page.locator(".result-first .level")).to_contain_text("Level")
    _on_first_screen(page, ".result-first")
    first_step = page.locator(".next-action").first
    expect(first_step).to_contain_text("Sell on Zalo in Hoành Mô")
    expect(first_step).to_contain_text("In your commune")
    expect(first_step).to_contain_text("Nhà văn hoá thôn Đồng Mô")
    expect(first_step.locator("time")).to_be_visible()
    expect(page.locator(".next-action--path")).to_contain_text("Start selling on")
    _on_first_screen(page, ".next-actions")

    # The details are folded: closed, their content hidden until the summary is pressed.
    details = page.locator("details.result-details")
    expect(details).not_to_have_attribute("open", "")
    expect(page.locator(".dimension-result").first).to_be_hidden()
    assert page.locator("details.result-details > summary").bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(artifacts, "results-first-360-en.png"))

    page.locator("details.result-details > summary").click()
    expect(page.locator(".dimension-result").first).to_be_visible()
    expect(page.locator("svg.radar")).to_be_visible()

    # The same page in Vietnamese keeps the order and still fits the first screen.
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator(".result-first .level")).to_contain_text("Mức")
    _on_first_screen(page, ".next-actions")
    expect(page.locator("details.result-details")).not_to_have_attribute("open", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(artifacts, "results-first-360-vi.png"))
