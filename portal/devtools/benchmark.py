"""Measure the portal as the data grows: latency, throughput and SQL statements per page, and
throughput over real HTTP beside a Flask hello-world.

Run through ``scripts/benchmark``, which starts a throwaway PostgreSQL cluster unless
DATABASE_URL is set (and installs wrk on Debian):

    scripts/benchmark --sizes 100000,300000,1000000 --requests 20 --databases postgresql
    scripts/benchmark --quick          # a smoke run: 200 businesses, one round, seconds

Three parts (``--parts``), each on a fresh database per engine:

- ``http`` (``portal/devtools/benchmark_http.py``): the portal and a hello-world under gunicorn
  with ``scripts/gunicorn.conf.py``, rounds interleaved, the question page of an assessment in
  progress and the answer autosave as a ratio of the hello-world's requests per second, with
  the CPU the workers spent per request;
- ``import``: ``--import-rows`` made-up rows (``portal/imports/sample.py``, a third with
  pre-2025 commune names) checked then imported, timed, then again on a fresh database for the
  peak of memory Python allocates (tracemalloc, too slow to time in the same run);
- ``pages``: the synthetic generator (``portal/devtools/synthetic.py``) grows the database to
  each size in turn, then each page is requested once to warm up and ``--requests`` times
  (Flask test client, one process): province staff's pages, the national administrator's, the
  API summary with a province's token, an owner's results page right after each submission
  (a new assessment submitted before each request) and its PDF.

At the end it prints the tables of README "Speed" in markdown, with the machine and the date.
A script, not a test: the test suite only runs ``--quick`` on SQLite to check the output's shape.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from portal import clock, create_app, geo, pdf
from portal.auth.models import Role
from portal.auth.operations import create_user
from portal.devtools import benchmark_http
from portal.devtools.querycount import count_queries
from portal.devtools.synthetic import generate
from portal.extensions import db

PROVINCE = 22
PROVINCES = (PROVINCE, 1, 15)
PASSWORD = "benchmark-password"
#: The period the filtered report covers: all of the synthetic history.
SINCE = date(clock.today().year - 2, 1, 1).isoformat()


def pages() -> dict[str, list[str]]:
    """Return the pages each role requests (``api``: with a province's token)."""
    commune = int(geo.communes(PROVINCE)[0].code)
    filtered = f"start={SINCE}&commune={commune}&sector=agriculture&kind=household"
    return {
        "staff": [
            "/dashboard",
            "/businesses/",
            "/businesses/?page=20",
            "/training/",
            "/admin/users",
            "/reports/",
            f"/reports/?{filtered}",
            f"/reports/?start={SINCE}",
            "/reports/enrolments?by=commune",
            "/reports/enrolments?by=month",
            "/reports/enrolments?by=course",
            f"/reports/enrolments?by=month&{filtered}",
            "/reports/enrolments.csv?by=commune",
            "/reports/enrolments.xlsx?by=commune",
            "/reports/enrolments.pdf?by=commune&layout=official",
        ],
        "admin": ["/admin/provinces", f"/reports/?province={PROVINCE}"],
        "api": ["/api/v1/summary"],
    }


#: The owner's pages, measured by ``_measure_owner``.
RESULTS_PAGE = "/assessments/<id> (just submitted)"
RESULTS_PDF = "/assessments/<id>/report.pdf"


@dataclass
class Bench:
    """A fresh database with the accounts the benchmark signs in as."""

    app: Flask
    token: str = ""
    owner_business: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(2030))


def _fresh_app(url: str) -> Bench:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "ACCOUNT_RATE_LIMIT": "100000 per minute",
            "API_RATE_LIMIT": "100000 per minute",
        }
    )
    bench = Bench(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:  # the import case and the pages each start from an empty database
            meta = sa.MetaData()
            meta.reflect(db.engine)
            meta.drop_all(db.engine)
        upgrade()
        users = {}
        for role, email in (
            (Role.STAFF, "staff@bench.vn"),
            (Role.ADMIN, "admin@bench.vn"),
            (Role.OWNER, "owner@bench.vn"),
        ):
            users[role] = create_user(
                name=role.value,
                email=email,
                password=PASSWORD,
                role=role,
                province_code=None if role == Role.OWNER else PROVINCE,
                consented=True,
            )
        from portal.api.operations import create_token
        from portal.businesses.models import BusinessKind, BusinessSize, Sector
        from portal.businesses.operations import create_business

        business = create_business(
            users[Role.OWNER],
            name="Hộ kinh doanh thử",
            kind=BusinessKind.HOUSEHOLD,
            sector=Sector.TRADE,
            size=BusinessSize.FAMILY,
            province_code=PROVINCE,
            commune_code=int(geo.communes(PROVINCE)[0].code),
            address="Thôn 1",
        )
        _token, bench.token = create_token(PROVINCE, "Benchmark", users[Role.STAFF])
        db.session.commit()
        bench.owner_business = business.id
    return bench


def _row(url: str, timings: list[float], queries: int, printing: Sequence[float] = ()) -> dict:
    """A page's figures; for a PDF, also how long WeasyPrint's printing took of each request."""
    timings = sorted(timings)
    row = {
        "page": url,
        "p50_ms": statistics.median(timings) * 1000,
        "p95_ms": _p95(timings) * 1000,
        "rps": len(timings) / sum(timings),
        "queries": queries,
    }
    if printing:
        row["print_p50_ms"] = statistics.median(printing) * 1000
        row["print_p95_ms"] = _p95(sorted(printing)) * 1000
    return row


def _p95(ordered: list[float]) -> float:
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


@contextmanager
def _printing_times() -> Iterator[list[float]]:
    """Time each WeasyPrint print (``pdf._print``: the HTML laid out and drawn, nothing of the
    portal's queries or templates) while the block runs; yield the list they are added to."""
    times: list[float] = []
    original = pdf._print

    def timed(html: str, base_url: str, **options: object) -> bytes:
        start = time.perf_counter()
        try:
            return original(html, base_url, **options)
        finally:
            times.append(time.perf_counter() - start)

    pdf._print = timed
    try:
        yield times
    finally:
        pdf._print = original


def _measure(
    bench: Bench, role: str, urls: list[str], requests: int, warm: bool = True
) -> list[dict]:
    app = bench.app
    client = app.test_client()
    headers = {}
    if role == "api":
        headers["Authorization"] = f"Bearer {bench.token}"
    else:
        client.post("/auth/login", data={"login": f"{role}@bench.vn", "password": PASSWORD})
    rows = []
    for url in urls:
        if warm:
            client.get(url, headers=headers)  # warm caches
        timings = []
        with (
            app.app_context(),
            count_queries(db.engine) as counter,
            _printing_times() as printing,
        ):
            for _ in range(requests):
                if ".pdf" in url:
                    pdf.rendered.clear()  # the print, not a copy kept from the last request
                start = time.perf_counter()
                response = client.get(url, headers=headers)
                timings.append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
        rows.append(_row(url, timings, counter.count // requests, printing))
    return rows


def _submit(bench: Bench) -> int:
    """Submit a new assessment of the owner's household, as its owner; return its id."""
    from portal.assess import operations
    from portal.assess.questionnaires import choose
    from portal.businesses.models import Business, BusinessKind, BusinessSize
    from portal.devtools.synthetic import _pools

    with bench.app.test_request_context():
        business = db.session.get_one(Business, bench.owner_business)
        owner = business.owner
        questionnaire = choose(business).questionnaire
        pool = _pools(2030)[0][(BusinessKind.HOUSEHOLD, BusinessSize.FAMILY)]
        answers = pool.pick(bench.rng.random(), bench.rng).answers
        assessment, _new = operations.start_assessment(business, owner, questionnaire)
        operations.save_answers(assessment, owner, answers)
        operations.submit_assessment(assessment, owner, questionnaire)
        db.session.commit()
        return assessment.id


def _measure_owner(bench: Bench, requests: int, warm: bool = True) -> list[dict]:
    """The results page on its first view right after each submission, then its PDF."""
    app = bench.app
    client = app.test_client()
    client.post("/auth/login", data={"login": "owner@bench.vn", "password": PASSWORD})
    if warm:
        client.get(f"/assessments/{_submit(bench)}")  # warm caches
    timings = []
    queries = 0
    for _ in range(requests):
        assessment_id = _submit(bench)
        with app.app_context(), count_queries(db.engine) as counter:
            start = time.perf_counter()
            response = client.get(f"/assessments/{assessment_id}")
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (RESULTS_PAGE, response.status_code)
        queries += counter.count
    rows = [_row(RESULTS_PAGE, timings, queries // requests)]
    report = f"/assessments/{assessment_id}/report.pdf"
    if warm:
        client.get(report)
    timings = []
    with app.app_context(), count_queries(db.engine) as counter, _printing_times() as printing:
        for _ in range(requests):
            pdf.rendered.clear()  # the print, not a copy kept from the last request
            start = time.perf_counter()
            response = client.get(report)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200, (report, response.status_code)
    rows.append(_row(RESULTS_PDF, timings, counter.count // requests, printing))
    return rows


def _measure_import(app: Flask, rows: int, trace: bool) -> dict:
    """Check then import ``rows`` made-up rows as the province's staff, as the two requests do;
    with ``trace``, also the peak of memory allocated."""
    from portal.auth.models import User
    from portal.imports import operations, sample

    data = sample.to_csv(sample.rows(PROVINCE, rows))
    with app.test_request_context(), tempfile.TemporaryDirectory() as folder:
        app.config["UPLOAD_FOLDER"] = folder
        staff = db.session.execute(
            sa.select(User).where(User.email == "staff@bench.vn")
        ).scalar_one()
        if trace:
            tracemalloc.start()
        try:
            start = time.perf_counter()
            batch = operations.preview(data, "benchmark.csv", PROVINCE, staff)
            db.session.commit()
            checked = time.perf_counter()
            imported = operations.run(batch, staff)
            db.session.commit()
            done = time.perf_counter()
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
        finally:
            tracemalloc.stop()
        return {
            "accepted": batch.accepted_rows,
            "imported": len(imported.business_ids),
            "check_s": checked - start,
            "import_s": done - checked,
            "peak_mib": peak / 2**20,
            "file_mib": len(data) / 2**20,
        }


def _databases(names: list[str], tmp: str) -> dict[str, str]:
    urls = {}
    for name in names:
        if name == "sqlite":
            urls[name] = "sqlite:///" + os.path.join(tmp, "bench.sqlite3")
        elif name == "postgresql" and os.environ.get("DATABASE_URL"):
            urls[name] = os.environ["DATABASE_URL"]
        else:
            print(f"# {name}: skipped (set DATABASE_URL, or install PostgreSQL)", file=sys.stderr)
    return urls


def _grow(bench: Bench, name: str, have: int, size: int) -> None:
    with bench.app.app_context():
        start = time.perf_counter()
        generate(size - have, province_codes=PROVINCES, echo=lambda _m: None)
        print(
            f"# {name}: generated {size - have:,} businesses "
            f"(with their history) in {time.perf_counter() - start:.1f}s",
            file=sys.stderr,
            flush=True,
        )
        if db.engine.dialect.name == "postgresql":
            # Statistics and the visibility map, as autovacuum would keep them in production.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        db.session.remove()


def _import_part(databases: dict[str, str], import_rows: int) -> list[str]:
    lines = [
        "| db | rows | file MiB | accepted | imported | check s | import s | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, url in databases.items():
        runs = []
        for trace in (False, True):
            app = _fresh_app(url).app
            with app.app_context():
                runs.append(_measure_import(app, import_rows, trace))
                db.engine.dispose()
            print(f"# {name}: import case {runs[-1]}", file=sys.stderr, flush=True)
        r = runs[0] | {"peak_mib": runs[1]["peak_mib"]}
        lines.append(
            f"| {name} | {import_rows:,} | {r['file_mib']:.1f} | {r['accepted']:,} "
            f"| {r['imported']:,} | {r['check_s']:.1f} | {r['import_s']:.1f} "
            f"| {r['peak_mib']:.0f} |"
        )
        print(lines[-1], flush=True)
    return lines


def _http_part(databases: dict[str, str], args: argparse.Namespace) -> list[str]:
    lines = [benchmark_http.HTTP_HEADER, benchmark_http.HTTP_RULE]
    for name, url in databases.items():
        bench = _fresh_app(url)
        if args.http_businesses:
            _grow(bench, name, 0, args.http_businesses)
        owners = benchmark_http.prepare_owners(
            bench.app, min(args.connections, benchmark_http.MAX_OWNERS), PROVINCE
        )
        result = benchmark_http.run_http(
            name,
            url,
            owners,
            args.http_rounds,
            args.http_seconds,
            args.connections,
            echo=lambda m: print(m, file=sys.stderr, flush=True),
            workers=1 if args.quick else None,
            warm=not args.quick,
        )
        for line in benchmark_http.http_rows(result):
            lines.append(line)
            print(line, flush=True)
    return lines


def _pages_part(
    databases: dict[str, str], sizes: list[int], requests: int, warm: bool = True
) -> dict:
    """Return {(db, page): {size: row}} and print each row as it comes."""
    results: dict[tuple[str, str], dict[int, dict]] = {}
    width = max(len(url) for urls in pages().values() for url in urls)
    header = (
        f"| {'db':<10} | {'businesses':>10} | {'page':<{width}} | {'p50 ms':>8} | {'p95 ms':>8} "
        f"| {'req/s':>7} | {'queries':>7} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|", flush=True)
    for name, url in databases.items():
        bench = _fresh_app(url)
        have = 0
        for size in sizes:
            _grow(bench, name, have, size)
            have = size
            rows = [
                row
                for role, urls in pages().items()
                for row in _measure(bench, role, urls, requests, warm)
            ]
            rows += _measure_owner(bench, requests, warm)
            for row in rows:
                results.setdefault((name, row["page"]), {})[size] = row
                print(
                    f"| {name:<10} | {size:>10,} | {row['page']:<{width}} "
                    f"| {row['p50_ms']:>8.1f} | {row['p95_ms']:>8.1f} | {row['rps']:>7.1f} "
                    f"| {row['queries']:>7} |",
                    flush=True,
                )
        with bench.app.app_context():
            db.engine.dispose()
    return results


def _pages_table(results: dict, sizes: list[int]) -> list[str]:
    """The README's table: one row per page and engine, p50 / p95 ms and statements per size
    (for a PDF, then the p50 / p95 ms of its printing alone)."""
    head = "| page | db | " + " | ".join(f"{s:,}: p50 / p95 ms (SQL)" for s in sizes) + " |"
    lines = [head, "|---|---|" + "---|" * len(sizes)]
    for (name, page), by_size in results.items():
        cells = []
        for size in sizes:
            row = by_size.get(size)
            cell = f"{row['p50_ms']:,.0f} / {row['p95_ms']:,.0f} ({row['queries']})" if row else ""
            if row and "print_p50_ms" in row:
                cell += f", printing {row['print_p50_ms']:,.0f} / {row['print_p95_ms']:,.0f}"
            cells.append(cell)
        lines.append(f"| `{page}` | {name} | " + " | ".join(cells) + " |")
    return lines


def machine() -> str:
    """Describe this machine, the date and how busy it was, for the README."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            memory = int(f.readline().split()[1]) / 2**20
    except OSError:
        memory = 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{clock.utcnow():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs ({model}), "
        f"{memory:.0f} GiB, Python {platform.python_version()}, load average at the end {load}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000", help="businesses, comma-separated")
    parser.add_argument("--requests", type=int, default=20, help="per page and size")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--parts", default="http,import,pages", help="which parts to run")
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--http-rounds", type=int, default=3)
    parser.add_argument("--http-seconds", type=float, default=10)
    parser.add_argument(
        "--http-businesses", type=int, default=10_000, help="data behind the HTTP part"
    )
    parser.add_argument("--connections", type=int, default=16, help="concurrent HTTP connections")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 200 businesses, 1 request per page and 1 HTTP round of 1 s without a "
        "warm-up, one gunicorn worker, 500 rows",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.requests, args.import_rows = "200", 1, 500
        args.http_rounds, args.http_seconds, args.http_businesses = 1, 1, 200
        args.connections = min(args.connections, 4)
    sizes = [int(s) for s in args.sizes.split(",")]
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        databases = _databases(args.databases.split(","), tmp)
        http = _http_part(databases, args) if "http" in parts else []
        if http:
            print()
        imported = (
            _import_part(databases, args.import_rows)
            if "import" in parts and args.import_rows
            else []
        )
        if imported:
            print()
        results = (
            _pages_part(databases, sizes, args.requests, warm=not args.quick)
            if "pages" in parts
            else {}
        )
    print('\n## README tables (paste into README "Speed")\n')
    print(f"Measured {machine()}.\n")
    if http:
        generator = "wrk" if benchmark_http.wrk_available() else "Python threads"
        print(
            f"Real HTTP ({generator}, {args.connections} connections, {args.http_rounds} rounds "
            f"of {args.http_seconds:g} s, medians; {args.http_businesses:,} businesses):\n"
        )
        print("\n".join(http) + "\n")
    if results:
        after = "" if args.quick else " after one warm-up"
        print(f"Pages (Flask test client, {args.requests} requests{after}):\n")
        print("\n".join(_pages_table(results, sizes)) + "\n")
    if imported:
        print("Bulk import:\n")
        print("\n".join(imported))


if __name__ == "__main__":
    main()
