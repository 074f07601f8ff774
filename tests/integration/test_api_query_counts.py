"""The API answers with the same number of SQL statements whatever the amount of data."""

from datetime import UTC, date

import pytest
import time_machine

from portal import clock
from portal.auth.models import Role
from portal.devtools.querycount import count_queries
from portal.devtools.synthetic import generate
from portal.extensions import db
from portal.reports.models import ProvinceTarget
from tests.conftest import QUANG_NINH
from tests.factories import bearer, create_token

API_URLS = [
    "/api/v1/summary",
    "/api/v1/digital-businesses?by=month&start=2025-01-01",
    "/api/v1/digital-businesses?by=commune",
    # A period with data at both sizes, whatever today is: on New Year's Day "this year" holds
    # no enrolment yet, and an empty answer needs no trainer names (one statement fewer).
    "/api/v1/enrolments?by=trainer&start=2025-01-01",
]


def _queries(app, client, url: str, token: str) -> int:
    with app.app_context(), count_queries(db.engine) as counter:
        response = client.get(url, headers=bearer(token))
    assert response.status_code == 200, url
    return counter.count


def _grow(app, businesses: int) -> None:
    with app.app_context():
        generate(businesses, province_codes=(QUANG_NINH,), echo=lambda _m: None)


@pytest.mark.parametrize("url", API_URLS)
def test_api_query_count_does_not_grow_with_data(app, client, make_user, url):
    _token_id, token = create_token(app, make_user(role=Role.STAFF, province_code=QUANG_NINH))
    with app.app_context():
        db.session.add(
            ProvinceTarget(
                province_code=QUANG_NINH, target=500, by_year=2030, start_on=date(2026, 1, 1)
            )
        )
        db.session.commit()
    # The first request notes the token's use; with the clock held still, the measured ones
    # fall in the same minute however long growing the data takes.
    with time_machine.travel(clock.utcnow().replace(tzinfo=UTC), tick=False):
        _grow(app, 5)
        _queries(app, client, url, token)
        small = _queries(app, client, url, token)
        _grow(app, 200)
        assert _queries(app, client, url, token) == small
