"""Fees end to end against localstripe: price and subsidy, card payment through the gateway,
signed webhooks (idempotent, out of order, forged), seat holds, refunds, receipts, the report.

The suite's localstripe is the Stripe API here (tests/stripe_support.py: its fixtures and calls).
"""

import json
import logging
import subprocess
import time
from datetime import timedelta

import sqlalchemy as sa

from portal import clock
from portal.auth.models import Role
from portal.billing import operations
from portal.billing import stripe_gateway as gateway
from portal.billing.models import Payment, PaymentStatus, StripeEvent, SubsidyProgramme
from portal.businesses.models import BusinessKind, Sector
from portal.clock import utcnow
from portal.extensions import db
from portal.training.models import Enrolment, EnrolmentState
from tests.conftest import HA_NOI
from tests.factories import (
    EN,
    add_programme,
    enrol_now,
    events_of,
    new_training,
    owner_with_held_seat,
    paid_course,
    payment_of,
)
from tests.stripe_support import (
    DECLINED,
    deliver,
    localstripe,
    paid_by_card,
    pay_by_card,
    sign,
    stripe_event,
)

# ------------------------------------------------------------------------ price, subsidy


def test_price_page_shows_fee_subsidy_and_what_is_left_in_vnd(
    app, client, auth, make_user, make_business, trainer
):
    add_programme(app, share_pct=40, budget_vnd=10_000_000)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    page = client.get(f"/billing/enrolments/{held.enrolment_id}", headers=EN).get_data(True)
    assert "500,000" in page and "200,000" in page and "300,000" in page
    assert "Digital transition aid" in page and "40%" in page
    vi = client.get(f"/billing/enrolments/{held.enrolment_id}").get_data(as_text=True)
    assert "300.000" in vi and "₫" in vi


def test_subsidy_limited_to_households_and_a_sector(app, make_business, trainer):
    add_programme(app, share_pct=50, households_only=True, sector=Sector.AGRICULTURE)
    household = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.AGRICULTURE)
    enterprise = make_business(kind=BusinessKind.ENTERPRISE, sector=Sector.AGRICULTURE)
    other_sector = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
    t = paid_course(app, trainer)
    grants = {}
    for name, business in [("h", household), ("e", enterprise), ("s", other_sector)]:
        grants[name] = payment_of(app, enrol_now(app, t.cohort_id, business.id)).subsidy_vnd
    assert grants == {"h": 250_000, "e": 0, "s": 0}


def test_course_programme_beats_province_programme_and_budget_runs_out(app, make_business, trainer):
    add_programme(app, share_pct=20)
    t = paid_course(app, trainer)
    course_programme = add_programme(app, course_id=t.course_id, share_pct=100, budget_vnd=700_000)
    first, second, third = (make_business() for _ in range(3))
    p1 = payment_of(app, enrol_now(app, t.cohort_id, first.id))
    p2 = payment_of(app, enrol_now(app, t.cohort_id, second.id))
    p3 = payment_of(app, enrol_now(app, t.cohort_id, third.id))
    assert (p1.subsidy_vnd, p1.amount_vnd, p1.status) == (500_000, 0, PaymentStatus.SUBSIDISED)
    # 200,000 left in the course's budget is still more than the province's 20% (100,000).
    assert (p2.subsidy_vnd, p2.amount_vnd, p2.status) == (200_000, 300_000, PaymentStatus.AWAITING)
    assert (p3.subsidy_vnd, p3.amount_vnd) == (100_000, 400_000)
    with app.app_context():
        programme = db.session.get(SubsidyProgramme, course_programme)
        assert programme.spent_vnd == 700_000 and programme.remaining_vnd == 0


def test_fully_subsidised_enrolment_needs_no_payment(
    app, client, auth, make_user, make_business, trainer
):
    add_programme(app, share_pct=100)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    with app.app_context():
        enrolment = db.session.get(Enrolment, held.enrolment_id)
        assert enrolment.paid_at is not None and not enrolment.requires_payment
    auth.login(owner)
    page = client.get(f"/billing/enrolments/{held.enrolment_id}", headers=EN).get_data(True)
    assert "Fully subsidised" in page and "pay-form" not in page


# ----------------------------------------------------------------------- no Stripe keys


def test_without_keys_paid_enrolment_is_refused_and_free_courses_work(
    app, client, auth, make_user, make_business, trainer
):
    assert not app.config.get("STRIPE_SECRET_KEY")
    owner = make_user()
    business = make_business(owner=owner)
    paid = paid_course(app, trainer)
    free = new_training(app, trainer, title_en="Free course")
    auth.login(owner)
    response = client.post(
        f"/training/cohorts/{paid.cohort_id}/enrol",
        data={"business": str(business.id)},
        headers=EN,
        follow_redirects=True,
    )
    assert "Card payment is not available" in response.get_data(as_text=True)
    response = client.post(
        f"/training/cohorts/{free.cohort_id}/enrol",
        data={"business": str(business.id)},
        headers=EN,
        follow_redirects=True,
    )
    assert "is enrolled" in response.get_data(as_text=True)
    with app.app_context():
        states = db.session.scalars(sa.select(Enrolment.cohort_id)).all()
        assert states == [free.cohort_id]


def test_without_keys_a_fully_subsidised_seat_still_works(
    app, client, auth, make_user, make_business, trainer
):
    add_programme(app, share_pct=100)
    owner = make_user()
    business = make_business(owner=owner)
    paid = paid_course(app, trainer)
    auth.login(owner)
    client.post(f"/training/cohorts/{paid.cohort_id}/enrol", data={"business": str(business.id)})
    with app.app_context():
        enrolment = db.session.scalar(sa.select(Enrolment))
        assert enrolment.state == EnrolmentState.ENROLLED and enrolment.paid_at is not None


# ------------------------------------------------------------------ card payment, webhook


def test_card_payment_is_processing_until_the_signed_webhook_then_paid(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner = make_user()
    business = make_business(owner=owner)
    t = paid_course(app, trainer)
    auth.login(owner)
    response = client.post(
        f"/training/cohorts/{t.cohort_id}/enrol", data={"business": str(business.id)}
    )
    with app.app_context():
        enrolment_id = db.session.scalar(sa.select(Enrolment.id))
    assert response.headers["Location"] == f"/billing/enrolments/{enrolment_id}"
    page = client.get(f"/billing/enrolments/{enrolment_id}", headers=EN)
    csp = page.headers["Content-Security-Policy"]
    assert f"script-src 'self' {stripe_on}" in csp and "pay-form" in page.get_data(as_text=True)

    assert pay_by_card(client, enrolment_id, stripe_on).status_code == 302
    payment = payment_of(app, enrolment_id)
    assert payment.status == PaymentStatus.PROCESSING
    intent = localstripe(stripe_on, f"/v1/payment_intents/{payment.stripe_payment_intent_id}")
    assert (intent["amount"], intent["currency"], intent["status"]) == (500_000, "vnd", "succeeded")
    page = client.get(f"/billing/enrolments/{enrolment_id}", headers=EN).get_data(as_text=True)
    assert "Payment processing" in page and "fee is paid" not in page

    event = stripe_event(stripe_on, payment.stripe_payment_intent_id)
    assert deliver(client, event).status_code == 200
    payment = payment_of(app, enrolment_id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.paid_at is not None
    with app.app_context():
        assert not db.session.get(Enrolment, enrolment_id).requires_payment
    page = client.get(f"/billing/enrolments/{enrolment_id}", headers=EN).get_data(as_text=True)
    assert "the fee is paid" in page
    # The other pages never load Stripe.js.
    assert stripe_on not in client.get("/training/mine").headers["Content-Security-Policy"]


def test_same_webhook_ten_times_gives_one_paid_enrolment(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    pay_by_card(client, held.enrolment_id, stripe_on)
    event = stripe_event(stripe_on, payment_of(app, held.enrolment_id).stripe_payment_intent_id)
    outcomes = [deliver(client, event).get_json()["outcome"] for _ in range(10)]
    assert outcomes == ["applied"] + ["duplicate"] * 9
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(StripeEvent.id))) == 1
        assert db.session.scalar(sa.select(Payment.status)) == PaymentStatus.SUCCEEDED


def test_late_failure_event_after_success_changes_nothing(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    pay_by_card(client, held.enrolment_id, stripe_on)
    intent_id = payment_of(app, held.enrolment_id).stripe_payment_intent_id
    deliver(client, stripe_event(stripe_on, intent_id))
    failed = stripe_event(stripe_on, intent_id) | {
        "id": "evt_out_of_order",
        "type": "payment_intent.payment_failed",
    }
    assert deliver(client, failed).get_json()["outcome"] == "stale"
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.SUCCEEDED
    with app.app_context():
        assert db.session.get(Enrolment, held.enrolment_id).state == EnrolmentState.ENROLLED


def test_forged_webhook_is_refused_and_logged(
    app, client, auth, make_user, make_business, trainer, stripe_on, caplog, monkeypatch
):
    # Alembic's logging setup (run by the test app's upgrade) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("portal.billing.views"), "disabled", False)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    pay_by_card(client, held.enrolment_id, stripe_on)
    event = stripe_event(stripe_on, payment_of(app, held.enrolment_id).stripe_payment_intent_id)
    assert deliver(client, event, secret="whsec_forged").status_code == 400
    payload = json.dumps(event).encode()
    unsigned = client.post("/billing/stripe/webhook", data=payload)
    assert unsigned.status_code == 400
    # A genuine signature replayed on a changed body.
    header = sign(payload)
    tampered = payload.replace(b"succeeded", b"succeedeD")
    replay = client.post(
        "/billing/stripe/webhook", data=tampered, headers={"Stripe-Signature": header}
    )
    assert replay.status_code == 400
    old = client.post(
        "/billing/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": sign(payload, timestamp=int(time.time()) - 3600)},
    )
    assert old.status_code == 400
    assert "refused a Stripe webhook" in caplog.text
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.PROCESSING
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StripeEvent.id))) == 0


def test_unknown_event_type_is_acknowledged_and_ignored(client, stripe_on):
    event = {
        "id": "evt_unknown_1",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    response = deliver(client, event)
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_refused_card_releases_the_seat_and_the_subsidy(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    programme = add_programme(app, share_pct=10, budget_vnd=1_000_000)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    response = pay_by_card(client, held.enrolment_id, stripe_on, number=DECLINED)
    assert response.status_code == 302
    payment = payment_of(app, held.enrolment_id)
    assert payment.status == PaymentStatus.FAILED and payment.failure_code == "card_declined"
    with app.app_context():
        assert db.session.get(Enrolment, held.enrolment_id).state == EnrolmentState.CANCELLED
        assert db.session.get(SubsidyProgramme, programme).spent_vnd == 0


def test_expired_hold_is_released_and_the_waitlist_moves_up(app, make_business, trainer, stripe_on):
    t = paid_course(app, trainer, capacity=1)
    first = enrol_now(app, t.cohort_id, make_business().id)
    second = enrol_now(app, t.cohort_id, make_business().id)
    with app.app_context():
        db.session.get(Payment, payment_of(app, first).id).hold_expires_at = utcnow()
        db.session.commit()
        assert operations.release_expired() == 1
        db.session.commit()
        assert db.session.get(Enrolment, first).state == EnrolmentState.CANCELLED
        assert db.session.get(Enrolment, second).state == EnrolmentState.ENROLLED
    assert payment_of(app, first).status == PaymentStatus.EXPIRED
    assert payment_of(app, second).status == PaymentStatus.AWAITING


# ----------------------------------------------------------------------------- refunds


def test_cancel_before_deadline_refunds_through_stripe(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    programme = add_programme(app, share_pct=20)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, held.enrolment_id)
    page = client.get(f"/billing/enrolments/{held.enrolment_id}/cancel", headers=EN)
    assert "will be refunded" in page.get_data(as_text=True)
    client.post(f"/billing/enrolments/{held.enrolment_id}/cancel")
    payment = payment_of(app, held.enrolment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_vnd == 400_000
    refunds = localstripe(stripe_on, "/v1/refunds")["data"]
    assert any(r["id"] == payment.stripe_refund_id and r["amount"] == 400_000 for r in refunds)
    with app.app_context():
        assert db.session.get(Enrolment, held.enrolment_id).state == EnrolmentState.CANCELLED
        assert db.session.get(SubsidyProgramme, programme).spent_vnd == 0


def test_cancel_after_deadline_warns_and_does_not_refund(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    paid_by_card(app, client, stripe_on, held.enrolment_id)
    with app.app_context():
        db.session.get(Enrolment, held.enrolment_id).cohort.enrolment_deadline = (
            clock.today() - timedelta(days=2)
        )
        db.session.commit()
    page = client.get(f"/billing/enrolments/{held.enrolment_id}/cancel", headers=EN)
    assert "will not be refunded" in page.get_data(as_text=True)
    client.post(f"/billing/enrolments/{held.enrolment_id}/cancel")
    payment = payment_of(app, held.enrolment_id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.refund_vnd == 0


def test_staff_refund_by_hand_and_see_the_money_report(
    app, client, auth, make_user, make_business, trainer, staff, stripe_on
):
    add_programme(app, share_pct=20, budget_vnd=5_000_000)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, held.enrolment_id)
    auth.logout()
    auth.login(staff)
    page = client.get("/billing/report", headers=EN).get_data(as_text=True)
    assert "Paid course" in page and "400,000" in page and "100,000" in page
    assert "4,900,000" in page  # the budget left
    client.post(f"/billing/payments/{payment.id}/refund")
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.REFUNDED
    page = client.get("/billing/report", headers=EN).get_data(as_text=True)
    assert page.count("400,000") >= 2  # collected, and refunded
    # Another province's staff sees none of it.
    auth.logout()
    auth.login(make_user(role=Role.STAFF, province_code=HA_NOI))
    page = client.get("/billing/report", headers=EN).get_data(as_text=True)
    assert "Paid course" not in page
    assert client.post(f"/billing/payments/{payment.id}/refund").status_code == 404


def test_price_page_states_the_refund_deadline_before_the_owner_pays(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    page = client.get(f"/billing/enrolments/{held.enrolment_id}", headers=EN).get_data(True)
    assert "You can cancel until" in page and "cancelling gives no refund" in page
    with app.app_context():
        deadline = db.session.get(Enrolment, held.enrolment_id).cohort.enrolment_deadline
    assert str(deadline.year) in page
    # Read before the card form, not after it.
    assert page.index('id="refund-policy"') < page.index('id="pay-form"')

    with app.app_context():
        db.session.get(Enrolment, held.enrolment_id).cohort.enrolment_deadline = (
            clock.today() - timedelta(days=1)
        )
        db.session.commit()
    page = client.get(f"/billing/enrolments/{held.enrolment_id}", headers=EN).get_data(True)
    assert "has passed: if you cancel now, nothing is refunded" in page
    assert page.index('id="refund-policy"') < page.index('id="pay-form"')


def test_no_refund_statement_for_a_fully_subsidised_seat(
    app, client, auth, make_user, make_business, trainer
):
    add_programme(app, share_pct=100)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    page = client.get(f"/billing/enrolments/{held.enrolment_id}", headers=EN).get_data(True)
    assert "refund-policy" not in page


# ------------------------------------------------------------- refunds made in Stripe


def refund_in_stripe(url: str, intent_id: str, amount: int | None = None) -> dict:
    """Refund as a person would in Stripe's dashboard: straight at Stripe, not via the portal."""
    data = {"payment_intent": intent_id} | ({"amount": str(amount)} if amount else {})
    return localstripe(url, "/v1/refunds", data)


def charge_refunded_event(url: str, intent_id: str, event_id: str) -> dict:
    """The ``charge.refunded`` event Stripe sends, built from localstripe's charge (localstripe
    itself sends no refund events)."""
    intent = localstripe(url, f"/v1/payment_intents/{intent_id}")
    charge_id = intent["latest_charge"]
    charge_id = charge_id["id"] if isinstance(charge_id, dict) else charge_id
    charge = localstripe(url, f"/v1/charges/{charge_id}")
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "type": "charge.refunded",
        "data": {"object": charge},
    }


def test_refund_made_in_stripe_releases_the_seat_and_returns_the_subsidy(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    programme = add_programme(app, share_pct=20, budget_vnd=5_000_000)
    t = paid_course(app, trainer, capacity=1)
    owner = make_user()
    business = make_business(owner=owner)
    enrolment_id = enrol_now(app, t.cohort_id, business.id)
    waiting_id = enrol_now(app, t.cohort_id, make_business().id)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, enrolment_id)
    assert payment.status == PaymentStatus.SUCCEEDED

    refund = refund_in_stripe(stripe_on, payment.stripe_payment_intent_id)
    event = charge_refunded_event(stripe_on, payment.stripe_payment_intent_id, "evt_dash_1")
    response = deliver(client, event)
    assert response.status_code == 200 and response.get_json()["outcome"] == "applied"

    payment = payment_of(app, enrolment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_vnd == 400_000
    assert payment.stripe_refund_id == refund["id"] and payment.refunded_by_id is None
    assert payment.subsidy_returned
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment.state == EnrolmentState.CANCELLED and enrolment.paid_at is None
        # The freed seat went to the waitlist, whose own subsidy is now the only one held.
        assert db.session.get(Enrolment, waiting_id).state == EnrolmentState.ENROLLED
        assert db.session.get(SubsidyProgramme, programme).spent_vnd == 100_000
    assert events_of(app, enrolment_id)[-1] == "cancelled"

    # The same event again, a refund webhook about the same refund, and the late success event.
    assert deliver(client, event).get_json()["outcome"] == "duplicate"
    refund_event = {
        "id": "evt_dash_2",
        "object": "event",
        "type": "refund.created",
        "data": {"object": refund},
    }
    assert deliver(client, refund_event).get_json()["outcome"] == "stale"
    late = stripe_event(stripe_on, payment.stripe_payment_intent_id) | {"id": "evt_dash_3"}
    assert deliver(client, late).get_json()["outcome"] == "stale"
    assert payment_of(app, enrolment_id).status == PaymentStatus.REFUNDED
    with app.app_context():
        assert db.session.get(SubsidyProgramme, programme).spent_vnd == 100_000
    refunds = localstripe(
        stripe_on, f"/v1/refunds?payment_intent={payment.stripe_payment_intent_id}"
    )["data"]
    assert len(refunds) == 1


def test_refund_in_stripe_before_the_success_event_is_applied_once(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    programme = add_programme(app, share_pct=20)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    pay_by_card(client, held.enrolment_id, stripe_on)
    intent_id = payment_of(app, held.enrolment_id).stripe_payment_intent_id
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.PROCESSING

    refund_in_stripe(stripe_on, intent_id)
    event = charge_refunded_event(stripe_on, intent_id, "evt_early_refund")
    assert deliver(client, event).get_json()["outcome"] == "applied"
    # The success event arrives last: the money is already back, nothing more happens.
    assert deliver(client, stripe_event(stripe_on, intent_id)).get_json()["outcome"] == "stale"

    payment = payment_of(app, held.enrolment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_vnd == 400_000
    assert payment.paid_at is not None
    with app.app_context():
        assert db.session.get(Enrolment, held.enrolment_id).state == EnrolmentState.CANCELLED
        assert db.session.get(SubsidyProgramme, programme).spent_vnd == 0
    assert len(localstripe(stripe_on, f"/v1/refunds?payment_intent={intent_id}")["data"]) == 1


def test_echo_of_a_refund_made_in_the_portal_changes_nothing(
    app, client, auth, make_user, make_business, trainer, staff, stripe_on
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, held.enrolment_id)
    auth.logout()
    auth.login(staff)
    client.post(f"/billing/payments/{payment.id}/refund")
    refunded = payment_of(app, held.enrolment_id)
    assert refunded.status == PaymentStatus.REFUNDED
    event = charge_refunded_event(stripe_on, payment.stripe_payment_intent_id, "evt_echo")
    assert deliver(client, event).get_json()["outcome"] == "stale"
    after = payment_of(app, held.enrolment_id)
    assert (after.refunded_by_id, after.refunded_at) == (
        refunded.refunded_by_id,
        refunded.refunded_at,
    )
    with app.app_context():
        # A refund by hand keeps the place.
        assert db.session.get(Enrolment, held.enrolment_id).state == EnrolmentState.ENROLLED


def test_partial_refund_in_stripe_keeps_the_seat_and_cancelling_refunds_the_rest(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, held.enrolment_id)
    refund_in_stripe(stripe_on, payment.stripe_payment_intent_id, amount=100_000)
    event = charge_refunded_event(stripe_on, payment.stripe_payment_intent_id, "evt_partial")
    assert deliver(client, event).get_json()["outcome"] == "applied"
    payment = payment_of(app, held.enrolment_id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.refund_vnd == 100_000
    with app.app_context():
        assert db.session.get(Enrolment, held.enrolment_id).state == EnrolmentState.ENROLLED

    page = client.get(f"/billing/enrolments/{held.enrolment_id}/cancel", headers=EN)
    assert "will be refunded" in page.get_data(as_text=True)
    response = client.post(
        f"/billing/enrolments/{held.enrolment_id}/cancel", headers=EN, follow_redirects=True
    )
    assert "400,000 will be refunded" in response.get_data(as_text=True)
    payment = payment_of(app, held.enrolment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_vnd == 500_000
    refunds = localstripe(
        stripe_on, f"/v1/refunds?payment_intent={payment.stripe_payment_intent_id}"
    )["data"]
    assert sorted(r["amount"] for r in refunds) == [100_000, 400_000]


def test_refund_event_while_stripe_is_unreachable_is_retried_later(
    app, client, auth, make_user, make_business, trainer, stripe_on, monkeypatch
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, held.enrolment_id)
    refund_in_stripe(stripe_on, payment.stripe_payment_intent_id)
    event = charge_refunded_event(stripe_on, payment.stripe_payment_intent_id, "evt_retry")

    def unreachable(charge_id):
        raise gateway.GatewayError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(gateway, "charge_refunds", unreachable)
        assert deliver(client, event).status_code == 503
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.SUCCEEDED
    # Stripe delivers it again: now it is applied.
    assert deliver(client, event).get_json()["outcome"] == "applied"
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.REFUNDED


# ----------------------------------------------------------------------------- receipts


def test_owner_sees_payments_and_downloads_the_receipt_pdf(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    add_programme(app, share_pct=20)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, held.enrolment_id)
    page = client.get("/billing/payments", headers=EN).get_data(as_text=True)
    assert "Paid course" in page and "Receipt (PDF)" in page
    response = client.get(f"/billing/payments/{payment.id}/receipt.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    assert "500.000" in text and "100.000" in text and "400.000" in text
    other = make_user()
    auth.logout()
    auth.login(other)
    assert client.get(f"/billing/payments/{payment.id}/receipt.pdf").status_code == 404
