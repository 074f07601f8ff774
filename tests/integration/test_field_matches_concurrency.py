"""Two staff members deciding the same proposed match at the same moment: real concurrent
requests on PostgreSQL; the field record is merged (or dismissed) once."""

import pytest
import sqlalchemy as sa

from portal.assess.models import Assessment
from portal.auth.models import Role
from portal.businesses.models import Business
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.field.models import FieldHousehold
from tests.conftest import PASSWORD, QUANG_NINH, all_at_once
from tests.factories import FIELD_COMMUNES, field_helper, field_match

pytestmark = pytest.mark.postgres_only

PHONE = "0987001122"


def _proposal(app, client, auth, make_user, make_business):
    helper = field_helper(app, make_user, FIELD_COMMUNES[:1])
    existing = make_business(owner=make_user(phone=PHONE), commune_code=FIELD_COMMUNES[0])
    return existing, field_match(app, client, auth, helper, PHONE, FIELD_COMMUNES[0])


def _staff_clients(app, make_user, n):
    clients = []
    for _ in range(n):
        staff = make_user(role=Role.STAFF, province_code=QUANG_NINH)
        c = app.test_client()
        assert (
            c.post("/auth/login", data={"login": staff.login, "password": PASSWORD}).status_code
            == 302
        )
        clients.append(c)
    return clients


@pytest.mark.parametrize("people", [2, 4])
def test_staff_pressing_merge_at_once_merge_once(
    app, client, auth, make_user, make_business, people
):
    existing, household_id = _proposal(app, client, auth, make_user, make_business)
    with app.app_context():
        placeholder_id = db.session.get(FieldHousehold, household_id).business_id
        businesses = db.session.scalar(sa.select(sa.func.count(Business.id)))
    clients = _staff_clients(app, make_user, people)
    url = f"/field/matches/{household_id}/merge"
    responses = all_at_once([lambda c=c: c.post(url) for c in clients])
    assert [r.status_code for r in responses] == [302] * people
    # One went to the business, every other one back to the list with "already decided".
    assert sum(r.headers["Location"].endswith(f"/businesses/{existing.id}") for r in responses) == 1
    with app.app_context():
        household = db.session.get(FieldHousehold, household_id)
        assert household.match_decision == "merged"
        assert db.session.get(Business, placeholder_id) is None
        assert db.session.scalar(sa.select(sa.func.count(Business.id))) == businesses - 1
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Assessment.id)).where(Assessment.business_id == existing.id)
            )
            == 1
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count(ClaimCode.id)).where(ClaimCode.business_id == existing.id)
            )
            == 1
        )


def test_a_merge_and_a_dismissal_at_once_decide_once(app, client, auth, make_user, make_business):
    _existing, household_id = _proposal(app, client, auth, make_user, make_business)
    merger, dismisser = _staff_clients(app, make_user, 2)
    responses = all_at_once(
        [
            lambda: merger.post(f"/field/matches/{household_id}/merge"),
            lambda: dismisser.post(f"/field/matches/{household_id}/dismiss"),
        ]
    )
    assert [r.status_code for r in responses] == [302, 302]
    with app.app_context():
        household = db.session.get(FieldHousehold, household_id)
        assert household.match_decision in ("merged", "dismissed")
        placeholder_left = household.business_id is not None
        assert placeholder_left == (household.match_decision == "dismissed")
