"""Several app servers: two gunicorn instances, one PostgreSQL database, one Redis.

The production shape the README's Deploy section describes (scripts/gunicorn.conf.py,
PORTAL_ENV=production, the same SECRET_KEY on every server, rate limits in Redis), run for
real: a person signs in on one server, continues the assessment on the other, and sign-in
attempts spread over both are counted once.
"""

import json
import os
import re
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator

import pytest

from tests.servers import (
    Browser,
    fresh_database,
    gunicorn,
    production_env,
    redis_server,
    seed,
)

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


@pytest.fixture
def servers() -> Iterator[tuple[list[str], int]]:
    """Two gunicorn servers (1 worker × 2 threads each) on one fresh database and one Redis."""
    with redis_server() as redis_url:
        database_url, drop = fresh_database("portal_multi")
        instance = tempfile.mkdtemp(prefix="portal-multi-")
        env = production_env(
            database_url,
            instance,
            RATELIMIT_STORAGE_URI=redis_url,
            LOGIN_RATE_LIMIT="4 per minute",
            ACCOUNT_RATE_LIMIT="20 per minute",
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS="2",
        )
        try:
            business_id, _ = seed(env, EMAIL, PASSWORD, "Hộ Mật ong Đồng Văn")
            with gunicorn(env) as a, gunicorn(env) as b:
                yield [a.url, b.url], business_id
        finally:
            drop()
            shutil.rmtree(instance, ignore_errors=True)


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
