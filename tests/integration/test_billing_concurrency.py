"""Money under simultaneous requests on PostgreSQL: one payment per webhook event, no oversold
paid seat, and a subsidy budget that never goes below zero."""

import json

import pytest
import sqlalchemy as sa

from portal.billing.models import Payment, PaymentStatus, StripeEvent, SubsidyProgramme
from portal.extensions import db
from portal.training.models import Enrolment, EnrolmentState
from tests.conftest import PASSWORD, all_at_once
from tests.factories import add_programme, new_training, owner_with_held_seat, payment_of
from tests.stripe_support import pay_by_card, sign, stripe_event

pytestmark = pytest.mark.postgres_only


def _signed_in(app, owner):
    client = app.test_client()
    client.post("/auth/login", data={"login": owner.login, "password": PASSWORD})
    return client


def test_same_webhook_delivered_ten_times_at_once_pays_once(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    pay_by_card(client, held.enrolment_id, stripe_on)
    event = stripe_event(stripe_on, payment_of(app, held.enrolment_id).stripe_payment_intent_id)
    payload = json.dumps(event).encode()

    def deliver():
        response = app.test_client().post(
            "/billing/stripe/webhook", data=payload, headers={"Stripe-Signature": sign(payload)}
        )
        return response.status_code, response.get_json()["outcome"]

    results = all_at_once([deliver] * 10)

    assert sorted(results) == [(200, "applied")] + [(200, "duplicate")] * 9
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StripeEvent.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1
        assert db.session.scalar(sa.select(Payment.status)) == PaymentStatus.SUCCEEDED


@pytest.mark.parametrize("people", [2, 5])
def test_owners_racing_for_the_last_paid_seat_never_oversell_it(
    app, make_user, make_business, trainer, stripe_on, people
):
    t = new_training(app, trainer, capacity=1, fee_vnd=500_000)
    clients = []
    for _ in range(people):
        owner = make_user()
        business = make_business(owner=owner)
        clients.append((_signed_in(app, owner), business))

    def enrol(client, business):
        return lambda: (
            client.post(
                f"/training/cohorts/{t.cohort_id}/enrol", data={"business": str(business.id)}
            ).status_code
        )

    statuses = all_at_once([enrol(c, b) for c, b in clients])

    assert statuses == [302] * people
    with app.app_context():
        states = db.session.scalars(sa.select(Enrolment.state)).all()
        assert states.count(EnrolmentState.ENROLLED) == 1
        assert states.count(EnrolmentState.WAITLISTED) == people - 1
        # Only the seat holder owes (and may pay) the fee.
        assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1


def test_subsidy_budget_never_goes_below_zero_under_simultaneous_enrolments(
    app, make_user, make_business, trainer, stripe_on
):
    t = new_training(app, trainer, capacity=20, fee_vnd=500_000)
    programme_id = add_programme(app, course_id=t.course_id, share_pct=60, budget_vnd=1_000_000)
    clients = []
    for _ in range(8):
        owner = make_user()
        business = make_business(owner=owner)
        clients.append((_signed_in(app, owner), business))

    def enrol(client, business):
        return lambda: (
            client.post(
                f"/training/cohorts/{t.cohort_id}/enrol", data={"business": str(business.id)}
            ).status_code
        )

    statuses = all_at_once([enrol(c, b) for c, b in clients])

    assert statuses == [302] * 8
    with app.app_context():
        programme = db.session.get(SubsidyProgramme, programme_id)
        granted = db.session.scalars(sa.select(Payment.subsidy_vnd)).all()
        assert len(granted) == 8
        assert sum(granted) == programme.spent_vnd == 1_000_000
        assert programme.remaining_vnd == 0
        # Three full shares of 300,000, then the last 100,000, then nothing.
        assert sorted(granted, reverse=True) == [300_000] * 3 + [100_000] + [0] * 4
