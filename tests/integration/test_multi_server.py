"""Several app servers: two gunicorn instances, one PostgreSQL database, one Redis.

The production shape the README's Deploy section describes (scripts/gunicorn.conf.py,
PORTAL_ENV=production, the same SECRET_KEY on every server, rate limits in Redis), run for
real: a person signs in on one server, continues the assessment on the other, and sign-in
attempts spread over both are counted once.
"""

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.test_rate_limits_shared import _free_port, _wait_for, redis_url  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "amber-lantern-quiet-58"
EMAIL = "chu.ho@example.vn"
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgres"), reason="several servers need PostgreSQL"
    ),
    # The servers run on the machine's clock, and so do Redis and the cookie jar here.
    pytest.mark.real_clock,
]

# An owner with a household business in Quảng Ninh, created through the app's operations.
MAKE_OWNER = """
import sys
from portal import create_app, geo
from portal.auth.models import Role
from portal.auth.operations import create_user
from portal.businesses.models import BusinessKind, BusinessSize, Sector
from portal.businesses.operations import create_business
from portal.extensions import db

app = create_app()
with app.app_context():
    owner = create_user(name="Đặng Thị Hoa", email=sys.argv[1], password=sys.argv[2],
                        role=Role.OWNER, consented=True)
    business = create_business(
        owner, name="Hộ Mật ong Đồng Văn", kind=BusinessKind.HOUSEHOLD, tax_code=None,
        sector=Sector.AGRICULTURE, size=BusinessSize.FAMILY, province_code=22,
        commune_code=int(geo.communes(22)[0].code), address="Thôn 1")
    db.session.commit()
    print(business.id)
"""


def _psycopg_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)


def fresh_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database in DATABASE_URL's cluster; return its URL and a dropper."""
    server = sa.engine.make_url(_psycopg_url(DATABASE_URL))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = server.set(database=name).render_as_string(hide_password=False)
    return url.replace("postgresql+psycopg://", "postgresql://"), drop


@pytest.fixture
def servers(redis_url: str) -> Iterator[tuple[list[str], int]]:  # noqa: F811
    """Two gunicorn servers (1 worker × 2 threads each) on one fresh database and one Redis."""
    database_url, drop = fresh_database("portal_multi")
    instance = tempfile.mkdtemp(prefix="portal-multi-")
    ports = [_free_port(), _free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "GUNICORN_"))}
    env |= {
        "FLASK_APP": "portal",
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "PORTAL_BASE_URL": "https://portal.example.vn",
        "PORTAL_PROXIES": "1",
        "PORTAL_INSTANCE_PATH": instance,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_RATE_LIMIT": "4 per minute",
        "ACCOUNT_RATE_LIMIT": "20 per minute",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "LOG_FORMAT": "json",
    }
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True,
            timeout=60,
        )
        made = subprocess.run(
            [sys.executable, "-c", MAKE_OWNER, EMAIL, PASSWORD],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=60,
        )
        business_id = int(made.stdout.split()[-1])
        for port in ports:
            process = subprocess.Popen(
                [BIN / "gunicorn", "-c", "scripts/gunicorn.conf.py", "portal:create_app()"],
                cwd=ROOT,
                env=env | {"GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            processes.append(process)
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        yield [f"http://127.0.0.1:{port}" for port in ports], business_id
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(15)
            process.stderr.close()
        drop()
        shutil.rmtree(instance, ignore_errors=True)


class Browser:
    """One person's cookies, sent to whichever server answers (as behind one load balancer).

    The servers think they are behind nginx over HTTPS (X-Forwarded-Proto), so their cookies
    are Secure; this jar sends them over the loopback's plain HTTP all the same.
    """

    def __init__(self, address: str) -> None:
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
        self.jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.address = address

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        origin = re.match(r"http://[^/]+", url)[0].replace("http://", "https://")
        headers = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Referer": origin + "/",
            "Accept-Language": "en",
        } | (headers or {})
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()
        with response:
            return response.status, response.geturl(), response.read().decode()

    def get(self, url: str):
        return self.request(url)

    def post(self, url: str, fields: dict):
        return self.request(url, urllib.parse.urlencode(fields).encode())

    def csrf_token(self, url: str) -> str:
        status, _, page = self.get(url)
        assert status == 200, (url, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def test_two_servers_share_sessions_data_and_rate_limits(servers) -> None:
    (a, b), business_id = servers
    for server in (a, b):
        with urllib.request.urlopen(server + "/readyz", timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read())["migrations"] == "head"

    # Signed in on A.
    person = Browser("203.0.113.10")
    token = person.csrf_token(a + "/auth/login")
    status, _, _ = person.post(a + "/auth/login",
                               {"login": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert status == 200
    # B knows her from the same cookie: her business is on B's dashboard.
    status, _, page = person.get(b + "/dashboard")
    assert status == 200 and "Hộ Mật ong Đồng Văn" in page

    # The assessment starts on A ...
    token = person.csrf_token(f"{a}/businesses/{business_id}/assessments/start")
    status, url, _ = person.post(f"{a}/businesses/{business_id}/assessments/start",
                                 {"csrf_token": token})
    assert status == 200
    assessment_id, step = re.search(r"/assessments/(\d+)/step/(\d+)$", url).groups()

    # ... an answer is saved as she gives it on B (the page's script: JSON and its token) ...
    step_url = f"/assessments/{assessment_id}/step/{step}"
    status, _, page = person.get(b + step_url)
    assert status == 200
    name = re.search(r'<input type="radio" name="([^"]+)" value="weak"', page)[1]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    status, _, body = person.request(
        f"{b}/assessments/{assessment_id}/autosave",
        json.dumps({"question": "internet", "value": "weak"}).encode(),
        {"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert (status, json.loads(body)) == (200, {"saved": True})

    # ... and A shows it, chosen.
    status, _, page = person.get(a + step_url)
    assert status == 200
    assert re.search(rf'name="{name}" value="weak"\s+checked', page)
    assert not re.search(rf'name="{name}" value="(?!weak)[^"]+"\s+checked', page)

    # Sign-in attempts from one address, spread over both servers, are counted once (4 a
    # minute): the fifth is refused by either server.
    guesser = Browser("198.51.100.7")
    token = guesser.csrf_token(a + "/auth/login")

    def attempt(server: str) -> int:
        fields = {"login": EMAIL, "password": "not-her-password", "csrf_token": token}
        return guesser.post(server + "/auth/login", fields)[0]

    assert [attempt(server) for server in (a, b, a, b)] == [200, 200, 200, 200]
    assert attempt(a) == 429
    assert attempt(b) == 429
    # Someone else is not refused, and she is still signed in on both.
    assert Browser("192.0.2.44").get(b + "/auth/login")[0] == 200
    assert person.get(a + "/dashboard")[0] == 200
    assert person.get(b + "/dashboard")[0] == 200
