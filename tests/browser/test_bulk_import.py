"""Province staff import a real-looking list of 5,000 households and businesses, many named by
their pre-2025 communes: preview, import, the same file again changes nothing, the funnel."""

import pytest
from playwright.sync_api import expect

from portal.auth.models import Role
from portal.imports import sample
from tests.conftest import PASSWORD, QUANG_NINH

ROWS = 5_000


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    before = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield
    app.config["UPLOAD_FOLDER"] = before


def test_staff_import_a_list_preview_import_again_and_read_the_funnel(
    app, phone_en, make_user, tmp_path
):
    data = sample.rows(QUANG_NINH, ROWS)
    old_names = sum(1 for row in data if not row[5].startswith(("Phường ", "Xã ", "Đặc khu ")))
    path = tmp_path / "danh-sach-ho-kinh-doanh.csv"
    path.write_bytes(sample.to_csv(data))
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)

    page = phone_en
    page.set_default_timeout(120_000)  # 5,000 rows checked and imported on a shared machine
    page.goto("/auth/login")
    page.get_by_label("Email or phone number").fill(staff.login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/imports/")
    page.get_by_label("List of businesses (XLSX or CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Check the list").click()
    expect(page.locator("#accepted")).to_have_text(f"Rows to import: {ROWS}")
    expect(page.locator("#refused")).to_have_text("Rows refused: 0")
    # The old names and the commune each now belongs to.
    mapped = page.locator("#mapped tbody tr")
    assert mapped.count() > 10
    first = mapped.first.locator("td")
    assert first.nth(0).inner_text() != first.nth(1).inner_text()
    assert old_names > 0

    page.get_by_role("button", name=f"Import {ROWS} businesses").click()
    expect(page.locator("#imported")).to_contain_text(f"Imported: {ROWS} businesses")
    expect(page.get_by_role("link", name="part 10")).to_be_visible()

    # The same file again: everything is already in the portal, nothing to import.
    page.goto("/imports/")
    page.get_by_label("List of businesses (XLSX or CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Check the list").click()
    expect(page.locator("#known")).to_have_text(f"Already in the portal: {ROWS}")
    expect(page.locator("#accepted")).to_have_text("Rows to import: 0")
    expect(page.locator("#nothing")).to_be_visible()

    # The dashboard tells the known base from those assessed; the funnel by commune.
    page.goto("/reports/")
    expect(page.locator("#known tr").first).to_contain_text("5,000")
    page.get_by_role("link", name="By commune").click()
    total = page.locator("#funnel tr.total td")
    expect(total.nth(0)).to_have_text(str(ROWS))
    expect(total.nth(1)).to_have_text("0")  # nobody has claimed yet
