"""The reports read aggregates, never a table whose size grows with businesses.

Every SELECT that the reports' own code runs (a frame in ``portal/reports``, the API's views or
the dashboards' query modules on the stack) while serving the staff dashboard, staff's home,
the administrator's dashboard and provinces page, the province funnel and the API summary is
recorded; none may name a growing table. Their cost then depends on days × groups, not on
businesses (README, "Speed"). The enrolment counts report and its exports count distinct
businesses, which cannot be added up across days: they read the event log through its covering
index and are not listed here. The summary's cache is tested here too.
"""

import pathlib
import re
import traceback
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal import clock, geo
from portal.api import cache as summary_cache
from portal.auth.models import Role, User
from portal.devtools.synthetic import generate
from portal.extensions import db
from portal.reports import operations
from portal.reports.targets import TargetMetric
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import bearer, create_token, submitted_assessment

#: Tables whose rows grow with businesses (and their history).
GROWING = {
    "businesses",
    "assessments",
    "assessment_scores",
    "latest_assessments",
    "enrolments",
    "enrolment_events",
    "attendance",
    "certificates",
    "onboarding_paths",
    "onboarding_steps",
    "onboarding_evidence",
    "digital_status",
    "payments",
    "report_contributions",
}
#: Report code that still reads a growing table, with why (each one is work left).
KNOWN: dict[str, str] = {}
PORTAL = pathlib.Path(__file__).resolve().parents[2] / "portal"
#: The reports, the API's views and the dashboards' figures (staff's home, the provinces page).
REPORT_CODE = (
    PORTAL / "reports",
    PORTAL / "api" / "views.py",
    PORTAL / "main" / "queries.py",
    PORTAL / "admin" / "queries.py",
)
SINCE = f"start={clock.today().year - 2}-01-01"


def _reporting_frame() -> str | None:
    """The report module that runs the current statement, if any."""
    for frame in reversed(traceback.extract_stack()):
        path = pathlib.Path(frame.filename)
        if any(path == code or code in path.parents for code in REPORT_CODE):
            return path.name
    return None


def _tables(statement: str) -> set[str]:
    words = set(re.findall(r"[a-z_]+", statement.lower()))
    return words & GROWING


def _report_reads(app, client, url: str, headers=None) -> list[tuple[str, set[str], str]]:
    found: list[tuple[str, set[str], str]] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        module = _reporting_frame()
        if module is not None and module not in KNOWN:
            found.append((module, _tables(statement), statement))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get(url, headers=headers or {})
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return found


@pytest.fixture
def world(app, make_user):
    staff = make_user(Role.STAFF, province_code=QUANG_NINH)
    admin = make_user(Role.ADMIN)
    with app.app_context():
        generate(60, province_codes=(QUANG_NINH, HA_NOI), echo=lambda _m: None)
        by = db.session.get(User, staff.id)
        for metric in TargetMetric:
            operations.set_target(QUANG_NINH, 50, 2030, date(clock.today().year, 1, 1), by, metric)
        db.session.commit()
    return staff, admin


def test_report_pages_and_the_api_summary_read_no_growing_table(app, client, auth, world):
    staff, admin = world
    commune = int(geo.communes(QUANG_NINH)[0].code)
    filtered = f"{SINCE}&commune={commune}&sector=agriculture&kind=household&size=micro"
    _token_id, token = create_token(app, staff)
    reads = {}
    auth.login(staff)
    pages = ("/dashboard", "/reports/", f"/reports/?{SINCE}", f"/reports/?{filtered}")
    for url in (*pages, "/imports/funnel"):
        reads[url] = _report_reads(app, client, url)
    auth.logout()
    for url in ("/api/v1/summary", f"/api/v1/summary?{filtered.replace('&size=micro', '')}"):
        reads[url] = _report_reads(app, client, url, bearer(token))
    for by in ("month", "commune", "sector", "kind"):
        url = f"/api/v1/digital-businesses?by={by}&{SINCE}"
        reads[url] = _report_reads(app, client, url, bearer(token))
    auth.login(admin)
    for url in (f"/reports/?province={QUANG_NINH}&{SINCE}", "/dashboard", "/admin/provinces"):
        reads[url] = _report_reads(app, client, url)
    for url, found in reads.items():
        assert found, f"{url}: no report statement recorded"
        touched = [(module, tables, sql) for module, tables, sql in found if tables]
        assert not touched, f"{url} reads growing tables: {touched[:3]}"


def test_the_summary_is_cached_briefly_per_province_and_parameters(
    app, client, make_user, make_business, monkeypatch
):
    monkeypatch.setitem(app.config, "API_SUMMARY_CACHE_SECONDS", 60)
    summary_cache.clear()
    staff = make_user(Role.STAFF, province_code=QUANG_NINH)
    other = make_user(Role.STAFF, province_code=HA_NOI)
    _id, token = create_token(app, staff)
    _id, other_token = create_token(app, other)
    try:
        first = client.get("/api/v1/summary", headers=bearer(token))
        assert first.headers["X-Cache"] == "miss"
        # Kept on the server only: no proxy or browser may store an API client's answer.
        assert first.headers["Cache-Control"] == "no-store"
        assert first.json["activity"]["assessments"] == 0
        submitted_assessment(app, make_business(province_code=QUANG_NINH))
        again = client.get("/api/v1/summary", headers=bearer(token))
        assert again.headers["X-Cache"] == "hit"
        assert again.get_data() == first.get_data()
        # Other parameters, another province: their own entries.
        year = clock.today().year
        other_period = client.get(f"/api/v1/summary?start={year}-01-01", headers=bearer(token))
        assert other_period.headers["X-Cache"] == "miss"
        assert other_period.json["activity"]["assessments"] == 1
        elsewhere = client.get("/api/v1/summary", headers=bearer(other_token))
        assert elsewhere.headers["X-Cache"] == "miss"
        assert elsewhere.json["province_code"] == HA_NOI
        # A bad parameter is refused before the cache is asked.
        assert client.get("/api/v1/summary?x=1", headers=bearer(token)).status_code == 400
        # Once the minute has passed, the summary is computed again.
        later = clock.utcnow() + timedelta(seconds=61)
        monkeypatch.setattr(clock, "utcnow", lambda: later)
        fresh = client.get("/api/v1/summary", headers=bearer(token))
        assert fresh.headers["X-Cache"] == "miss"
        assert fresh.json["activity"]["assessments"] == 1
    finally:
        summary_cache.clear()
