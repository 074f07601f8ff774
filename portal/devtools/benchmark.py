"""Measure pages as the data grows: latency, throughput and SQL statements per page.

Run through ``scripts/benchmark``, which starts a throwaway PostgreSQL cluster unless
DATABASE_URL is set:

    scripts/benchmark --sizes 10000,100000 --requests 10 --databases sqlite,postgresql

Each database starts empty; the synthetic generator (``portal/devtools/synthetic.py``) grows it
to each size in turn (businesses with assessments, enrolments, listings and digital status), then
every page is requested ``--requests`` times after one warm-up request.

Before the pages, ``--import-rows`` (50,000 by default; 0 skips it) measures a bulk import:
a made-up list (``portal/imports/sample.py``, a third of the rows with pre-2025 commune names)
checked, then imported: once timed, then again on a fresh database for the peak memory Python
allocates (tracemalloc, which slows the run down too much to time it in the same run).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from portal import clock, create_app, geo
from portal.auth.models import Role
from portal.auth.operations import create_user
from portal.devtools.querycount import count_queries
from portal.devtools.synthetic import generate
from portal.extensions import db

PROVINCE = 22
PROVINCES = (PROVINCE, 1, 15)
PASSWORD = "benchmark-password"
#: The period the filtered report covers: all of the synthetic history.
SINCE = date(clock.today().year - 2, 1, 1).isoformat()


def pages() -> dict[str, list[str]]:
    """Return the pages each role requests."""
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
        ],
        "admin": ["/admin/provinces", f"/reports/?province={PROVINCE}"],
    }


def _fresh_app(url: str) -> Flask:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "100000 per minute",
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:  # the import case and the pages each start from an empty database
            meta = sa.MetaData()
            meta.reflect(db.engine)
            meta.drop_all(db.engine)
        upgrade()
        for role, email in ((Role.STAFF, "staff@bench.vn"), (Role.ADMIN, "admin@bench.vn")):
            create_user(
                name=role.value,
                email=email,
                password=PASSWORD,
                role=role,
                province_code=PROVINCE,
                consented=True,
            )
        db.session.commit()
    return app


def _measure(app: Flask, role: str, urls: list[str], requests: int) -> list[dict]:
    client = app.test_client()
    client.post("/auth/login", data={"login": f"{role}@bench.vn", "password": PASSWORD})
    rows = []
    for url in urls:
        client.get(url)  # warm caches
        timings = []
        with app.app_context(), count_queries(db.engine) as counter:
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
        timings.sort()
        rows.append(
            {
                "page": url,
                "p50_ms": statistics.median(timings) * 1000,
                "p95_ms": timings[max(0, int(len(timings) * 0.95) - 1)] * 1000,
                "rps": requests / sum(timings),
                "queries": counter.count // requests,
            }
        )
    return rows


def _measure_import(app: Flask, rows: int, trace: bool) -> dict:
    """Check then import ``rows`` made-up rows as the province's staff, as the two requests do;
    with ``trace``, also the peak of memory allocated."""
    from portal.auth.models import User
    from portal.imports import operations, sample

    data = sample.to_csv(sample.rows(PROVINCE, rows))
    with app.test_request_context(), tempfile.TemporaryDirectory() as folder:
        app.config["UPLOAD_FOLDER"] = folder
        staff = db.session.scalar(sa.select(User).where(User.email == "staff@bench.vn"))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--import-rows", type=int, default=50_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        _run(_databases(args.databases.split(","), tmp), sizes, args.requests, args.import_rows)


def _run(databases: dict[str, str], sizes: list[int], requests: int, import_rows: int) -> None:
    if import_rows:
        print("| db | rows | file MiB | accepted | imported | check s | import s | peak MiB |")
        print("|---|---|---|---|---|---|---|---|")
        for name, url in databases.items():
            runs = []
            for trace in (False, True):
                app = _fresh_app(url)
                with app.app_context():
                    runs.append(_measure_import(app, import_rows, trace))
                    db.engine.dispose()
                print(f"# {name}: import case {runs[-1]}", file=sys.stderr, flush=True)
            r = runs[0] | {"peak_mib": runs[1]["peak_mib"]}
            print(
                f"| {name} | {import_rows:,} | {r['file_mib']:.1f} | {r['accepted']:,} "
                f"| {r['imported']:,} | {r['check_s']:.1f} | {r['import_s']:.1f} "
                f"| {r['peak_mib']:.0f} |",
                flush=True,
            )
        print()
    width = max(len(url) for urls in pages().values() for url in urls)
    header = (
        f"| {'db':<10} | {'businesses':>10} | {'page':<{width}} | {'p50 ms':>8} | {'p95 ms':>8} "
        f"| {'req/s':>7} | {'queries':>7} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|", flush=True)
    for name, url in databases.items():
        app = _fresh_app(url)
        have = 0
        for size in sizes:
            with app.app_context():
                start = time.perf_counter()
                generate(size - have, province_codes=PROVINCES, echo=lambda _m: None)
                print(
                    f"# {name}: generated {size - have:,} businesses "
                    f"(with their history) in {time.perf_counter() - start:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
                if db.engine.dialect.name == "postgresql":
                    # Fresh statistics, as autovacuum would gather them in production.
                    with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT"
                    ) as conn:
                        conn.execute(sa.text("ANALYZE"))
            have = size
            for role, urls in pages().items():
                for row in _measure(app, role, urls, requests):
                    print(
                        f"| {name:<10} | {size:>10,} | {row['page']:<{width}} "
                        f"| {row['p50_ms']:>8.1f} | {row['p95_ms']:>8.1f} | {row['rps']:>7.1f} "
                        f"| {row['queries']:>7} |",
                        flush=True,
                    )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
