"""Shared fixtures: one app per test session, a clean database for every test.

The database is SQLite unless DATABASE_URL names a PostgreSQL database (scripts/test does).
The schema is built by the migrations, so every run also proves they work on that database.
"""

import functools
import glob
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from portal import create_app, geo
from portal.auth.models import Role, User
from portal.auth.operations import create_user
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.businesses.operations import create_business
from portal.config import ROOT
from portal.extensions import db, limiter

PASSWORD = "correct-horse-42"
QUANG_NINH = 22
HA_NOI = 1

#: Fixtures kept in their own modules, offered to every test: localstripe's (card payments) and
#: the field helpers' (tests/field_support.py).
pytest_plugins = ["tests.stripe_support", "tests.field_support"]


def all_at_once(calls: list[Callable[[], Any]]) -> list:
    """Run every call in its own thread, all released at the same moment; return results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def shifted_instant(spec: str, now: datetime | None = None) -> datetime:
    """Return the UTC instant a PORTAL_TEST_CLOCK setting names.

    "23:30" is that UTC time on today's UTC date; "12-31T23:30" the next such day and time
    (never in the past, so a browser's own clock still accepts the portal's cookies);
    anything else is read as an ISO instant (UTC unless it says otherwise).
    """
    now = now or datetime.now(UTC)
    if m := re.fullmatch(r"(\d{1,2}):(\d{2})", spec):
        return now.replace(hour=int(m[1]), minute=int(m[2]), second=0, microsecond=0)
    if m := re.fullmatch(r"(\d{2})-(\d{2})T(\d{1,2}):(\d{2})", spec):
        month, day, hour, minute = (int(g) for g in m.groups())
        for year in (now.year, now.year + 1):
            at = datetime(year, month, day, hour, minute, tzinfo=UTC)
            if at >= now - timedelta(days=1):
                return at
    at = datetime.fromisoformat(spec)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


#: Where the machine clock stands for this run (scripts/test moves it; see README "Clock").
TEST_CLOCK = os.environ.get("PORTAL_TEST_CLOCK", "").strip()


@pytest.fixture(autouse=True)
def _moved_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Start every test at PORTAL_TEST_CLOCK, the clock running from there.

    Tests marked real_clock talk to a process whose clock we do not move (localstripe signs
    the webhooks it sends with its own time), so they keep the machine's.
    """
    if not TEST_CLOCK or request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(shifted_instant(TEST_CLOCK), tick=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs() -> None:
    """Compile the translation catalogs the portal reads (as `flask translate compile` does)
    when a .mo file is missing or older than its .po, so plain `pytest` on a fresh clone works.

    Each .mo is written beside the .po through a temporary file and renamed into place, so a
    test run started at the same moment never reads half a catalog.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    pattern = os.path.join(ROOT, "translations", "*", "LC_MESSAGES", "messages.po")
    for po_path in glob.glob(pattern):
        mo_path = po_path[: -len(".po")] + ".mo"
        if os.path.exists(mo_path) and os.path.getmtime(mo_path) >= os.path.getmtime(po_path):
            continue
        locale = po_path.split(os.sep)[-3]
        with open(po_path, "rb") as po:
            catalog = read_po(po, locale)
        fd, tmp_path = tempfile.mkstemp(dir=os.path.dirname(mo_path), suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as mo:
            write_mo(mo, catalog, use_fuzzy=False)
        os.chmod(tmp_path, os.stat(po_path).st_mode & 0o777)
        os.replace(tmp_path, mo_path)


def _database_url(tmp_dir: str) -> str:
    return os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(tmp_dir, "test.sqlite3")


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (scripts/test runs ``-n``), give each worker a PostgreSQL database of
    its own in DATABASE_URL's cluster, named after the worker, and point DATABASE_URL at it
    for everything the worker starts (SQLite needs nothing: each worker has its own file)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("DATABASE_URL", "")
    if not worker or not url.startswith("postgres"):
        return
    server = sa.engine.make_url(
        re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)
    )
    name = f"{server.database}_{worker}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    worker_url = server.set(database=name).render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = worker_url.replace("postgresql+psycopg://", "postgresql://")


#: The modules of the longest tests, longest first (half a minute to a minute and a half each,
#: against a second for most): collected first, so that pytest-xdist starts them first and the
#: short ones fill in around them, rather than one worker running a long one alone at the end.
LONG_FIRST = (
    "test_backup_restore.py",
    "test_speed_benchmark.py",
    "test_hostile_input.py",
    "test_accessibility.py",
    "test_faults.py",
    "test_multi_server.py",
    "test_field_scoring_parity.py",
    "test_upgrade.py",
    "test_field_app.py",
    "test_field_worker_version.py",
    "test_rate_limits_shared.py",
    "test_assess_summaries.py",
    "test_pdf_print.py",
    "test_audit.py",
    "test_field_background_sync.py",
    "test_assessments_scoring.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FIRST)))


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    # In memory where the machine has it (no disk flush on each of the suite's commits).
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    tmp_dir = tempfile.mkdtemp(prefix="portal-test-", dir=shm)
    os.environ.pop("PORTAL_INSTANCE_PATH", None)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_dir),
            "WTF_CSRF_ENABLED": False,
            "MAIL_BACKEND": "locmem",
            "SERVER_NAME": None,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "ACCOUNT_RATE_LIMIT": "1000 per minute",
            # scrypt at a 32nd of its cost: thousands of accounts are created and signed in.
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            # Production settings, served over plain HTTP on loopback.
            "PORTAL_BASE_URL": "https://portal.example.vn",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        _drop_everything()
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(tmp_dir, ignore_errors=True)


def _drop_everything() -> None:
    """Start from an empty database, migrations table included."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        meta = sa.MetaData()
        meta.reflect(db.engine)
        meta.drop_all(db.engine)


@functools.cache
def _written_tables_query(dialect: str) -> sa.TextClause:
    """One statement naming the tables that hold rows (compiled once: ~60 branches)."""
    tables = db.metadata.sorted_tables
    used = sa.union_all(
        *(
            sa.select(sa.literal(t.name, sa.String)).where(sa.exists().select_from(t))
            for t in tables
        )
    )
    sql = used.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    return sa.text(str(sql))


@functools.cache
def _may_skip_triggers(url: str) -> bool:
    """Whether the suite's PostgreSQL role may turn triggers off (a superuser, as the
    throwaway cluster's is); asked once per database URL."""
    with db.engine.connect() as conn:
        return bool(
            conn.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        )


def _empty_tables() -> None:
    """Empty the tables a test wrote to (finding them is one statement) and restart their ids.

    PostgreSQL: DELETE with the triggers off (foreign keys and the audit log's append-only
    guard are triggers), then each table's id sequence restarted: a test writes a few rows to
    a few tables, and TRUNCATE, which makes new files for each table and those referring to
    it, took 85 ms a test of that against 15.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    postgresql = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        written = set(conn.scalars(_written_tables_query(db.engine.dialect.name)))
        if not written:
            return
        if postgresql and not _may_skip_triggers(str(db.engine.url)):
            names = ", ".join(f'"{t.name}"' for t in tables if t.name in written)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        if postgresql:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            if table.name in written:
                conn.execute(table.delete())
        if postgresql:
            restarts = [
                f"setval(pg_get_serial_sequence('{t.name}', 'id'), 1, false)"
                for t in tables
                if t.name in written and "id" in t.c and t.c.id.primary_key
            ]
            if restarts:
                conn.execute(sa.text("SELECT " + ", ".join(restarts)))


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give each test empty tables, an empty outbox and fresh rate limits."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()
        app.extensions["mailman"].outbox = []
    yield
    with app.app_context():
        db.session.remove()
        _empty_tables()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Run `flask` commands against the test app: ``runner.invoke(args=["seed-demo"])``."""
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_seq = count(1)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create an account and return it (detached, with its id loaded)."""

    def make(role: Role = Role.OWNER, province_code: int | None = None, **overrides: Any) -> User:
        n = next(_seq)
        if role in (Role.TRAINER, Role.STAFF) and province_code is None:
            province_code = QUANG_NINH
        fields = {
            "name": f"Người dùng {n}",
            "email": f"user{n}@example.vn",
            "password": PASSWORD,
            "role": role,
            "province_code": province_code,
            # Has agreed to the privacy notice in force (else every page asks first).
            "consented": True,
        } | overrides
        with app.app_context():
            user = create_user(**fields)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def make_business(app: Flask, make_user: Callable[..., User]) -> Callable[..., Business]:
    """Create a business (and an owner unless given) and return it."""

    def make(
        owner: User | None = None, province_code: int = QUANG_NINH, **overrides: Any
    ) -> Business:
        owner = owner or make_user()
        commune = overrides.pop("commune_code", None) or int(geo.communes(province_code)[0].code)
        fields = {
            "name": f"Cơ sở {next(_seq)}",
            "kind": BusinessKind.HOUSEHOLD_BUSINESS,
            "tax_code": None,
            "sector": Sector.AGRICULTURE,
            "size": BusinessSize.MICRO,
            "province_code": province_code,
            "commune_code": commune,
            "address": "Thôn 1",
        } | overrides
        with app.app_context():
            business = create_business(db.session.get(User, owner.id), **fields)
            db.session.commit()
            db.session.refresh(business)
            db.session.expunge(business)
        return business

    return make


@pytest.fixture
def trainer(make_user: Callable[..., User]) -> User:
    """A trainer of Quảng Ninh (a module may define its own)."""
    return make_user(role=Role.TRAINER, province_code=QUANG_NINH)


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    """A staff member of Quảng Ninh (a module may define its own)."""
    return make_user(role=Role.STAFF, province_code=QUANG_NINH)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, user_or_login: User | str, password: str = PASSWORD):
        login = user_or_login if isinstance(user_or_login, str) else user_or_login.login
        return self._client.post("/auth/login", data={"login": login, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    """Say what the run covered: the database, and how many browser tests really ran."""
    url = os.environ.get("DATABASE_URL", "")
    database = "postgresql" if url.startswith("postgres") else "sqlite"
    counts = {}
    for outcome in ("passed", "failed", "skipped"):
        counts[outcome] = sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if "tests/browser/" in report.nodeid
            and (report.when == "call" or (outcome != "passed" and report.when == "setup"))
        )
    clock = TEST_CLOCK or "machine time"
    terminalreporter.write_line(f"clock: {clock}; TZ={os.environ.get('TZ', '(unset)')}")
    terminalreporter.write_line(
        f"database: {database}; browser tests (Chromium): {counts['passed']} passed, "
        f"{counts['failed']} failed, {counts['skipped']} skipped"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip tests marked postgres_only on SQLite: its one writer at a time races nothing; and
    those marked engine_independent on PostgreSQL: the SQLite pass ran the very same thing."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if item.get_closest_marker("postgres_only") and not on_postgres:
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so nothing races")
    if item.get_closest_marker("engine_independent") and on_postgres:
        pytest.skip("does not depend on the database engine: run in the SQLite pass")
