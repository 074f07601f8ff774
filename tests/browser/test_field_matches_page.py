"""Proposed duplicate households on a 360 px phone: staff go from the dashboard to the proposed
matches, read what a merge will do, go back without change, then merge (the data says so)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal import geo
from portal.auth.models import Role, User
from portal.extensions import db
from portal.field.models import MERGED, FieldHousehold, HelperCommune
from tests.conftest import PASSWORD, QUANG_NINH, AuthActions
from tests.factories import field_match

PHONE = "0912777888"
BLOCKING = {"serious", "critical"}
COMMUNE = int(geo.communes(QUANG_NINH)[0].code)


def _helper(app, make_user):
    user = make_user(role=Role.HELPER)
    with app.app_context():
        db.session.get(User, user.id).province_code = QUANG_NINH
        db.session.add(
            HelperCommune(helper_id=user.id, province_code=QUANG_NINH, commune_code=COMMUNE)
        )
        db.session.commit()
    return user


def sign_in(page, user) -> None:
    page.goto("/auth/login")
    page.locator("input[name=login]").fill(user.login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    button = page.locator("#confirm-form button[type=submit]").bounding_box()
    assert button["height"] >= 44 and button["x"] + button["width"] <= 360


def _decision(app, household_id):
    with app.app_context():
        return db.session.get(FieldHousehold, household_id).match_decision


def test_staff_merge_a_proposed_duplicate_on_a_phone(
    app, phone_en, make_user, make_business, artifacts
):
    helper = _helper(app, make_user)
    make_business(owner=make_user(phone=PHONE), commune_code=COMMUNE, name="Hộ bà Năm")
    # The helper's upload, through the test client (the phone fixture checks CSRF tokens).
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = app.test_client()
        household_id = field_match(app, client, AuthActions(client), helper, PHONE, COMMUNE)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True

    page = phone_en
    sign_in(page, make_user(role=Role.STAFF))
    page.goto("/dashboard")
    expect(page.locator("#field-summary")).to_be_visible()
    page.locator("#field-summary").screenshot(path=f"{artifacts}/field-dashboard.png")
    page.locator("#field-open-matches a").click()
    page.wait_for_url("**/field/matches")
    expect(page.locator("#matches")).to_contain_text("Hộ bà Năm")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    found = Axe().run(page).response["violations"]
    assert [v["id"] for v in found if v["impact"] in BLOCKING] == []

    merge = page.get_by_role("link", name="Merge Hộ ghi ở thực địa")
    merge.click()
    expect(page.locator("h1")).to_have_text("Merge the two records?")
    expect(page.locator("#effects")).to_contain_text("reports count the household once")
    fits_the_phone(page)
    page.screenshot(path=f"{artifacts}/field-merge-confirm.png", full_page=True)
    page.get_by_role("link", name="Go back without changing anything").click()
    page.wait_for_url("**/field/matches")
    assert _decision(app, household_id) is None

    page.get_by_role("link", name="Merge Hộ ghi ở thực địa").click()
    page.get_by_role("button", name="Merge into one household").click()
    expect(page.get_by_text("The two records are now one household.")).to_be_visible()
    assert _decision(app, household_id) == MERGED
    page.goto("/field/matches")
    expect(page.locator("#no-matches")).to_be_visible()
