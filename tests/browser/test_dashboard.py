"""Province staff answer "how many digital businesses, against our target?" on a phone."""

import os
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect

from portal import geo
from portal.auth.models import Role
from portal.extensions import db
from portal.reports.models import ProvinceTarget
from tests.conftest import PASSWORD, QUANG_NINH
from tests.factories import make_digital


def test_staff_read_progress_filter_by_commune_and_export(
    app, phone, artifacts, make_user, make_business
):
    first, second = (int(c.code) for c in geo.communes(QUANG_NINH)[:2])
    for commune in (first, first, second):
        make_digital(app, make_user, make_business(commune_code=commune))
    staff = make_user(role=Role.STAFF, name="Phạm Thu Hà")
    with app.app_context():
        db.session.add(
            ProvinceTarget(
                province_code=QUANG_NINH,
                target=500,
                by_year=2030,
                start_on=date(2025, 7, 1),
                set_by_id=staff.id,
            )
        )
        db.session.commit()

    page = phone
    page.goto("/auth/login")
    page.get_by_label("Email hoặc số điện thoại").fill(staff.login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator(".menu-toggle").click()  # the menu button, whatever its word
    page.get_by_role("link", name="Báo cáo").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Tiến độ của tỉnh")
    expect(page.locator("#digital-now")).to_contain_text("3")
    expect(page.locator("#digital-now")).to_contain_text("500")
    expect(page.locator("figure.chart svg")).to_be_visible()
    # Nothing is wider than the phone (the names of what is, if something is).
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 361).map(e => e.tagName + '#' + e.id)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
    page.screenshot(path=os.path.join(artifacts, "dashboard-360.png"), full_page=True)

    # One commune only: two of the three digital businesses are there.
    page.locator("summary", has_text="Bộ lọc").click()
    page.get_by_label("Xã/phường").select_option(str(first))
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("#digital-now strong")).to_have_text("2")

    # The enrolment report keeps the filter and exports it as a spreadsheet.
    page.get_by_role("link", name="Thống kê và xuất dữ liệu lượt đăng ký học").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thống kê lượt đăng ký học")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="XLSX").click()
    saved = os.path.join(artifacts, "enrolments.xlsx")
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[-1][0] == "Tổng cộng"
    # Two businesses of the commune, each enrolled and completed once: events and businesses
    # in their own columns, and the last counts each business once.
    header = next(row for row in rows if "Lượt ghi danh" in row)
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Lượt ghi danh"] == 2 and total["Lượt hoàn thành"] == 2
    assert total["Số cơ sở ghi danh"] == 2
    assert total["Số cơ sở (mỗi cơ sở tính một lần)"] == 2
