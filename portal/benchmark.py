"""Measure pages as the data grows: latency, throughput and SQL statements per page.

Run through ``scripts/benchmark`` (SQLite, and PostgreSQL when DATABASE_URL is set):

    scripts/benchmark --sizes 1000,10000,100000 --requests 30
"""

import argparse
import os
import statistics
import tempfile
import time

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from portal import create_app
from portal.auth.models import Role
from portal.auth.operations import create_user
from portal.extensions import db
from portal.querycount import count_queries
from portal.synthetic import generate

PROVINCE = 22
PASSWORD = "benchmark-password"
PAGES = {
    "staff": ["/dashboard", "/businesses/", "/businesses/?page=20", "/training/", "/admin/users"],
    "admin": ["/admin/provinces"],
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
        upgrade()
        for role, email in ((Role.STAFF, "staff@bench.vn"), (Role.ADMIN, "admin@bench.vn")):
            create_user(
                name=role.value, email=email, password=PASSWORD, role=role, province_code=PROVINCE
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    databases = {"sqlite": None}
    if os.environ.get("DATABASE_URL"):
        databases["postgresql"] = os.environ["DATABASE_URL"]
    print(
        f"{'db':<10} {'businesses':>10}  {'page':<22} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'req/s':>7} {'queries':>7}"
    )
    for name, url in databases.items():
        tmp = tempfile.mkdtemp(prefix="portal-bench-")
        url = url or "sqlite:///" + os.path.join(tmp, "bench.sqlite3")
        app = _fresh_app(url)
        have = 0
        for size in sizes:
            with app.app_context():
                start = time.perf_counter()
                generate(size - have, province_codes=(PROVINCE, 1, 15), echo=lambda _m: None)
                print(
                    f"# {name}: generated {size - have:,} businesses in "
                    f"{time.perf_counter() - start:.1f}s"
                )
            have = size
            for role, urls in PAGES.items():
                for row in _measure(app, role, urls, args.requests):
                    print(
                        f"{name:<10} {size:>10,}  {row['page']:<22} {row['p50_ms']:>8.1f} "
                        f"{row['p95_ms']:>8.1f} {row['rps']:>7.1f} {row['queries']:>7}"
                    )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
