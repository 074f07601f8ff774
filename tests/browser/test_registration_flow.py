"""The foundation's main flow in a real browser on a 360 px phone."""

import os

from playwright.sync_api import expect

from portal import geo

QUANG_NINH = "22"


def test_owner_registers_signs_out_and_in_and_switches_language(phone, artifacts):
    page = phone
    page.goto("/")
    page.screenshot(path=os.path.join(artifacts, "home-360.png"), full_page=True)
    # Nothing overflows the 360 px viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The main call to action reads as an account, not as the legal registration of a company.
    page.locator(".hero").get_by_role("link", name="Tạo tài khoản").click()
    page.get_by_label("Họ và tên").fill("Phạm Văn Hải")
    page.get_by_label("Email").fill("hai@example.vn")
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-cua-hai")
    page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-cua-hai")
    page.get_by_label("Tên cơ sở kinh doanh hoặc hộ gia đình").fill("Hộ kinh doanh Mực khô Cô Tô")
    page.get_by_label("Loại hình").select_option("household_business")
    page.get_by_label("Ngành nghề").select_option("food_processing")
    page.get_by_label("Quy mô").select_option("family")
    page.get_by_label("Tỉnh/thành phố").select_option(QUANG_NINH)
    commune = geo.communes(22)[5]
    # The commune list is filled for the chosen province by the page's script.
    commune_select = page.get_by_label("Xã/phường")
    expect(commune_select.locator(f"option[value='{int(commune.code)}']")).to_have_count(1)
    commune_select.select_option(str(int(commune.code)))
    page.get_by_role("checkbox").check()  # the privacy notice, the only box on the form
    page.get_by_role("button", name="Tạo tài khoản").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Phạm Văn Hải")
    expect(page.get_by_text("Hộ kinh doanh Mực khô Cô Tô")).to_be_visible()
    expect(page.get_by_text(commune.name)).to_be_visible()

    # On a phone the menu folds behind one button.
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_hidden()
    page.get_by_role("button", name="Danh mục").click()
    expect(page.get_by_role("button", name="Danh mục")).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Đăng xuất").click()
    menu = page.get_by_role("navigation", name="Danh mục chính")
    expect(menu.get_by_role("link", name="Đăng nhập")).to_be_visible()

    menu.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Email hoặc số điện thoại").fill("hai@example.vn")
    page.get_by_label("Mật khẩu").fill("mat-khau-cua-hai")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Hộ kinh doanh Mực khô Cô Tô")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Phạm Văn Hải")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Tiếng Việt").click()
    page.get_by_role("button", name="Danh mục").click()
    expect(page.get_by_role("link", name="Trang của tôi")).to_be_visible()
    page.screenshot(path=os.path.join(artifacts, "dashboard-owner-360.png"), full_page=True)


def test_bad_input_in_browser_keeps_what_was_typed(phone):
    page = phone
    page.goto("/auth/register")
    page.get_by_label("Họ và tên").fill("Lê Thị Mai")
    page.get_by_label("Mã số thuế").fill("123")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Họ và tên")).to_have_value("Lê Thị Mai")
    expect(page.get_by_label("Mã số thuế")).to_have_value("123")


def test_tax_code_is_not_asked_of_a_household(phone_en):
    page = phone_en
    page.goto("/auth/register")
    tax_code = page.get_by_label("Tax code")
    password_hint = page.locator("#password-help")
    expect(password_hint).to_contain_text("At least 10 characters")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute(
        "aria-describedby", "password-help"
    )
    page.get_by_label("Kind").select_option("household")
    expect(tax_code).to_be_hidden()
    page.get_by_label("Kind").select_option("enterprise")
    expect(tax_code).to_be_visible()
