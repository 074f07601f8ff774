"""Where a signed-in request spends its CPU: the question page and the autosave, profiled.

    PORTAL_ENV=development python -m portal.devtools.benchmark_profile [--requests 2000]
        [--database sqlite|postgresql] [--top 30] [--sort tottime|cumtime]

On a fresh database (DATABASE_URL for PostgreSQL), an owner with an assessment in progress
signs in through the form (CSRF on); each request is then made ``--requests`` times in this
process through the Flask test client, first timed (process CPU per request, no profiler), then
under cProfile, whose listing is printed. The same with the hello-world app gives the framework's
own share. The request log goes to /dev/null, as JSON, as in production.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import tempfile
import time
from collections.abc import Callable

from flask import Flask


def _app(url: str) -> Flask:
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "LOG_FORMAT": "json",
            "AUTOSAVE_RATE_LIMIT": "100000000 per minute",
            "LOGIN_RATE_LIMIT": "100000 per minute",
        }
    )


def _prepare(app: Flask) -> dict[str, Callable[[], None]]:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal.devtools.benchmark_http import PASSWORD, prepare_owners
    from portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    owner = prepare_owners(app, 1, 22)[0]
    client = app.test_client()
    token = _csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"csrf_token": token, "login": owner.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    path = f"/assessments/{owner.assessment_id}/step/1"
    token = _csrf_token(client.get(path).get_data(as_text=True))
    bodies = [json.dumps({"question": owner.question, "value": v}) for v in owner.values]
    headers = {"Content-Type": "application/json", "X-CSRFToken": token}
    autosave = f"/assessments/{owner.assessment_id}/autosave"
    k = iter(range(10**9))

    def question() -> None:
        assert client.get(path).status_code == 200

    def save() -> None:
        response = client.post(autosave, data=bodies[next(k) % 2], headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    return {"question": question, "autosave": save}


def _csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match[1]


def _hello() -> Callable[[], None]:
    from portal.devtools.hello import app

    client = app.test_client()

    def hello() -> None:
        assert client.get("/").status_code == 200

    return hello


def cpu_per_request(call: Callable[[], None], requests: int) -> float:
    """Return the process CPU microseconds one call takes, after a warm-up."""
    for _ in range(max(20, requests // 10)):
        call()
    start = time.process_time()
    for _ in range(requests):
        call()
    return (time.process_time() - start) / requests * 1e6


def profile(call: Callable[[], None], requests: int, sort: str, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumtime")
    parser.add_argument("--only", default="", help="question or autosave")
    args = parser.parse_args(argv)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115  (the JSON request log)
    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "postgresql":
            url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        else:
            url = "sqlite:///" + os.path.join(tmp, "profile.sqlite3")
        calls = _prepare(_app(url))
        hello = _hello()
        print(f"hello-world: {cpu_per_request(hello, args.requests):,.0f} µs CPU per request")
        for name, call in calls.items():
            if args.only and name != args.only:
                continue
            print(f"{name}: {cpu_per_request(call, args.requests):,.0f} µs CPU per request")
        for name, call in calls.items():
            if args.only and name != args.only:
                continue
            print(f"\n===== {name} ({args.database}), {args.requests} requests")
            print(profile(call, args.requests, args.sort, args.top))


if __name__ == "__main__":
    main()
