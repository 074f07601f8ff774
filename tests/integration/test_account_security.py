"""Account takeover closed: links on the configured address, sessions that really end,
no start with a public key, the same work for unknown accounts, no guessable passwords."""

import logging
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal import create_app
from portal.auth import operations
from portal.auth.models import Role, User
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.factories import registration

BASE = "https://portal.example.vn"


def _copy_cookies(source: FlaskClient, target: FlaskClient) -> None:
    """Give ``target`` a copy of every cookie ``source`` holds, as a thief would."""
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/auth/password").status_code == 200


def test_reset_link_uses_the_configured_address_whatever_the_host_header(
    app, client, make_user, caplog
):
    make_user(email="lan@example.vn")
    caplog.set_level(logging.DEBUG)
    client.post(
        "/auth/reset",
        data={"login": "lan@example.vn"},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    (mail,) = app.extensions["mailman"].outbox
    links = re.findall(r"https?://\S+", mail.body)
    assert links and all(link.startswith(BASE + "/auth/reset/") for link in links)
    assert "evil.example" not in mail.body
    # The link is a secret: no log line carries it.
    token = links[0].rsplit("/", 1)[1]
    assert token not in caplog.text
    assert "password reset mail sent" in caplog.text


def test_certificate_link_uses_the_configured_address(app):
    from portal.training.certificates import verification_url

    with app.test_request_context("/", headers={"Host": "evil.example"}):

        class Certificate:
            code = "ABC123"

        assert verification_url(Certificate()) == BASE + "/verify/ABC123"


def test_a_copied_cookie_dies_when_its_owner_signs_out(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    thief = app.test_client()
    _copy_cookies(client, thief)
    assert _signed_in(thief)
    auth.logout()
    assert not _signed_in(thief)
    assert not _signed_in(client)


def test_a_copied_remember_me_cookie_dies_too(app, client, make_user):
    user = make_user()
    client.post("/auth/login", data={"login": user.login, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    thief = app.test_client()
    thief.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert _signed_in(thief)  # the remember-me cookie alone opens a session
    client.post("/auth/logout")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", thief.get_cookie("remember_token").value)
    assert not _signed_in(fresh)


def test_changing_the_password_signs_out_every_other_device(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    other_device = app.test_client()
    _copy_cookies(client, other_device)
    response = client.post(
        "/auth/password",
        data={"current": PASSWORD, "password": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Other devices are signed out" in response.get_data(as_text=True)
    assert _signed_in(client)  # this device goes on
    assert not _signed_in(other_device)


def test_a_password_reset_ends_every_session(app, client, auth, make_user):
    user = make_user(email="ha@example.vn")
    auth.login(user)
    stolen = app.test_client()
    _copy_cookies(client, stolen)
    with app.test_request_context():
        token = operations.make_reset_token(db.session.get(User, user.id))
    app.test_client().post(
        f"/auth/reset/{token}",
        data={"password": "mot-mat-khau-moi", "confirm": "mot-mat-khau-moi"},
    )
    assert not _signed_in(stolen)
    assert not _signed_in(client)


def test_deactivating_an_account_ends_its_sessions(app, client, auth, make_user):
    user = make_user(role=Role.TRAINER)
    admin = make_user(role=Role.ADMIN)
    auth.login(user)
    assert _signed_in(client)
    admin_client = app.test_client()
    admin_client.post("/auth/login", data={"login": admin.login, "password": PASSWORD})
    # Active unticked, then confirmed on the page that says what locking does.
    admin_client.post(f"/admin/users/{user.id}", data={"role": "trainer", "confirmed": "1"})
    with app.app_context():
        assert db.session.get(User, user.id).active is False
    assert not _signed_in(client)


def test_a_forged_or_outdated_cookie_id_opens_nothing(app, client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the old form, without a session version
    assert not _signed_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:0"
    assert not _signed_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = "9" * 40 + ":1"
    assert not _signed_in(client)


@pytest.mark.parametrize("key", [None, "", "dev-only-not-secret", "short-key"])
def test_outside_development_a_real_secret_key_is_required(monkeypatch, key):
    monkeypatch.delenv("PORTAL_ENV", raising=False)  # production unless asked otherwise
    monkeypatch.setenv("PORTAL_BASE_URL", BASE)
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_outside_development_the_public_address_is_required(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        create_app()


def test_demo_and_synthetic_data_refuse_a_production_database(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PORTAL_BASE_URL", BASE)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "prod.sqlite3"))
    production = create_app()
    for command in (["seed-demo"], ["synthetic", "--businesses", "10"]):
        result = production.test_cli_runner().invoke(args=command)
        assert result.exit_code != 0
        assert "PORTAL_ENV=development" in result.output
    assert not (tmp_path / "prod.sqlite3").exists() or _no_users(production)


def _no_users(app) -> bool:
    with app.app_context():
        inspector = sa.inspect(db.engine)
        return "users" not in inspector.get_table_names()


def test_an_unknown_account_costs_the_same_hashing_as_a_known_one(
    client, make_user, monkeypatch
):
    make_user(email="known@example.vn")
    hashed = []
    real = operations.check_password_hash
    monkeypatch.setattr(
        operations, "check_password_hash", lambda h, p: hashed.append(h) or real(h, p)
    )
    monkeypatch.setattr(User, "check_password", lambda self, p: hashed.append(1) or False)
    client.post("/auth/login", data={"login": "known@example.vn", "password": "x" * 12})
    client.post("/auth/login", data={"login": "nobody@example.vn", "password": "x" * 12})
    assert len(hashed) == 2
    assert hashed[1].startswith("scrypt:")  # the decoy is as costly as a real hash


@pytest.mark.parametrize(
    ("password", "lang", "message"),
    [
        ("1234567890", "vi", "mật khẩu bị dùng nhiều nhất"),
        ("1234567890", "en", "one of the most used passwords"),
        ("qwertyuiop", "en", "one of the most used passwords"),
        ("aaaaaaaaaaaa", "vi", "dễ đoán"),
        ("nguyenthihoa", "en", "your name, e-mail or phone"),
    ],
)
def test_guessable_passwords_are_refused_with_the_reason(client, app, password, lang, message):
    data = registration(password=password, confirm=password)
    response = client.post("/auth/register", data=data, headers={"Accept-Language": lang})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'value="Nguyễn Thị Hoa"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_signed_in_pages_and_files_are_not_stored_by_caches(client, auth, make_user):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.login(make_user())
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_passwords_are_hashed_at_scrypts_full_cost_outside_the_test_suite(monkeypatch, tmp_path):
    """The suite hashes cheaply (tests/conftest.py); a real portal may not, and every hash
    verifies whatever cost it names."""
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PORTAL_BASE_URL", BASE)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "prod.sqlite3"))
    production = create_app()
    with production.app_context():
        user = User(name="Chủ cơ sở", role=Role.OWNER)
        user.set_password("correct-horse-42")
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert user.check_password("correct-horse-42")
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_METHOD"):
        create_app({"PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
