"""Rate limits that hold behind a proxy and across app processes (Redis storage).

Two real app processes share one real Redis (Debian's redis-server, started here on a free
loopback port); sign-in attempts spread over both are counted once.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.servers import free_port, redis_server, wait_for_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SERVE = """
import sys
from flask_migrate import upgrade
from werkzeug.serving import make_server
from portal import create_app
from portal.extensions import db

app = create_app({"WTF_CSRF_ENABLED": False})
if sys.argv[2] == "migrate":
    with app.app_context():
        upgrade()
make_server("127.0.0.1", int(sys.argv[1]), app).serve_forever()
"""


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def two_app_processes(redis_url) -> Iterator[list[str]]:
    """Two app processes behind one trusted proxy, one SQLite database, one Redis."""
    tmp = tempfile.mkdtemp(prefix="portal-limits-")
    env = os.environ | {
        "PORTAL_ENV": "development",
        "DATABASE_URL": "sqlite:///" + os.path.join(tmp, "portal.sqlite3"),
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_RATE_LIMIT": "4 per minute",
        "ACCOUNT_RATE_LIMIT": "6 per minute",
        "PORTAL_PROXIES": "1",
        "PORTAL_INSTANCE_PATH": tmp,
    }
    env.pop("PORTAL_TEST_CLOCK", None)
    processes, urls = [], []
    try:
        for n in range(2):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-c", SERVE, str(port), "migrate" if n == 0 else "serve"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            processes.append(process)
            wait_for_port(port, process)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
            process.stderr.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _sign_in(url: str, login: str, client_address: str) -> int:
    data = urllib.parse.urlencode({"login": login, "password": "not-the-password"}).encode()
    request = urllib.request.Request(
        url + "/auth/login", data=data, headers={"X-Forwarded-For": client_address}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.real_clock  # Redis counts with its own clock
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the processes use their own SQLite file; the SQLite run covers this",
)
def test_sign_in_limits_hold_across_processes_per_address_and_per_account(two_app_processes):
    first, second = two_app_processes
    # One client address, four tries spread over both processes: the fifth is refused by either.
    statuses = [_sign_in(url, f"a{n}@example.vn", "203.0.113.7") for n, url in
                enumerate([first, second, first, second])]
    assert statuses == [200, 200, 200, 200]
    assert _sign_in(first, "a9@example.vn", "203.0.113.7") == 429
    assert _sign_in(second, "a9@example.vn", "203.0.113.7") == 429
    # Other people behind the same proxy are not locked out by that client.
    assert _sign_in(second, "b@example.vn", "198.51.100.20") == 200
    # Many addresses guessing one account: the account's own counter stops them.
    victims = [_sign_in((first, second)[n % 2], "victim@example.vn", f"192.0.2.{n}")
               for n in range(1, 8)]
    assert victims[:6] == [200] * 6 and victims[6] == 429
