"""Capacity holds under simultaneous enrolments: real concurrent requests on PostgreSQL."""

import threading

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.training.models import Enrolment, EnrolmentEvent, EnrolmentState
from tests.conftest import PASSWORD
from tests.factories import new_training

pytestmark = pytest.mark.postgres_only


def _enrol_all_at_once(app, cohort_id, owners_and_businesses):
    """Sign every owner in, then fire all enrolment requests at the same moment."""
    clients = []
    for owner, business in owners_and_businesses:
        client = app.test_client()
        client.post("/auth/login", data={"login": owner.login, "password": PASSWORD})
        clients.append((client, business))
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def enrol(client, business):
        barrier.wait()
        response = client.post(
            f"/training/cohorts/{cohort_id}/enrol", data={"business": str(business.id)}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=enrol, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


@pytest.mark.parametrize("capacity,people", [(1, 2), (1, 2), (1, 2), (3, 8)])
def test_simultaneous_enrolments_never_exceed_capacity(
    app, make_user, make_business, capacity, people
):
    trainer = make_user(role="trainer")
    t = new_training(app, trainer, capacity=capacity)
    pairs = []
    for _ in range(people):
        owner = make_user()
        pairs.append((owner, make_business(owner=owner)))

    statuses = _enrol_all_at_once(app, t.cohort_id, pairs)

    assert statuses == [302] * people
    with app.app_context():
        states = db.session.scalars(
            sa.select(Enrolment.state).where(Enrolment.cohort_id == t.cohort_id)
        ).all()
        assert states.count(EnrolmentState.ENROLLED) == capacity
        assert states.count(EnrolmentState.WAITLISTED) == people - capacity
        # Every request left exactly one event.
        assert db.session.scalar(sa.select(sa.func.count(EnrolmentEvent.id))) == people
