"""The main menu is rendered once per role and language and kept (portal.templating.main_menu):
what each person sees must still be their role's menu, in their language, with their own
sign-out token."""

import re

from portal.auth.models import Role
from tests.conftest import PASSWORD


def _menu(page: str) -> str:
    match = re.search(r'<ul id="main-menu">(.*?)</ul>', page, re.S)
    assert match, "no main menu on the page"
    return match[1]


def _labels(menu: str) -> list[str]:
    return [" ".join(text.split()) for text in re.findall(r">([^<>]*\w[^<>]*)<", menu)]


def test_each_role_sees_its_own_menu_whoever_came_before(client, auth, make_user):
    owner = make_user(locale="en")
    staff = make_user(role=Role.STAFF, locale="en")
    admin = make_user(role=Role.ADMIN, locale="en")
    for user, shown, hidden in [
        (owner, ["My businesses", "My training", "Sell online", "My data"], ["Reports"]),
        (staff, ["Businesses", "Evidence to verify", "Reports", "Audit log"], ["My data"]),
        (admin, ["Reports", "Provinces"], ["My training", "My data"]),
        (owner, ["My data"], ["Reports", "Provinces"]),
    ]:
        auth.login(user)
        labels = _labels(_menu(client.get("/dashboard").get_data(as_text=True)))
        assert set(shown) <= set(labels), (user.role, labels)
        assert not set(hidden) & set(labels), (user.role, labels)
        auth.logout()
    labels = _labels(_menu(client.get("/auth/login").get_data(as_text=True)))
    assert labels == ["Sign in", "Register"]


def test_the_menu_follows_the_language(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF, locale="en"))
    assert "Reports" in _labels(_menu(client.get("/dashboard").get_data(as_text=True)))
    auth.logout()
    auth.login(make_user(role=Role.STAFF, locale="vi"))
    labels = _labels(_menu(client.get("/dashboard").get_data(as_text=True)))
    assert "Báo cáo" in labels and "Nhật ký thao tác dữ liệu" in labels, labels
    assert "Reports" not in labels


def test_sign_out_carries_this_sessions_token(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    tokens = []
    for user in (make_user(), make_user()):
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        signed_in = client.post(
            "/auth/login", data={"csrf_token": token, "login": user.login, "password": PASSWORD}
        )
        assert signed_in.status_code == 302
        menu = _menu(client.get("/dashboard").get_data(as_text=True))
        token = re.search(r'name="csrf_token" value="([^"]+)"', menu)[1]
        tokens.append(token)
        assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
        assert client.get("/dashboard").status_code == 302  # signed out: sent to sign in
    assert tokens[0] != tokens[1]
