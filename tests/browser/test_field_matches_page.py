"""Proposed duplicate households on a 360 px phone: staff go from the dashboard to the proposed
matches, read what a merge will do, go back without change, then merge (the data says so)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.auth.models import Role
from portal.extensions import db
from portal.field.models import MERGED, FieldHousehold
from tests.conftest import AuthActions
from tests.factories import (
    FIELD_COMMUNES,
    confirm_page_there_and_back,
    field_helper,
    field_match,
    sign_in_on_page,
)

PHONE = "0912777888"
BLOCKING = {"serious", "critical"}
COMMUNE = FIELD_COMMUNES[0]


def _decision(app, household_id):
    with app.app_context():
        return db.session.get(FieldHousehold, household_id).match_decision


def test_staff_merge_a_proposed_duplicate_on_a_phone(
    app, phone_en, make_user, make_business, artifacts
):
    helper = field_helper(app, make_user, [COMMUNE])
    make_business(owner=make_user(phone=PHONE), commune_code=COMMUNE, name="Hộ bà Năm")
    # The helper's upload, through the test client (the phone fixture checks CSRF tokens).
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = app.test_client()
        household_id = field_match(app, client, AuthActions(client), helper, PHONE, COMMUNE)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True

    page = phone_en
    sign_in_on_page(page, make_user(role=Role.STAFF))
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
    confirm_page_there_and_back(
        page,
        merge.click,
        title="Merge the two records?",
        effects=["reports count the household once"],
        screenshot=f"{artifacts}/field-merge-confirm.png",
        back="Go back without changing anything",
        back_url="**/field/matches",
        unchanged=lambda: _decision(app, household_id) is None,
    )

    merge.click()
    page.get_by_role("button", name="Merge into one household").click()
    expect(page.get_by_text("The two records are now one household.")).to_be_visible()
    assert _decision(app, household_id) == MERGED
    page.goto("/field/matches")
    expect(page.locator("#no-matches")).to_be_visible()
