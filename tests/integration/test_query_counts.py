"""Pages run the same number of SQL statements whatever the amount of data (no N+1)."""

import pytest

from portal.auth.models import Role
from portal.extensions import db
from portal.querycount import count_queries
from portal.synthetic import generate
from tests.conftest import QUANG_NINH

STAFF_PAGES = [
    "/dashboard",
    "/businesses/",
    "/admin/users",
    "/training/",
    "/reports/",
    "/reports/enrolments?by=commune",
]


def _queries(app, client, url: str) -> int:
    with app.app_context(), count_queries(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _grow(app, businesses: int) -> None:
    with app.app_context():
        generate(businesses, province_codes=(QUANG_NINH,), echo=lambda _m: None)


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_query_count_does_not_grow_with_data(app, client, auth, make_user, url):
    auth.login(make_user(role=Role.STAFF, province_code=QUANG_NINH))
    _grow(app, 5)
    small = _queries(app, client, url)
    _grow(app, 200)
    assert _queries(app, client, url) == small


def test_owner_dashboard_query_count_does_not_grow_with_businesses(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    make_business(owner=owner)
    auth.login(owner)
    small = _queries(app, client, "/dashboard")
    for _ in range(6):
        make_business(owner=owner)
    assert _queries(app, client, "/dashboard") == small
