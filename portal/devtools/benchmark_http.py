"""Throughput over real HTTP: the portal under gunicorn beside a Flask hello-world.

Both are served by gunicorn with ``scripts/gunicorn.conf.py`` (the same worker class, workers
and threads; worker recycling, ``max_requests``, is off so that a run measures requests, not
worker start-ups). A load generator keeps ``connections`` keep-alive connections busy for
``seconds``: wrk when installed (``scripts/benchmark`` installs it on Debian), else a
multi-threaded Python client (which needs more CPU per request than wrk, so its ratios are
lower). Rounds interleave (hello, question page, hello, autosave, ...): each portal figure is
divided by the hello-world figure measured just before it, so a machine busy with something
else weighs on both.

Measured, signed in as owners of businesses with an assessment in progress (one owner per
connection, up to 16, so that autosaves wait on one another's row locks no more than one
person's would):

- ``question``: GET the first page of questions;
- ``autosave``: POST one answer as the page's script does (JSON, the CSRF token in
  ``X-CSRFToken``), alternating two values so that every request writes.

The portal runs with production settings (``PORTAL_ENV=production``, CSRF on, JSON request
log), except the rate limits of sign-in and autosave, which the load would trip.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from flask import Flask

from assessments.model import Question
from assessments.question_types import Number
from portal.config import ROOT
from portal.devtools import floor
from portal.extensions import db

GUNICORN_CONF = os.path.join(ROOT, "scripts", "gunicorn.conf.py")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
MAX_OWNERS = 16
PASSWORD = "benchmark-password"


@dataclass
class Target:
    """One kind of request, spread over several signed-in owners."""

    name: str
    method: str
    #: (path, headers, body) per request, used in turn.
    requests: list[tuple[str, dict[str, str], str]]


@dataclass
class Run:
    rps: float
    requests: int
    bad: int
    cpu_us: float  #: CPU of the gunicorn workers per request, microseconds
    latency_ms: float = 0.0  #: mean


@dataclass
class HttpResult:
    database: str
    generator: str
    connections: int
    seconds: float
    #: name -> [(portal run, hello run just before)]
    pairs: dict[str, list[tuple[Run, Run]]] = field(default_factory=dict)
    #: (floor kind, name) -> [(floor run, the same hello run)]
    floors: dict[tuple[str, str], list[tuple[Run, Run]]] = field(default_factory=dict)

    def failed(self, name: str) -> int:
        return sum(p.bad for p, _h in self.pairs[name])

    def ratio(self, name: str, floor: str | None = None) -> float:
        pairs = self.pairs[name] if floor is None else self.floors[(floor, name)]
        return statistics.median(p.rps / h.rps for p, h in pairs if h.rps)

    def median(self, name: str, attr: str, hello: bool = False) -> float:
        return statistics.median(
            getattr(pair[1 if hello else 0], attr) for pair in self.pairs[name]
        )


# ----------------------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn master with its workers, listening on a free loopback port (started in the
    background: ``wait_ready`` before the first request)."""

    def __init__(self, app_spec: str, env: dict[str, str], log_path: str) -> None:
        self.port = _free_port()
        self.log = open(log_path, "ab")  # noqa: SIM115  (closed in stop)
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        self.process = subprocess.Popen(
            [
                gunicorn,
                "-c",
                GUNICORN_CONF,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--max-requests",
                "0",
                app_spec,
            ],
            cwd=ROOT,
            env=os.environ | env,
            stdout=self.log,
            stderr=self.log,
        )
        self.app_spec, self.log_path = app_spec, log_path

    def wait_ready(self) -> "Server":
        """Return once gunicorn listens and has a worker (it starts in the background)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app_spec} stopped: see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.2)
                continue
            if len(self.workers()) >= 1:
                break
        else:
            raise RuntimeError(f"gunicorn {self.app_spec} did not start: see {self.log_path}")
        return self

    def workers(self) -> list[int]:
        """Return the process ids of the master's children."""
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(name))
        return found

    def cpu_seconds(self) -> float:
        """Return the user and system CPU time the workers have used so far."""
        total = 0
        for pid in self.workers():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICK

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# ------------------------------------------------------------------------ HTTP client


def _call(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str = ""
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers or {})
        response = conn.getresponse()
        cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
        return response.status, {"set-cookie": "\n".join(cookies)}, response.read().decode()
    finally:
        conn.close()


def _session_cookie(headers: dict[str, str], current: str) -> str:
    for line in headers["set-cookie"].splitlines():
        match = re.match(r"(session=[^;]*)", line)
        if match:
            return match[1]
    return current


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match[1]


def sign_in(port: int, login: str, password: str) -> str:
    """Sign in through the form as a browser does; return the session cookie."""
    status, headers, page = _call(port, "GET", "/auth/login")
    cookie = _session_cookie(headers, "")
    body = f"csrf_token={_csrf(page)}&login={login}&password={password}"
    status, headers, _page = _call(
        port,
        "POST",
        "/auth/login",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body.replace("@", "%40"),
    )
    if status != 302:
        raise RuntimeError(f"sign-in of {login} answered {status}")
    return _session_cookie(headers, cookie)


# --------------------------------------------------------------------- load generators


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


LUA = """
local reqs = %s
local threads = {}
local i = 0
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; i = math.random(#reqs) end
function request()
  i = i %% #reqs + 1
  local r = reqs[i]
  return wrk.format(r[1], r[2], r[3], r[4])
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD %%d\\nMEAN_US %%f\\n", total, latency.mean))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for ASCII text


def _lua_requests(target: Target) -> str:
    items = []
    for path, headers, body in target.requests:
        pairs = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
        items.append(
            f"{{{_lua_string(target.method)}, {_lua_string(path)}, {{{pairs}}}, "
            f"{_lua_string(body) if body else 'nil'}}}"
        )
    return "{" + ",\n".join(items) + "}"


def load_wrk(port: int, target: Target, connections: int, seconds: float, tmp: str) -> Run:
    script = os.path.join(tmp, f"{target.name}.lua")
    with open(script, "w") as f:
        f.write(LUA % _lua_requests(target))
    threads = 1 if connections < 8 else 2
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{max(connections, threads)}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            script,
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = int(_found(r"(\d+) requests in", out))
    rps = float(_found(r"Requests/sec:\s*([\d.]+)", out))
    bad = int(_found(r"BAD (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)", out)
    if errors:  # a read error is a connection gunicorn closed after its answer: not a failure
        bad += sum(int(n) for n in errors.groups())
    mean = float(_found(r"MEAN_US ([\d.]+)", out)) / 1000
    return Run(rps=rps, requests=done, bad=bad, cpu_us=0.0, latency_ms=mean)


def _found(pattern: str, text: str) -> str:
    """Return the first group of ``pattern`` in ``text``; fail if wrk's output lacks it."""
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"no {pattern!r} in the output:\n{text}")
    return match[1]


def load_python(port: int, target: Target, connections: int, seconds: float, _tmp: str) -> Run:
    """Keep ``connections`` keep-alive connections busy from threads of this process."""
    counts = [0] * connections
    bad = [0] * connections
    latency = [0.0] * connections
    deadline = time.monotonic() + seconds

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = k
        while time.monotonic() < deadline:
            path, headers, body = target.requests[n % len(target.requests)]
            n += 1
            start = time.perf_counter()
            try:
                conn.request(target.method, path, body=body.encode() or None, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad[k] += 1
            except (OSError, http.client.HTTPException):
                bad[k] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            latency[k] += time.perf_counter() - start
            counts[k] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    done = sum(counts)
    return Run(
        rps=done / elapsed,
        requests=done,
        bad=sum(bad),
        cpu_us=0.0,
        latency_ms=sum(latency) / max(done, 1) * 1000,
    )


def measure(server: Server, target: Target, connections: int, seconds: float, tmp: str) -> Run:
    load = load_wrk if wrk_available() else load_python
    before = server.cpu_seconds()
    run = load(server.port, target, connections, seconds, tmp)
    run.cpu_us = (server.cpu_seconds() - before) / max(run.requests, 1) * 1e6
    return run


# ---------------------------------------------------------------------- the portal side


@dataclass
class Owner:
    email: str
    assessment_id: int
    question: str
    values: tuple[object, object]


def prepare_owners(app: Flask, count: int, province: int) -> list[Owner]:
    """Create owners, each with a household in ``province`` and an assessment in progress."""
    from portal import geo
    from portal.assess import operations as assess
    from portal.assess.questionnaires import choose
    from portal.auth.models import Role
    from portal.auth.operations import create_user
    from portal.businesses.models import BusinessKind, BusinessSize, Sector
    from portal.businesses.operations import create_business

    owners = []
    with app.app_context():
        commune = int(geo.communes(province)[0].code)
        for k in range(count):
            email = f"owner{k}.{secrets.token_hex(3)}@bench.vn"
            user = create_user(
                name=f"Chủ cơ sở {k}",
                email=email,
                password=PASSWORD,
                role=Role.OWNER,
                consented=True,
            )
            business = create_business(
                user,
                name=f"Hộ kinh doanh thử {k}",
                kind=BusinessKind.HOUSEHOLD,
                sector=Sector.TRADE,
                size=BusinessSize.FAMILY,
                province_code=province,
                commune_code=commune,
                address="Thôn 1",
            )
            questionnaire = choose(business).questionnaire
            assessment, _new = assess.start_assessment(business, user, questionnaire)
            db.session.commit()
            question = questionnaire.dimensions[0].questions[0]
            owners.append(Owner(email, assessment.id, question.id, _two_values(question)))
        db.session.remove()
        db.engine.dispose()
    return owners


def _two_values(question: Question) -> tuple[object, object]:
    """Return two different valid answers to ``question``, as the page's script sends them."""
    plain = [o.id for o in question.options if not o.exclusive]
    if isinstance(question.kind, Number):
        return str(int(question.kind.min)), str(int(question.kind.min) + 1)
    if question.type == "multi":
        return [plain[0]], [plain[-1]]
    return str(plain[0]), str(plain[-1])


def portal_targets(port: int, owners: list[Owner]) -> list[Target]:
    signed = [(sign_in(port, owner.email, PASSWORD), owner.assessment_id) for owner in owners]
    return _targets(port, owners, signed, "")


def _targets(
    port: int, owners: list[Owner], signed: list[tuple[str, int]], who: str
) -> list[Target]:
    """The question page and the autosave of each owner's assessment, as its page's script
    makes them; ``signed``: each owner's session cookie and assessment id on that server."""
    question = Target("question", "GET", [])
    autosave = Target("autosave", "POST", [])
    for owner, (cookie, assessment_id) in zip(owners, signed, strict=True):
        path = f"/assessments/{assessment_id}/step/1"
        status, headers, page = _call(port, "GET", path, {"Cookie": cookie})
        if status != 200:
            raise RuntimeError(f"{who}{path} answered {status}")
        cookie = _session_cookie(headers, cookie)
        headers = {"Cookie": cookie}
        question.requests.append((path, headers, ""))
        post = headers | {
            "Content-Type": "application/json",
            "X-CSRFToken": _csrf(page),
            "Accept": "application/json",
        }
        for value in owner.values:
            body = json.dumps({"question": owner.question, "value": value})
            autosave.requests.append((f"/assessments/{assessment_id}/autosave", post, body))
    # Every request must be what it says: a page and a save, never a refusal.
    for target in (question, autosave):
        path, headers, body = target.requests[0]
        status, _h, text = _call(port, target.method, path, headers, body)
        if status != 200:
            raise RuntimeError(f"{who}{target.name}: {path} answered {status}: {text[:200]}")
    return [question, autosave]


def hello_targets() -> dict[str, Target]:
    body = json.dumps({"question": "q", "value": "a"})
    return {
        "GET": Target("hello", "GET", [("/", {}, "")]),
        "POST": Target("hello", "POST", [("/", {"Content-Type": "application/json"}, body)]),
    }


def floor_url(database_url: str, tmp: str) -> str:
    """Return the floor apps' database: the portal's on PostgreSQL (tables of their own), a
    file of their own on SQLite (so that their writes never wait for the portal's)."""
    if database_url.startswith("sqlite"):
        return "sqlite:///" + os.path.join(tmp, "floor.sqlite3")
    return database_url


def floor_targets(port: int, owners: list[Owner]) -> list[Target]:
    """The portal's two requests, made to a floor app (see portal/devtools/floor.py)."""
    signed = []
    for k in range(1, len(owners) + 1):
        _status, headers, _text = _call(port, "GET", f"/sign-in/{k}", {})
        signed.append((_session_cookie(headers, ""), k))
    return _targets(port, owners, signed, "floor: ")


@contextmanager
def servers(
    database_url: str, tmp: str, workers: int | None = None
) -> Iterator[tuple[Server, Server, dict[str, Server]]]:
    """Start the portal on ``database_url``, the hello-world and the two floor apps, all under
    gunicorn (with gunicorn.conf.py's number of workers unless ``workers`` is given)."""
    env = {
        "PORTAL_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "ACCOUNT_RATE_LIMIT": "100000 per minute",
        "AUTOSAVE_RATE_LIMIT": "10000000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_FOLDER": os.path.join(tmp, "uploads"),
        "PORTAL_INSTANCE_PATH": os.path.join(tmp, "instance"),
        "GUNICORN_LOG_LEVEL": "warning",
        floor.URL_VARIABLE: floor_url(database_url, tmp),
    }
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    with ExitStack() as stack:
        started = []
        for spec, log in (
            ("portal:create_app()", "portal"),
            ("portal.devtools.hello:app", "hello"),
            ("portal.devtools.floor:create_app('orm')", "floor-orm"),
            ("portal.devtools.floor:create_app('core')", "floor-core"),
        ):
            started.append(Server(spec, env, os.path.join(tmp, f"{log}.log")))
            stack.callback(started[-1].stop)
        portal, hello, orm, core = (server.wait_ready() for server in started)
        yield portal, hello, {"ORM": orm, "Core": core}


def run_http(
    name: str,
    database_url: str,
    owners: list[Owner],
    rounds: int,
    seconds: float,
    connections: int,
    echo: Callable[[str], object] = print,
    workers: int | None = None,
    warm: bool = True,
) -> HttpResult:
    """Serve the portal, the hello-world and the floors; measure ``rounds`` interleaved rounds
    (in each: hello-world, then the portal, then each floor app, for each kind of request),
    after a warm-up of each unless not ``warm``."""
    result = HttpResult(name, "wrk" if wrk_available() else "python threads", connections, seconds)
    with tempfile.TemporaryDirectory(prefix="portal-http-") as tmp:
        os.makedirs(os.path.join(tmp, "instance"))
        floor.prepare(floor_url(database_url, tmp), len(owners))
        with servers(database_url, tmp, workers) as (portal, hello, floors):
            targets = portal_targets(portal.port, owners)
            hellos = hello_targets()
            floor_requests = {k: floor_targets(s.port, owners) for k, s in floors.items()}
            # Warm them up: every worker imports lazily and fills its caches.
            warming = [(portal, t) for t in targets] + [(hello, hellos["GET"])]
            warming += [(floors[k], t) for k, ts in floor_requests.items() for t in ts]
            for server, target in warming if warm else ():
                measure(server, target, connections, 1, tmp)
            for r in range(rounds):
                for target in targets:
                    base = measure(hello, hellos[target.method], connections, seconds, tmp)
                    run = measure(portal, target, connections, seconds, tmp)
                    # A few failures under overload (SQLite's write lock waited for longer
                    # than busy_timeout: 503) are counted; more means something is wrong.
                    if run.bad > run.requests / 100 or base.bad:
                        raise RuntimeError(
                            f"{target.name}: {run.bad} portal / {base.bad} hello requests "
                            "did not answer 200"
                        )
                    result.pairs.setdefault(target.name, []).append((run, base))
                    echo(
                        f"# {name} http round {r + 1}: {target.name} {run.rps:.0f} rps "
                        f"({run.cpu_us:.0f} µs CPU/request), hello {base.rps:.0f} rps "
                        f"({base.cpu_us:.0f} µs): {run.rps / base.rps:.3f}×"
                    )
                    for kind, server in floors.items():
                        same = next(t for t in floor_requests[kind] if t.name == target.name)
                        low = measure(server, same, connections, seconds, tmp)
                        if low.bad > low.requests / 100:
                            raise RuntimeError(f"floor {kind} {target.name}: {low.bad} failed")
                        result.floors.setdefault((kind, target.name), []).append((low, base))
                        echo(
                            f"# {name} http round {r + 1}: floor {kind} {target.name} "
                            f"{low.rps:.0f} rps ({low.cpu_us:.0f} µs CPU/request): "
                            f"{low.rps / base.rps:.3f}×"
                        )
    return result


HTTP_HEADER = (
    "| db | request | portal req/s | hello req/s | ratio | wanted | floor, ORM | floor, Core "
    "| portal CPU µs/req | hello CPU µs/req | portal mean ms | failed |"
)
HTTP_RULE = "|---" * HTTP_HEADER.count(" | ") + "|---|"
WANTED = {"question": 0.25, "autosave": 0.15}


def http_rows(result: HttpResult) -> list[str]:
    rows = []
    for name in result.pairs:
        rows.append(
            f"| {result.database} | {name} | {result.median(name, 'rps'):,.0f} "
            f"| {result.median(name, 'rps', hello=True):,.0f} | {result.ratio(name):.2f}× "
            f"| ≥ {WANTED.get(name, 0):.2f}× | {result.ratio(name, 'ORM'):.2f}× "
            f"| {result.ratio(name, 'Core'):.2f}× | {result.median(name, 'cpu_us'):,.0f} "
            f"| {result.median(name, 'cpu_us', hello=True):,.0f} "
            f"| {result.median(name, 'latency_ms'):.1f} | {result.failed(name)} |"
        )
    return rows
