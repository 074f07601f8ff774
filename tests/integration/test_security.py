"""CSRF, cookies, headers and error pages."""

import pytest

from portal.auth.models import Role


def test_forms_refuse_a_post_without_csrf_token(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/auth/login", data={"login": "a@b.vn", "password": "x"})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_or_external_asset(client):
    page = client.get("/auth/register").get_data(as_text=True)
    assert "<script>" not in page and "http://" not in page.replace("http://localhost", "")
    assert "https://" not in page


def test_session_cookie_is_httponly_and_samesite(client, auth, make_user):
    auth.login(make_user())
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_secure_cookies_outside_development(monkeypatch, tmp_path):
    from portal.config import load_config

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        create_app()


def test_translated_404_page(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
    response = client.get("/nope", headers={"Accept-Language": "en"})
    assert "Page not found" in response.get_data(as_text=True)


def test_translated_500_page(app, client, make_user, auth, monkeypatch):
    from portal.main import views

    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(views, "render_template", lambda *a, **k: boom())
    auth.login(make_user(role=Role.OWNER))
    response = client.get("/dashboard")
    assert response.status_code == 500
    assert "Đã có lỗi xảy ra" in response.get_data(as_text=True)


def test_commune_list_follows_the_province(client):
    data = client.get("/businesses/communes.json?province=22").get_json()
    assert len(data) == 54 and any(c["name"] == "Phường Hạ Long" for c in data)
    assert client.get("/businesses/communes.json?province=999").status_code == 404


def test_form_fields_carry_no_placeholder_attributes(client):
    """Unset field attributes are left out, never written as the text "None"."""
    page = client.get("/auth/register").get_data(as_text=True)
    assert '="None"' not in page
    response = client.post("/auth/register", data={"name": ""})
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'aria-describedby="name-error"' in page
    assert '="None"' not in page
