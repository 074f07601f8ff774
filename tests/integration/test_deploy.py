"""Running it for real: health checks, request logs, the first administrator, 503s."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from portal import create_app, logs
from portal.access import public
from portal.auth.models import Role, User
from portal.extensions import db
from tests.conftest import PASSWORD, QUANG_NINH
from tests.servers import PostgresCluster, postgres_cluster

ADMIN_PASSWORD = "violet-ferry-quartz-71"


def _log_lines(err: str, logger: str | None = None) -> list[dict]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if logger is None or line["logger"] == logger]


# Health ------------------------------------------------------------------------------------


def test_healthz_says_the_process_is_up_without_cookie_or_cache(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_health_checks_are_never_rate_limited(client: FlaskClient) -> None:
    assert {client.get("/healthz").status_code for _ in range(50)} == {200}


def test_readyz_checks_the_database_is_at_the_migration_head(app: Flask, client: FlaskClient):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "head"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers

    # New code on a database nobody upgraded yet: not ready.
    with app.app_context():
        head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'j1_privacy'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["migrations"] == "not at head"
        assert response.json["current"] == ["j1_privacy"]
        assert response.json["head"] == [head]
    finally:
        with app.app_context():
            db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})
            db.session.commit()
    assert client.get("/readyz").status_code == 200


# Logs --------------------------------------------------------------------------------------


def test_one_json_line_per_request_with_the_request_id_echoed(
    client: FlaskClient, auth, make_user, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure_logging("json")
    staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
    auth.login(staff)
    capsys.readouterr()

    response = client.get("/dashboard?secret=sesame", headers={"X-Request-ID": "req-42.a"})
    assert response.headers["X-Request-ID"] == "req-42.a"
    err = capsys.readouterr().err
    [line] = _log_lines(err, "portal.request")
    assert line["request_id"] == "req-42.a"
    assert line["method"] == "GET"
    assert line["path"] == "/dashboard"
    assert line["status"] == response.status_code
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == staff.id
    assert line["province"] == QUANG_NINH
    assert "sesame" not in err

    # An id that is not short and plain is replaced by a new one.
    response = client.get("/healthz", headers={"X-Request-ID": "x" * 65})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_reset_tokens_never_reach_the_log(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure_logging("json")
    capsys.readouterr()
    client.get("/auth/reset/ImFiYyI.secret-token-value?next=/x")
    client.get("/auth/reset/ImFiYyI.secret-token-value/extra")  # no such page: 404
    err = capsys.readouterr().err
    paths = [line["path"] for line in _log_lines(err, "portal.request")]
    assert paths == ["/auth/reset/[redacted]", "/auth/reset/[redacted]/extra"]
    assert "secret-token-value" not in err


@pytest.fixture
def throwaway_app(tmp_path: Path) -> Iterator[Flask]:
    """A second app on its own SQLite file, for routes the shared app cannot grow."""
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,  # as in production: the 500 page, and a log line
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "PORTAL_BASE_URL": "https://portal.example.vn",
            "LOG_FORMAT": "json",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_an_unhandled_error_is_one_json_line_with_its_traceback(
    throwaway_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    @throwaway_app.route("/auth/reset/<token>/boom")
    @public
    def boom(token: str) -> str:
        raise RuntimeError("something broke")

    capsys.readouterr()
    response = throwaway_app.test_client().get(
        "/auth/reset/secret-token-value/boom", headers={"X-Request-ID": "err-1"}
    )
    assert response.status_code == 500
    err = capsys.readouterr().err
    [error] = [line for line in _log_lines(err) if line["level"] == "ERROR"]
    assert error["request_id"] == "err-1"
    assert error["message"] == "Exception on /auth/reset/[redacted]/boom [GET]"
    assert "RuntimeError: something broke" in error["traceback"]
    assert "secret-token-value" not in err
    [request_line] = _log_lines(err, "portal.request")
    assert request_line["status"] == 500 and request_line["request_id"] == "err-1"


# The first administrator -------------------------------------------------------------------


def _admin(app: Flask, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_create_admin_asks_and_refuses_a_weak_password(app: Flask, runner, auth) -> None:
    answers = "\n".join(
        [
            "Admin@Example.vn ",
            "Quản trị quốc gia",
            "12345678",
            "12345678",  # weak: asked again
            ADMIN_PASSWORD,
            "another-one",  # the two do not match: asked again
            ADMIN_PASSWORD,
            ADMIN_PASSWORD,
        ]
    )
    result = runner.invoke(args=["create-admin"], input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "one of the most used passwords" in result.output
    assert "National administrator admin@example.vn created." in result.output
    admin = _admin(app, "admin@example.vn")
    assert admin.role == Role.ADMIN and admin.name == "Quản trị quốc gia"
    assert admin.province_code is None
    # Made by a command: agreed to nothing yet; the portal asks at the first sign-in.
    assert admin.privacy_version is None
    response = auth.login("admin@example.vn", ADMIN_PASSWORD)
    assert response.status_code == 302


def test_create_admin_from_the_environment_is_idempotent(app: Flask, runner) -> None:
    env = {
        "PORTAL_ADMIN_EMAIL": "root@example.vn",
        "PORTAL_ADMIN_NAME": "Quản trị viên",
        "PORTAL_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    result = runner.invoke(args=["create-admin"], env=env)
    assert result.exit_code == 0, result.output
    first = _admin(app, "root@example.vn")
    assert first.check_password(ADMIN_PASSWORD)

    # Again, with another password: says so, changes nothing.
    result = runner.invoke(args=["create-admin"], env=env | {"PORTAL_ADMIN_PASSWORD": "x"})
    assert result.exit_code == 0
    assert "already exists: nothing changed" in result.output
    again = _admin(app, "root@example.vn")
    assert again.password_hash == first.password_hash
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1

    # --reset-password sets the new one and ends the account's sessions.
    new = "maple-harbour-signal-58"
    result = runner.invoke(
        args=["create-admin", "--reset-password"], env=env | {"PORTAL_ADMIN_PASSWORD": new}
    )
    assert result.exit_code == 0, result.output
    reset = _admin(app, "root@example.vn")
    assert reset.check_password(new)
    assert reset.session_version == first.session_version + 1


def test_create_admin_from_the_environment_refuses_a_weak_password(app: Flask, runner) -> None:
    env = {
        "PORTAL_ADMIN_EMAIL": "root@example.vn",
        "PORTAL_ADMIN_NAME": "Quản trị viên",
        "PORTAL_ADMIN_PASSWORD": "password1",
    }
    result = runner.invoke(args=["create-admin"], env=env)
    assert result.exit_code == 1
    assert "PORTAL_ADMIN_PASSWORD is too weak" in result.output
    assert _admin(app, "root@example.vn") is None


def test_create_admin_leaves_another_account_with_that_email_alone(app: Flask, runner, make_user):
    owner = make_user(email="owner@example.vn")
    env = {"PORTAL_ADMIN_EMAIL": "owner@example.vn", "PORTAL_ADMIN_PASSWORD": ADMIN_PASSWORD}
    result = runner.invoke(args=["create-admin", "--reset-password"], env=env)
    assert result.exit_code == 1
    assert "existing account with the role owner" in result.output
    after = _admin(app, "owner@example.vn")
    assert after.role == Role.OWNER and after.check_password(PASSWORD)
    assert after.password_hash == owner.password_hash


# 503 while PostgreSQL is down --------------------------------------------------------------


@pytest.fixture
def postgres() -> Iterator[PostgresCluster]:
    with postgres_cluster() as cluster:
        yield cluster


def test_database_down_gives_503_in_both_languages_and_json_then_recovers(
    postgres: PostgresCluster, make_user
) -> None:
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": postgres.url,
            "PORTAL_BASE_URL": "https://portal.example.vn",
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )
    try:
        with app.app_context():
            upgrade()
            from portal.auth.operations import create_user

            create_user(
                name="Cán bộ",
                email="staff@example.vn",
                password=PASSWORD,
                role=Role.STAFF,
                province_code=QUANG_NINH,
                consented=True,
            )
            db.session.commit()
        signed_in = app.test_client()
        signed_in.post("/auth/login", data={"login": "staff@example.vn", "password": PASSWORD})
        assert signed_in.get("/dashboard").status_code == 200

        postgres.stop()
        for language, brand in (
            ("vi", "Cổng thông tin Kinh doanh số"),
            ("en", "Digital Business Portal"),
        ):
            headers = {"Accept-Language": language}
            sign_in = {"login": "staff@example.vn", "password": "x"}
            for response in (
                signed_in.get("/dashboard", headers=headers),  # the account's lookup fails
                app.test_client().post("/auth/login", headers=headers, data=sign_in),
            ):
                assert response.status_code == 503
                assert response.headers["Retry-After"] == "30"
                assert response.headers["Cache-Control"] == "no-store"
                page = response.get_data(as_text=True)
                assert f'<html lang="{language}">' in page
                assert brand in page
        response = app.test_client().get(
            "/api/v1/summary", headers={"Authorization": "Bearer dbp_x"}
        )
        assert response.status_code == 503
        assert response.json["error"] == "service_unavailable"
        assert response.headers["Retry-After"] == "30"
        assert app.test_client().get("/readyz").status_code == 503
        assert app.test_client().get("/healthz").status_code == 200

        # The same app, the database back: served again, the session still valid.
        postgres.start()
        assert signed_in.get("/dashboard").status_code == 200
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
