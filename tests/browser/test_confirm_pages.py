"""Destructive actions on a 360 px phone: the question page says what the action affects, its
way back changes nothing, its button does it (the data says so)."""

from datetime import date

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.api.models import ApiToken
from portal.auth.models import Role, User
from portal.extensions import db
from portal.reports.models import ProvinceTarget
from portal.reports.targets import TargetMetric
from portal.training.models import Enrolment, EnrolmentState
from tests.conftest import PASSWORD, QUANG_NINH
from tests.factories import create_token, enrol_now, new_training


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


def _targets(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ProvinceTarget))


def test_removing_a_target_in_vietnamese(app, phone, make_user):
    with app.app_context():
        db.session.add(
            ProvinceTarget(
                province_code=QUANG_NINH,
                metric=TargetMetric.DIGITAL_BUSINESSES,
                target=500,
                by_year=2030,
                start_on=date(2026, 1, 1),
            )
        )
        db.session.commit()
    page = phone
    sign_in(page, make_user(role=Role.STAFF))
    page.goto("/reports/")
    remove = page.get_by_role("link", name="Xóa chỉ tiêu: ")
    remove.click()
    expect(page.locator("h1")).to_have_text("Xóa chỉ tiêu?")
    expect(page.locator("#confirm-subject")).to_contain_text("500")
    expect(page.locator("#effects")).to_contain_text(
        "Đường mức cần đạt trên biểu đồ cũng mất theo."
    )
    fits_the_phone(page)

    page.get_by_role("link", name="Quay lại, không thay đổi gì").click()
    page.wait_for_url("**/reports/**")
    assert _targets(app) == 1

    page.get_by_role("link", name="Xóa chỉ tiêu: ").click()
    page.get_by_role("button", name="Xóa chỉ tiêu").click()
    expect(page.get_by_text("Đã xóa chỉ tiêu.")).to_be_visible()
    assert _targets(app) == 0


def _state(app, enrolment_id: int) -> EnrolmentState:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).state


def test_an_owner_cancels_an_enrolment_in_english(app, phone_en, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner, name="Hợp tác xã Chè Ba Chẽ")
    training = new_training(app, make_user(role=Role.TRAINER), title_en="Selling online")
    enrolment_id = enrol_now(app, training.cohort_id, business.id)
    page = phone_en
    sign_in(page, owner)
    page.goto("/training/mine")
    page.get_by_role("link", name="Cancel enrolment").click()
    expect(page.locator("h1")).to_have_text("Cancel the enrolment?")
    expect(page.locator("#confirm-subject")).to_contain_text("Selling online")
    effects = page.locator("#effects")
    expect(effects).to_contain_text("Hợp tác xã Chè Ba Chẽ loses its place in this class.")
    expect(effects).to_contain_text("waiting list")
    fits_the_phone(page)

    page.get_by_role("link", name="Keep the place").click()
    page.wait_for_url("**/training/mine")
    assert _state(app, enrolment_id) == EnrolmentState.ENROLLED

    page.get_by_role("link", name="Cancel enrolment").click()
    page.get_by_role("button", name="Cancel the enrolment").click()
    page.wait_for_url("**/training/mine")
    assert _state(app, enrolment_id) == EnrolmentState.CANCELLED
    expect(page.get_by_role("link", name="Cancel enrolment")).to_have_count(0)


def _active(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).active


def test_locking_an_account_in_vietnamese(app, phone, make_user):
    trainer = make_user(role=Role.TRAINER, name="Lê Văn Giảng")
    page = phone
    sign_in(page, make_user(role=Role.STAFF))
    page.goto(f"/admin/users/{trainer.id}")
    page.get_by_label("Đang hoạt động").uncheck()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("h1")).to_have_text("Khóa tài khoản?")
    expect(page.locator("#confirm-subject")).to_contain_text("Lê Văn Giảng")
    expect(page.locator("#effects")).to_contain_text("Có thể mở khóa lại tài khoản trên trang này.")
    fits_the_phone(page)
    assert _active(app, trainer.id) is True

    page.get_by_role("link", name="Quay lại, không thay đổi gì").click()
    page.wait_for_url(f"**/admin/users/{trainer.id}")
    assert _active(app, trainer.id) is True
    expect(page.get_by_label("Đang hoạt động")).to_be_checked()

    page.get_by_label("Đang hoạt động").uncheck()
    page.get_by_role("button", name="Lưu").click()
    page.get_by_role("button", name="Khóa tài khoản").click()
    page.wait_for_url("**/admin/users")
    assert _active(app, trainer.id) is False


def test_revoking_an_api_token_in_english(app, phone_en, make_user):
    staff = make_user(role=Role.STAFF)
    token_id, _plaintext = create_token(app, staff, name="Cổng dữ liệu tỉnh")
    page = phone_en
    sign_in(page, staff)
    page.goto("/api/tokens")
    page.get_by_role("link", name="Revoke the token Cổng dữ liệu tỉnh").click()
    expect(page.locator("h1")).to_have_text("Revoke the token?")
    expect(page.locator("#confirm-subject")).to_contain_text("Cổng dữ liệu tỉnh")
    expect(page.locator("#effects")).to_contain_text("stops at once")
    fits_the_phone(page)

    page.get_by_role("link", name="Go back without changing anything").click()
    page.wait_for_url("**/api/tokens")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None

    page.get_by_role("link", name="Revoke the token Cổng dữ liệu tỉnh").click()
    page.get_by_role("button", name="Revoke the token").click()
    page.wait_for_url("**/api/tokens")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
    expect(page.get_by_role("link", name="Revoke the token Cổng dữ liệu tỉnh")).to_have_count(0)
