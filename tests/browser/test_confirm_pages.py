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
from tests.conftest import QUANG_NINH
from tests.factories import (
    confirm_page_there_and_back,
    create_token,
    enrol_now,
    new_training,
    sign_in_on_page,
)


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
    sign_in_on_page(page, make_user(role=Role.STAFF))
    page.goto("/reports/")
    remove = page.get_by_role("link", name="Xóa chỉ tiêu: ")
    confirm_page_there_and_back(
        page,
        remove.click,
        title="Xóa chỉ tiêu?",
        subject="500",
        effects=["Đường mức cần đạt trên biểu đồ cũng mất theo."],
        back="Quay lại, không thay đổi gì",
        back_url="**/reports/**",
        unchanged=lambda: _targets(app) == 1,
    )

    remove.click()
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
    sign_in_on_page(page, owner)
    page.goto("/training/mine")
    cancel = page.get_by_role("link", name="Cancel enrolment")
    confirm_page_there_and_back(
        page,
        cancel.click,
        title="Cancel the enrolment?",
        subject="Selling online",
        effects=["Hợp tác xã Chè Ba Chẽ loses its place in this class.", "waiting list"],
        back="Keep the place",
        back_url="**/training/mine",
        unchanged=lambda: _state(app, enrolment_id) == EnrolmentState.ENROLLED,
    )

    cancel.click()
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
    sign_in_on_page(page, make_user(role=Role.STAFF))
    page.goto(f"/admin/users/{trainer.id}")

    def lock() -> None:
        page.get_by_label("Đang hoạt động").uncheck()
        page.get_by_role("button", name="Lưu").click()

    confirm_page_there_and_back(
        page,
        lock,
        title="Khóa tài khoản?",
        subject="Lê Văn Giảng",
        effects=["Có thể mở khóa lại tài khoản trên trang này."],
        back="Quay lại, không thay đổi gì",
        back_url=f"**/admin/users/{trainer.id}",
        unchanged=lambda: _active(app, trainer.id) is True,
    )
    expect(page.get_by_label("Đang hoạt động")).to_be_checked()

    lock()
    page.get_by_role("button", name="Khóa tài khoản").click()
    page.wait_for_url("**/admin/users")
    assert _active(app, trainer.id) is False


def test_revoking_an_api_token_in_english(app, phone_en, make_user):
    staff = make_user(role=Role.STAFF)
    token_id, _plaintext = create_token(app, staff, name="Cổng dữ liệu tỉnh")
    page = phone_en
    sign_in_on_page(page, staff)
    page.goto("/api/tokens")
    revoke = page.get_by_role("link", name="Revoke the token Cổng dữ liệu tỉnh")

    def not_revoked() -> bool:
        with app.app_context():
            return db.session.get(ApiToken, token_id).revoked_at is None

    confirm_page_there_and_back(
        page,
        revoke.click,
        title="Revoke the token?",
        subject="Cổng dữ liệu tỉnh",
        effects=["stops at once"],
        back="Go back without changing anything",
        back_url="**/api/tokens",
        unchanged=not_revoked,
    )

    revoke.click()
    page.get_by_role("button", name="Revoke the token").click()
    page.wait_for_url("**/api/tokens")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
    expect(page.get_by_role("link", name="Revoke the token Cổng dữ liệu tỉnh")).to_have_count(0)
