"""The read-only JSON API: bearer tokens per province, its figures, its description."""

import hashlib
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
import yaml

from portal import clock
from portal.api.models import ApiToken
from portal.api.params import LANGUAGES
from portal.auth.models import Role
from portal.businesses.models import Sector
from portal.clock import utcnow
from portal.devtools.querycount import count_queries
from portal.extensions import db
from portal.onboarding.models import Evidence
from portal.reports import queries
from portal.reports.models import DigitalStatus, ProvinceTarget
from tests.conftest import HA_NOI, QUANG_NINH
from tests.factories import assessment_at_level, bearer, create_token, make_digital

ENDPOINTS = ["/api/v1/summary", "/api/v1/digital-businesses", "/api/v1/enrolments"]
TOKEN_RE = re.compile(r"dbp_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def qn_token(app, make_user) -> str:
    return create_token(app, make_user(role=Role.STAFF, province_code=QUANG_NINH))[1]


@pytest.fixture
def hn_token(app, make_user) -> str:
    return create_token(app, make_user(role=Role.STAFF, province_code=HA_NOI))[1]


def _target(app, province_code: int, target: int) -> None:
    with app.app_context():
        db.session.add(
            ProvinceTarget(
                province_code=province_code,
                target=target,
                by_year=2030,
                start_on=date(2026, 1, 1),
            )
        )
        db.session.commit()


# --------------------------------------------------------------------------- tokens


@pytest.mark.parametrize("url", ENDPOINTS)
def test_no_token_is_refused_with_a_bearer_challenge(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "missing_token"


@pytest.mark.parametrize(
    "header",
    ["Bearer dbp_not-a-real-token-at-all-000000", "Basic dXNlcjpwYXNz", "Bearer", "dbp_abc"],
)
def test_a_wrong_token_is_refused(client, qn_token, header):
    response = client.get("/api/v1/summary", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["message"]


def test_a_revoked_token_is_refused(app, client, auth, make_user):
    staff = make_user(role=Role.STAFF)
    token_id, plaintext = create_token(app, staff)
    assert client.get("/api/v1/summary", headers=bearer(plaintext)).status_code == 200
    auth.login(staff)
    assert client.post(f"/api/tokens/{token_id}/revoke").status_code == 302
    auth.logout()
    response = client.get("/api/v1/summary", headers=bearer(plaintext))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_signed_in_session_is_not_a_token(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    assert client.get("/api/v1/summary").status_code == 401
    auth.logout()
    auth.login(make_user(role=Role.ADMIN))
    assert client.get("/api/v1/summary").status_code == 401


def test_staff_create_a_token_shown_once_and_stored_only_as_a_hash(app, client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    response = client.post("/api/tokens", data={"name": "Bộ Công Thương", "province": HA_NOI})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    plaintext = TOKEN_RE.search(page).group(0)
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.province_code == QUANG_NINH  # staff cannot choose another province
        assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert token.prefix == plaintext[:12]
        row = db.session.execute(sa.select(ApiToken.__table__)).one()
        assert all(plaintext not in str(value) for value in row)
    listing = client.get("/api/tokens").get_data(as_text=True)
    assert "Bộ Công Thương" in listing and plaintext[:12] in listing
    assert plaintext not in listing
    body = client.get("/api/v1/summary", headers=bearer(plaintext)).get_json()
    assert body["province_code"] == QUANG_NINH


def test_a_token_needs_a_name(app, client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    response = client.post("/api/tokens", data={"name": "  "})
    assert response.status_code == 200
    assert not TOKEN_RE.search(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_staff_never_see_or_revoke_another_province_tokens(app, client, auth, make_user):
    hanoi_id, hanoi_plaintext = create_token(
        app, make_user(role=Role.STAFF, province_code=HA_NOI), name="Sở Công Thương Hà Nội"
    )
    create_token(app, make_user(role=Role.STAFF), name="Bộ Công Thương")
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    page = client.get("/api/tokens").get_data(as_text=True)
    assert "Bộ Công Thương" in page and "Sở Công Thương Hà Nội" not in page
    assert client.post(f"/api/tokens/{hanoi_id}/revoke").status_code == 404
    assert client.get("/api/v1/summary", headers=bearer(hanoi_plaintext)).status_code == 200


def test_admin_sees_every_token_and_chooses_the_province(app, client, auth, make_user):
    create_token(app, make_user(role=Role.STAFF, province_code=HA_NOI), name="Hệ thống Hà Nội")
    auth.login(make_user(role=Role.ADMIN))
    assert "Hệ thống Hà Nội" in client.get("/api/tokens").get_data(as_text=True)
    assert "Vui lòng chọn" in client.post("/api/tokens", data={"name": "X"}).get_data(as_text=True)
    page = client.post("/api/tokens", data={"name": "Bộ KH&CN", "province": HA_NOI})
    plaintext = TOKEN_RE.search(page.get_data(as_text=True)).group(0)
    body = client.get("/api/v1/summary", headers=bearer(plaintext)).get_json()
    assert body["province_code"] == HA_NOI


@pytest.mark.parametrize("role", [Role.OWNER, Role.TRAINER])
def test_owners_and_trainers_cannot_manage_tokens(client, auth, make_user, role):
    auth.login(make_user(role=role))
    assert client.get("/api/tokens").status_code == 403
    assert client.post("/api/tokens", data={"name": "X"}).status_code == 403


def test_the_dashboard_links_to_the_tokens_page(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    assert 'href="/api/tokens"' in client.get("/reports/").get_data(as_text=True)


def test_last_used_is_written_at_most_once_a_minute(app, client, make_user):
    token_id, plaintext = create_token(app, make_user(role=Role.STAFF))

    def updates() -> int:
        with app.app_context(), count_queries(db.engine) as counter:
            assert client.get("/api/v1/summary", headers=bearer(plaintext)).status_code == 200
        return sum(s.lstrip().upper().startswith("UPDATE") for s in counter.statements)

    def last_used() -> datetime | None:
        with app.app_context():
            return db.session.get(ApiToken, token_id).last_used_at

    assert last_used() is None
    assert updates() == 1
    first = last_used()
    assert first is not None
    assert updates() == 0
    assert last_used() == first
    with app.app_context():
        db.session.get(ApiToken, token_id).last_used_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    assert updates() == 1
    assert last_used() > first


def test_the_api_is_rate_limited(app, client, qn_token, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    for _ in range(3):
        assert client.get("/api/v1/summary", headers=bearer(qn_token)).status_code == 200
    response = client.get("/api/v1/enrolments", headers=bearer(qn_token))
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    # Guessing tokens spends the same budget.
    assert client.get("/api/v1/summary", headers=bearer("dbp_guess")).status_code == 429


# --------------------------------------------------------------------------- figures


def test_summary_equals_a_hand_count_of_the_province(
    app, client, make_user, make_business, qn_token, hn_token
):
    for _ in range(2):
        make_digital(app, make_user, make_business(province_code=QUANG_NINH))
    assessment_at_level(app, make_business(province_code=QUANG_NINH), level=1)
    make_digital(app, make_user, make_business(province_code=HA_NOI))
    _target(app, QUANG_NINH, 500)
    _target(app, HA_NOI, 777)
    with app.app_context():
        # The fixture verifies evidence without a date; the report counts by verification date.
        db.session.execute(sa.update(Evidence).values(verified_at=utcnow()))
        db.session.commit()

    body = client.get("/api/v1/summary", headers=bearer(qn_token)).get_json()
    with app.app_context():
        today = clock.today()
    assert body["province_code"] == QUANG_NINH
    assert body["province_name"] == "Quảng Ninh"
    assert body["period"] == {"start": f"{today.year}-01-01", "end": today.isoformat()}
    assert body["generated_at"].endswith("Z")
    assert body["digital_businesses"] == {"count": 2, "on": today.isoformat()}
    assert body["activity"] == {
        "assessments": 3,
        "enrolments": 2,
        "completions": 2,
        "certificates": 2,
        "listings_verified": 2,
    }
    assert body["definition"]["min_level"] == 3 and body["definition"]["since"] is None
    target = body["target"]
    assert (target["target"], target["by_year"], target["baseline"]) == (500, 2030, 0)
    assert target["progress_percent"] == 0.4
    assert isinstance(target["needed_by_now"], int)

    hanoi = client.get("/api/v1/summary", headers=bearer(hn_token)).get_json()
    assert hanoi["province_code"] == HA_NOI
    assert hanoi["digital_businesses"]["count"] == 1
    assert hanoi["activity"]["assessments"] == 1
    assert hanoi["target"]["target"] == 777


def test_a_token_never_reads_another_province(app, client, make_user, make_business, qn_token):
    hanoi = make_business(province_code=HA_NOI)
    make_digital(app, make_user, hanoi)
    _target(app, HA_NOI, 777)
    headers = bearer(qn_token)
    summary = client.get("/api/v1/summary", headers=headers).get_json()
    assert summary["province_code"] == QUANG_NINH
    assert summary["digital_businesses"]["count"] == 0
    assert set(summary["activity"].values()) == {0}
    assert summary["target"] is None
    for by in ("commune", "sector", "kind", "month"):
        rows = client.get(f"/api/v1/digital-businesses?by={by}", headers=headers).get_json()["rows"]
        assert all(r["count"] == 0 for r in rows), by
    for by in queries.GROUPINGS:
        body = client.get(f"/api/v1/enrolments?by={by}", headers=headers).get_json()
        assert body["rows"] == [] and body["total"] == 0, by
    # Nothing in a request can choose the province.
    response = client.get(f"/api/v1/summary?province={HA_NOI}", headers=headers)
    assert response.status_code == 400
    commune = client.get(f"/api/v1/summary?commune={hanoi.commune_code}", headers=headers)
    assert commune.status_code == 400


def _status_rows(app, businesses, became: datetime, ceased: datetime | None = None) -> None:
    with app.app_context():
        db.session.add_all(
            DigitalStatus(
                business_id=b.id,
                province_code=b.province_code,
                commune_code=b.commune_code,
                sector=b.sector,
                kind=b.kind,
                became_digital_at=became,
                ceased_at=ceased,
            )
            for b in businesses
        )
        db.session.commit()


def test_digital_businesses_by_month_and_by_sector(app, client, make_business, qn_token):
    farms = [make_business(sector=Sector.AGRICULTURE) for _ in range(2)]
    hotel = make_business(sector=Sector.TOURISM)
    _status_rows(app, farms, datetime(2025, 1, 10, 3))
    _status_rows(app, [hotel], datetime(2025, 2, 20, 3), datetime(2025, 3, 5, 3))
    _status_rows(app, [make_business(province_code=HA_NOI)], datetime(2025, 1, 1, 3))
    period = "start=2025-01-01&end=2025-04-30"

    body = client.get(f"/api/v1/digital-businesses?{period}", headers=bearer(qn_token)).get_json()
    assert body["by"] == "month" and body["on"] == "2025-04-30"
    assert [(r["key"], r["count"]) for r in body["rows"]] == [
        ("2025-01", 2),
        ("2025-02", 3),
        ("2025-03", 2),
        ("2025-04", 2),
    ]
    assert body["rows"][0]["label"] == "01/2025"  # keys stay ISO; labels are read, in `lang`
    url = f"/api/v1/digital-businesses?{period}&by=sector&lang=en"
    body = client.get(url.replace("end=2025-04-30", "end=2025-03-01"), headers=bearer(qn_token))
    rows = {r["key"]: (r["label"], r["count"]) for r in body.get_json()["rows"]}
    assert rows == {
        "agriculture": ("Agriculture, forestry and fisheries", 2),
        "tourism": ("Tourism, accommodation and food service", 1),
    }
    filtered = client.get(
        f"/api/v1/digital-businesses?{period}&sector=tourism", headers=bearer(qn_token)
    ).get_json()
    assert filtered["filters"]["sector"] == "tourism"
    assert [r["count"] for r in filtered["rows"]] == [0, 1, 0, 0]


def test_enrolments_by_course_count_each_state(app, client, make_user, make_business, qn_token):
    for _ in range(2):
        make_digital(app, make_user, make_business())
    body = client.get("/api/v1/enrolments?lang=en", headers=bearer(qn_token)).get_json()
    assert body["by"] == "course"
    assert body["states"] == [
        "assigned",
        "enrolled",
        "waitlisted",
        "declined",
        "cancelled",
        "completed",
    ]
    assert len(body["rows"]) == 2  # each make_digital runs its own course
    assert {r["label"] for r in body["rows"]} == {"Selling on e-commerce marketplaces"}
    assert all(r["counts"]["enrolled"] == 1 and r["counts"]["completed"] == 1 for r in body["rows"])
    assert body["totals"]["enrolled"] == 2 and body["total"] == sum(body["totals"].values())
    by_month = client.get("/api/v1/enrolments?by=month", headers=bearer(qn_token)).get_json()
    with app.app_context():
        today = clock.today()
    assert [r["key"] for r in by_month["rows"]] == [f"{today:%Y-%m}"]
    assert [r["label"] for r in by_month["rows"]] == [f"{today:%m/%Y}"]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("/api/v1/summary?start=2026-13-01", "'start' must be a date"),
        ("/api/v1/summary?end=01/02/2026", "'end' must be a date"),
        ("/api/v1/summary?start=20260101", "'start' must be a date"),
        ("/api/v1/summary?start=2026-03-01&end=2026-02-01", "must not be after"),
        ("/api/v1/summary?start=2001-01-01&end=2026-01-01", "at most 20 years"),
        ("/api/v1/summary?start=0001-01-01", "'start' must be a date from 2000-01-01"),
        ("/api/v1/summary?end=9999-12-31", "'end' must be a date from 2000-01-01"),
        ("/api/v1/summary?commune=99999999999999999999", "'commune' must be"),
        ("/api/v1/summary?commune=²", "'commune' must be"),
        ("/api/v1/summary?sector=fishing", "'sector' must be one of"),
        ("/api/v1/summary?kind=ngo", "'kind' must be one of"),
        ("/api/v1/summary?commune=abc", "'commune' must be"),
        ("/api/v1/summary?lang=fr", "'lang' must be one of"),
        ("/api/v1/summary?by=month", "Unknown parameter 'by'"),
        ("/api/v1/summary?start=2026-01-01&start=2026-02-01", "more than once"),
        ("/api/v1/digital-businesses?by=week", "'by' must be one of"),
        ("/api/v1/enrolments?by=province", "'by' must be one of"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(client, qn_token, url, fragment):
    response = client.get(url, headers=bearer(qn_token))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_parameter"
    assert fragment in body["message"]


# --------------------------------------------------------------------------- description


def test_openapi_documents_exactly_the_api_routes(app, client):
    response = client.get("/api/v1/openapi.yaml")
    assert response.status_code == 200
    spec = yaml.safe_load(response.get_data(as_text=True))
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert routes == set(spec["paths"])
    for path in routes - {"/api/v1/openapi.yaml"}:
        view = app.view_functions[_endpoint(app, path)]
        assert view.access_rule == "api-token"
        operation = spec["paths"][path]["get"]
        assert {"200", "400", "401", "429"} <= set(operation["responses"])
        names = {_parameter(spec, p)["name"] for p in operation["parameters"]}
        accepted = {"start", "end", "commune", "sector", "kind", "lang"}
        assert names - {"by"} == accepted
    lang = spec["components"]["parameters"]["lang"]["schema"]["enum"]
    assert tuple(lang) == LANGUAGES


def _endpoint(app, path: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.rule == path)
    return rule.endpoint


def _parameter(spec: dict, parameter: dict) -> dict:
    if "$ref" in parameter:
        return spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter


def test_openapi_groupings_match_the_code(client):
    from portal.api.views import DIGITAL_GROUPINGS

    spec = yaml.safe_load(client.get("/api/v1/openapi.yaml").get_data(as_text=True))

    def by_enum(path: str) -> list[str]:
        params = spec["paths"][path]["get"]["parameters"]
        return next(p for p in params if p.get("name") == "by")["schema"]["enum"]

    assert by_enum("/api/v1/enrolments") == list(queries.GROUPINGS)
    assert by_enum("/api/v1/digital-businesses") == list(DIGITAL_GROUPINGS)
