"""Registration, sign-in, passwords and the language choice."""

import re

import sqlalchemy as sa

from portal import geo
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.extensions import db
from tests.conftest import PASSWORD, QUANG_NINH
from tests.factories import registration


def test_owner_registers_with_business_and_lands_on_dashboard(client, app):
    response = client.post("/auth/register", data=registration(), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Hộ kinh doanh Chả mực Hạ Long" in page
    assert "Nguyễn Thị Hoa" in page
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "hoa@example.vn"))
        assert owner.role == Role.OWNER
        assert owner.password_hash.startswith("scrypt:")
        assert owner.locale == "vi"
        business = db.session.scalar(sa.select(Business).where(Business.owner_id == owner.id))
        assert business.province_code == QUANG_NINH
        assert geo.is_commune_in_province(business.commune_code, QUANG_NINH)


def test_register_with_phone_only_and_branch_tax_code(client, app):
    data = registration(
        email="", phone="+84 912 345 678", kind="enterprise", tax_code="5701234567-001"
    )
    response = client.post("/auth/register", data=data)
    assert response.status_code == 302
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.phone == "0912345678"))
        business = db.session.scalar(sa.select(Business).where(Business.owner_id == owner.id))
        assert business.tax_code == "5701234567001"


def _form_errors(page: str) -> str:
    return " ".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', page, re.S))


def test_wrong_tax_code_returns_form_with_input_kept(client):
    response = client.post("/auth/register", data=registration(tax_code="12345"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mã số thuế gồm 10 chữ số" in _form_errors(page)
    # What the person typed is still there.
    assert 'value="Hộ kinh doanh Chả mực Hạ Long"' in page
    assert 'value="hoa@example.vn"' in page
    assert 'value="12345"' in page


def test_household_business_may_give_a_12_digit_personal_id(client, app):
    response = client.post(
        "/auth/register", data=registration(kind="household_business", tax_code="022 190 001 234")
    )
    assert response.status_code == 302
    with app.app_context():
        business = db.session.scalar(sa.select(Business))
        assert business.tax_code == "022190001234"


def test_enterprise_may_not_give_a_personal_id(client):
    response = client.post(
        "/auth/register", data=registration(kind="enterprise", tax_code="022190001234")
    )
    assert "mã định danh cá nhân 12 số làm mã số thuế" in _form_errors(
        response.get_data(as_text=True)
    )


def test_enterprise_without_tax_code_is_refused(client):
    response = client.post("/auth/register", data=registration(kind="enterprise"))
    assert "phải khai mã số thuế" in _form_errors(response.get_data(as_text=True))


def test_commune_of_another_province_is_refused(client):
    hanoi_commune = int(geo.communes(1)[0].code)
    response = client.post("/auth/register", data=registration(commune=str(hanoi_commune)))
    page = response.get_data(as_text=True)
    assert "Hãy chọn xã hoặc phường thuộc tỉnh đã chọn" in _form_errors(page)
    # The commune list shown is the chosen province's.
    assert geo.communes(QUANG_NINH)[0].name in page


def test_duplicate_email_and_short_password_are_explained(client, make_user):
    make_user(email="hoa@example.vn")
    response = client.post("/auth/register", data=registration(password="ngan", confirm="ngan"))
    errors = _form_errors(response.get_data(as_text=True))
    assert "Đã có tài khoản dùng email này" in errors
    assert "ít nhất 10 ký tự" in errors


def test_registration_needs_email_or_phone(client):
    response = client.post("/auth/register", data=registration(email="", phone=""))
    assert "email hoặc số điện thoại" in _form_errors(response.get_data(as_text=True))


def test_malformed_select_values_do_not_crash(client):
    response = client.post(
        "/auth/register", data=registration(province="xx", commune="<script>", kind="boss")
    )
    assert response.status_code == 200
    errors = _form_errors(response.get_data(as_text=True))
    assert "Hãy chọn tỉnh" in errors


def test_login_logout_with_email_or_phone(client, auth, make_user):
    user = make_user(phone="0987654321")
    response = auth.login(user)
    assert response.headers["Location"] == "/dashboard"
    assert user.name in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    assert client.get("/dashboard").status_code == 302
    assert auth.login("098 765 4321").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, auth, make_user):
    user = make_user()
    response = auth.login(user, password="not-the-password")
    assert response.status_code == 200
    assert "Email/số điện thoại hoặc mật khẩu không đúng" in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, auth, make_user):
    user = make_user(role=Role.TRAINER)
    with client.application.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert auth.login(user).status_code == 200


def test_login_is_rate_limited(client, app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    user = make_user()
    codes = [auth_post(client, user.login).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Quá nhiều lần thử" in auth_post(client, user.login).get_data(as_text=True)


def auth_post(client, login):
    return client.post("/auth/login", data={"login": login, "password": "wrong-password"})


def test_change_password(client, auth, make_user):
    user = make_user()
    auth.login(user)
    response = client.post(
        "/auth/password",
        data={"current": "wrong", "password": "mot-mat-khau-moi", "confirm": "mot-mat-khau-moi"},
    )
    assert "Đây không phải mật khẩu hiện tại" in response.get_data(as_text=True)
    response = client.post(
        "/auth/password",
        data={"current": PASSWORD, "password": "mot-mat-khau-moi", "confirm": "mot-mat-khau-moi"},
    )
    assert response.status_code == 302
    auth.logout()
    assert auth.login(user, "mot-mat-khau-moi").status_code == 302


def test_password_reset_through_the_mailed_link(client, app, auth, make_user):
    user = make_user(email="lan@example.vn")
    response = client.post("/auth/reset", data={"login": "lan@example.vn"}, follow_redirects=True)
    assert "Nếu có tài khoản khớp" in response.get_data(as_text=True)
    outbox = app.extensions["mailman"].outbox
    assert len(outbox) == 1 and outbox[0].to == ["lan@example.vn"]
    link = re.search(r"https://portal.example.vn(/auth/reset/\S+)", outbox[0].body).group(1)
    response = client.post(
        link, data={"password": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"}
    )
    assert response.headers["Location"] == "/auth/login"
    assert auth.login(user, "mat-khau-moi-123").status_code == 302
    # The link works only once.
    auth.logout()
    response = client.get(link, follow_redirects=True)
    assert "Liên kết này không hợp lệ hoặc đã hết hạn" in response.get_data(as_text=True)


def test_reset_for_unknown_account_says_the_same_and_sends_nothing(client, app):
    response = client.post(
        "/auth/reset", data={"login": "nobody@example.vn"}, follow_redirects=True
    )
    assert "Nếu có tài khoản khớp" in response.get_data(as_text=True)
    assert app.extensions["mailman"].outbox == []


def test_language_defaults_to_vietnamese_then_follows_browser(client):
    assert 'lang="vi"' in client.get("/").get_data(as_text=True)
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Create an account" in page


def test_language_choice_sticks_in_session_and_account(client, app, auth, make_user):
    client.post("/auth/language/en?next=/auth/login")
    assert "Sign in" in client.get("/auth/login").get_data(as_text=True)
    user = make_user(locale="vi")
    auth.login(user)
    # The account's own choice wins over the session's.
    assert 'lang="vi"' in client.get("/dashboard").get_data(as_text=True)
    response = client.post("/auth/language/en?next=/dashboard")
    assert response.headers["Location"] == "/dashboard"
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
    # A browser asking for Vietnamese does not override the account's English.
    page = client.get("/dashboard", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert 'lang="en"' in page


def test_language_switch_refuses_offsite_redirect(client):
    response = client.post("/auth/language/en?next=//evil.example/")
    assert response.headers["Location"] == "/"
