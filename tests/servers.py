"""Real processes for tests that run the portal as production does: gunicorn, PostgreSQL, Redis.

Not a test module: the tests that start servers import these helpers from here.
"""

import contextlib
import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"

# The schema at head, and an owner with a household business in Quảng Ninh (and, when asked,
# an API token of Quảng Ninh's staff), created through the app's operations.
SEED = """
import sys
from flask_migrate import upgrade
from portal import create_app, geo
from portal.api.operations import create_token
from portal.auth.models import Role
from portal.auth.operations import create_user
from portal.businesses.models import BusinessKind, BusinessSize, Sector
from portal.businesses.operations import create_business
from portal.extensions import db

email, password, name, with_token = sys.argv[1:]
app = create_app()
with app.app_context():
    upgrade()
    owner = create_user(name="Đặng Thị Hoa", email=email, password=password,
                        role=Role.OWNER, consented=True)
    business = create_business(
        owner, name=name, kind=BusinessKind.HOUSEHOLD, tax_code=None,
        sector=Sector.AGRICULTURE, size=BusinessSize.FAMILY, province_code=22,
        commune_code=int(geo.communes(22)[0].code), address="Thôn 1")
    print(business.id)
    if with_token == "token":
        staff = create_user(name="Cán bộ Quảng Ninh", email="staff." + email, password=password,
                            role=Role.STAFF, province_code=22, consented=True)
        print(create_token(22, "Bộ Công Thương", staff)[1])
    db.session.commit()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    """Wait until something listens on the loopback port; fail if the process exits first.

    Up to a minute: a server starts in well under a second, but on a loaded 2-core machine
    running the suite on both cores it has waited over ten."""
    for _ in range(1200):
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway Redis on a free loopback port, without files; yield its URL."""
    if not os.path.exists(REDIS):
        pytest.skip("redis-server is not installed: scripts/test installs it")
    port = free_port()
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
        server.stderr.close()


# PostgreSQL --------------------------------------------------------------------------------


def psycopg_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)


def fresh_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database in DATABASE_URL's cluster; return its URL and a dropper."""
    server = sa.engine.make_url(psycopg_url(os.environ["DATABASE_URL"]))
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


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian's layout), if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return found[-1] if found else None


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory that a test can stop and start again."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pg-down-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "portal", "--auth=trust")
        #: The cluster's own database, as the app's settings name it.
        self.url = f"postgresql+psycopg://portal@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        data, log = str(self.dir / "data"), str(self.dir / "log")
        self._run("pg_ctl", "-D", data, "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        """Stop at once: open sessions are ended, as when the database server goes away."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A started PostgresCluster, removed afterwards; skips the test without PostgreSQL."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed: scripts/test installs it")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


# The portal under gunicorn -----------------------------------------------------------------


def production_env(database_url: str, instance: str, **settings: str) -> dict[str, str]:
    """The environment of a production app server (README "Deploy"), plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "GUNICORN_"))}
    return (
        env
        | {
            "FLASK_APP": "portal",
            "PORTAL_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "PORTAL_BASE_URL": "https://portal.example.vn",
            "PORTAL_PROXIES": "1",
            "PORTAL_INSTANCE_PATH": instance,
            "DATABASE_URL": database_url,
            "LOG_FORMAT": "json",
        }
        | settings
    )


def seed(
    env: dict[str, str], email: str, password: str, business: str, *, api_token: bool = False
) -> tuple[int, str | None]:
    """Migrate that environment's database and add an owner and her business (SEED).

    Return the business's id and, with api_token, the plaintext of a Quảng Ninh API token.
    """
    made = subprocess.run(
        [sys.executable, "-c", SEED, email, password, business, "token" if api_token else "-"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = made.stdout.split()
    return int(printed[-2 if api_token else -1]), printed[-1] if api_token else None


class Gunicorn:
    """The portal under gunicorn with scripts/gunicorn.conf.py; its log goes to a file."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Closed by stop(). A file, not a pipe: a full pipe would stop gunicorn mid-request.
        self.log_file = tempfile.NamedTemporaryFile(prefix="portal-gunicorn-")  # noqa: SIM115
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "scripts/gunicorn.conf.py", "portal:create_app()"],
            cwd=ROOT,
            env=env | {"GUNICORN_BIND": f"127.0.0.1:{self.port}"},
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise

    def _wait_until_serving(self) -> None:
        # The port opens before the workers have loaded the app: wait for an answer.
        for _ in range(600):
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn does not answer:\n{self.log()}")

    def log(self) -> str:
        return Path(self.log_file.name).read_text(errors="replace")

    def worker_pids(self) -> set[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return {int(child) for child in children.split()}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log_file.close()


@contextlib.contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[Gunicorn]:
    server = Gunicorn(env)
    try:
        yield server
    finally:
        server.stop()


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

    def fetch(self, url: str, data: bytes | None = None, headers: dict | None = None):
        """Return the status, final URL, headers and body of the answer (redirects followed)."""
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
            with error:
                return error.code, error.geturl(), error.headers, error.read().decode()
        with response:
            return response.status, response.geturl(), response.headers, response.read().decode()

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        status, final_url, _, body = self.fetch(url, data, headers)
        return status, final_url, body

    def get(self, url: str):
        return self.request(url)

    def post(self, url: str, fields: dict):
        return self.request(url, urllib.parse.urlencode(fields).encode())

    def csrf_token(self, url: str) -> str:
        status, _, page = self.get(url)
        assert status == 200, (url, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]

    def sign_in(self, server: str, login: str, password: str) -> None:
        token = self.csrf_token(server + "/auth/login")
        fields = {"login": login, "password": password, "csrf_token": token}
        status, url, _ = self.post(server + "/auth/login", fields)
        assert status == 200 and not url.endswith("/auth/login"), (status, url)
