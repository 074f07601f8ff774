"""Faults a production server meets: slow clients, and PostgreSQL going away under load.

The portal runs for real under gunicorn with scripts/gunicorn.conf.py and PORTAL_ENV=production,
as the README's Deploy section runs it, but without nginx in front: these are the cases nginx
would otherwise absorb.
"""

import json
import os
import select
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.servers import (
    Browser,
    fresh_database,
    gunicorn,
    postgres_cluster,
    production_env,
    seed,
)

PASSWORD = "amber-lantern-quiet-58"
EMAIL = "chu.ho@example.vn"
BUSINESS = "Hộ Mật ong Đồng Văn"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

pytestmark = [
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgres"), reason="production servers need PostgreSQL"
    ),
    # The servers run on the machine's clock.
    pytest.mark.real_clock,
]


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, str]]:
    """A migrated database holding one owner; the environment of a server on it."""
    database_url, drop = fresh_database("portal_faults")
    instance = tempfile.mkdtemp(prefix="portal-faults-")
    env = production_env(database_url, instance, GUNICORN_WORKERS="1", GUNICORN_THREADS="4")
    try:
        seed(env, EMAIL, PASSWORD, BUSINESS)
        yield env
    finally:
        drop()
        shutil.rmtree(instance, ignore_errors=True)


# Slow clients ------------------------------------------------------------------------------


def _head(path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: portal.example.vn\r\nX-Forwarded-Proto: https\r\n"
        "X-Forwarded-For: 203.0.113.9\r\nAccept-Language: en\r\n"
    ).encode()


def _connect(server: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", int(server.rsplit(":", 1)[1])), timeout=10)


class Trickler(threading.Thread):
    """A client that sends its request head a byte at a time and never finishes it."""

    def __init__(self, server: str) -> None:
        super().__init__(daemon=True)
        self.sock = _connect(server)
        self.sock.settimeout(30)
        self.stop = threading.Event()
        #: Set when the server has ended the connection.
        self.cut_off = threading.Event()
        #: What the server sent before ending it, if anything.
        self.answer = b""

    def run(self) -> None:
        head = _head("/") + b"X-Padding: " + b"a" * 4000
        for byte in head:
            if self.stop.wait(0.2):
                return
            try:
                self.sock.send(bytes([byte]))
            except OSError:
                break
            # Anything to read means the server answered (408) and is closing.
            readable, _, _ = select.select([self.sock], [], [], 0)
            if readable:
                break
        try:
            self.answer = self.sock.recv(200)
        except OSError:
            self.answer = b""
        self.cut_off.set()

    def close(self) -> None:
        self.stop.set()
        self.join(5)
        self.sock.close()


def test_slow_clients_leave_the_server_answering(database: dict[str, str]) -> None:
    # The repository's settings, one worker of 4 threads: sync workers stopped answering at
    # four slow clients.
    with gunicorn(database) as server:
        workers = server.worker_pids()
        tricklers = [Trickler(server.url) for _ in range(3)]
        for trickler in tricklers:
            trickler.start()
        # Connected and silent: they wait in the worker's poller, not in a thread.
        idle = [_connect(server.url) for _ in range(4)]
        # Asked for a page and never read the answer, nor closed: kept alive in the poller.
        unread = [_connect(server.url) for _ in range(4)]
        for sock in unread:
            sock.sendall(_head("/") + b"\r\n")
        try:
            time.sleep(1)  # every slow client is in by now
            person = Browser("198.51.100.23")
            for path in ("/healthz", "/", "/auth/login"):
                assert person.get(server.url + path)[0] == 200
            person.sign_in(server.url, EMAIL, PASSWORD)
            status, url, page = person.get(server.url + "/dashboard")
            assert status == 200 and url.endswith("/dashboard") and BUSINESS in page
            # All of that while the slow ones were still sending their heads.
            assert not any(trickler.cut_off.is_set() for trickler in tricklers)
        finally:
            for trickler in tricklers:
                trickler.close()
            for sock in idle + unread:
                sock.close()
        assert server.worker_pids() == workers


def test_a_request_head_slower_than_the_header_timeout_is_cut_off(database) -> None:
    # Twice as many never-ending heads as the worker has threads.
    with gunicorn(database | {"GUNICORN_HEADER_TIMEOUT": "2"}) as server:
        workers = server.worker_pids()
        tricklers = [Trickler(server.url) for _ in range(8)]
        for trickler in tricklers:
            trickler.start()
        try:
            time.sleep(1)
            # Answered once the deadline has freed threads (generous client timeout).
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
                sock.sendall(_head("/healthz") + b"Connection: close\r\n\r\n")
                answer = b""
                while chunk := sock.recv(4096):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 ")
            for trickler in tricklers:
                assert trickler.cut_off.wait(30)
                # Answered 408 (unless its last byte crossed the close and reset it).
                assert trickler.answer in (b"", REQUEST_TIMEOUT)
        finally:
            for trickler in tricklers:
                trickler.close()
        assert server.log().count("request head not received within 2s") == len(tricklers)
        assert server.worker_pids() == workers


# PostgreSQL stopped under load ----------------------------------------------------------------

#: What the load asks for: a public page, the readiness check, a signed-in page, the API.
PATHS = ("/", "/readyz", "/dashboard", "/api/v1/summary")


@dataclass
class Outcome:
    phase: str
    path: str
    status: int | None = None
    content_type: str = ""
    retry_after: str | None = None
    url: str = ""
    body: str = ""
    error: str | None = None


class Load:
    """A few clients asking for PATHS in a loop, each answer noted with the phase it began in."""

    def __init__(self, server: str, person: Browser, token: str) -> None:
        self.server, self.person, self.token = server, person, token
        self.phase = "up"
        self.outcomes: list[Outcome] = []
        self.running = threading.Event()
        self.running.set()
        self.clients = [threading.Thread(target=self._client, daemon=True) for _ in range(3)]

    def _client(self) -> None:
        anonymous = Browser("192.0.2.61")
        while self.running.is_set():
            for path in PATHS:
                outcome = Outcome(self.phase, path)
                browser = self.person if path == "/dashboard" else anonymous
                headers = {"Authorization": f"Bearer {self.token}"} if "/api/" in path else {}
                try:
                    status, url, answer_headers, body = browser.fetch(
                        self.server + path, headers=headers
                    )
                except OSError as error:  # reset, refused, timed out: never acceptable
                    outcome.error = repr(error)
                else:
                    outcome.status, outcome.url, outcome.body = status, url, body
                    outcome.content_type = answer_headers.get("Content-Type", "")
                    outcome.retry_after = answer_headers.get("Retry-After")
                self.outcomes.append(outcome)
                time.sleep(0.02)

    def __enter__(self) -> "Load":
        for client in self.clients:
            client.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running.clear()
        for client in self.clients:
            client.join(30)

    def wait_for(self, condition, what: str) -> None:
        for _ in range(600):
            if condition(list(self.outcomes)):
                return
            time.sleep(0.1)
        raise AssertionError(f"never {what}: {self.summary()}")

    def summary(self) -> dict:
        counts: dict = {}
        for o in self.outcomes:
            key = (o.phase, o.path, o.status, o.error)
            counts[key] = counts.get(key, 0) + 1
        return counts


def _is_clean(outcome: Outcome) -> bool:
    """A normal answer, or a 503 the portal made itself (not gunicorn's, not a 500)."""
    if outcome.error is not None:
        return False
    wants_json = outcome.path.startswith(("/api/", "/readyz"))
    if outcome.status == 200:
        if outcome.path == "/dashboard":
            return outcome.url.endswith("/dashboard") and BUSINESS in outcome.body
        if wants_json:
            return outcome.content_type.startswith("application/json")
        return outcome.content_type.startswith("text/html")
    if outcome.status != 503:
        return False
    if outcome.path == "/readyz":
        return json.loads(outcome.body)["database"] == "unreachable"
    if outcome.retry_after != "30":
        return False
    if wants_json:
        return json.loads(outcome.body)["error"] == "service_unavailable"
    return outcome.content_type.startswith("text/html") and "Temporarily unavailable" in (
        outcome.body
    )


def test_postgresql_stopped_under_load_gives_clean_503s_then_recovers() -> None:
    with postgres_cluster() as cluster:
        database_url = f"postgresql://portal@127.0.0.1:{cluster.port}/postgres?connect_timeout=5"
        instance = tempfile.mkdtemp(prefix="portal-faults-")
        env = production_env(
            database_url,
            instance,
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS="4",
            API_RATE_LIMIT="100000 per minute",
        )
        try:
            _, token = seed(env, EMAIL, PASSWORD, BUSINESS, api_token=True)
            with gunicorn(env) as server:
                workers = server.worker_pids()
                person = Browser("203.0.113.10")
                person.sign_in(server.url, EMAIL, PASSWORD)
                with Load(server.url, person, token) as load:
                    load.wait_for(lambda seen: len(seen) >= 3 * len(PATHS), "answered")

                    load.phase = "down"
                    cluster.stop()
                    # Every page that needs the database has said so at least once.
                    load.wait_for(
                        lambda seen: (
                            {o.path for o in seen if o.phase == "down" and o.status == 503}
                            >= set(PATHS[1:])
                        ),
                        "answered 503 on every page that reads the database",
                    )

                    load.phase = "back"
                    cluster.start()
                    load.wait_for(
                        lambda seen: (
                            {o.path for o in seen if o.phase == "back" and o.status == 200}
                            == set(PATHS)
                        ),
                        "recovered",
                    )
                unclean = [o for o in load.outcomes if not _is_clean(o)]
                assert not unclean, unclean[:5]
                # The same processes serve again: nothing was restarted, and she is still
                # signed in.
                for path in PATHS:
                    headers = {"Authorization": f"Bearer {token}"} if "/api/" in path else {}
                    status, url, _, body = person.fetch(server.url + path, headers=headers)
                    assert status == 200, (path, status)
                assert server.process.poll() is None
                assert server.worker_pids() == workers
        finally:
            shutil.rmtree(instance, ignore_errors=True)
