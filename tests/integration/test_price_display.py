"""The price page is read-only: a GET writes nothing and asks Stripe nothing, in every state of
a seat, and shows a hold that ran out as released, exactly as the release (by the cron, or the
next POST that needs the seat) leaves it. Paying through localstripe still works."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from portal.billing import operations
from portal.billing import queries as billing_queries
from portal.billing import stripe_gateway as gateway
from portal.billing.models import Payment, PaymentStatus
from portal.clock import utcnow
from portal.extensions import db
from portal.training.models import Enrolment, EnrolmentState
from tests.factories import (
    EN,
    add_programme,
    enrol_now,
    owner_with_held_seat,
    paid_course,
    payment_of,
)
from tests.stripe_support import deliver, pay_by_card, stripe_event

#: The audit log records who opened the page (a read of payment data): that row is the point.
AUDIT_TABLE = "audit_events"


@contextmanager
def writes_to(engine) -> Iterator[list[str]]:
    """Collect the INSERT, UPDATE and DELETE statements sent inside the block (audit excepted)."""
    found: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE") and AUDIT_TABLE not in statement:
            found.append(statement)

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield found
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def _get_page(app, client, enrolment_id: int) -> tuple[str, list[str]]:
    """GET the price page; return its content and the writes it made."""
    with app.app_context(), writes_to(db.engine) as found:
        response = client.get(f"/billing/enrolments/{enrolment_id}", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")], found


def _lapse(app, payment_id: int) -> None:
    with app.app_context():
        db.session.get(Payment, payment_id).hold_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def _state(app, enrolment_id: int) -> tuple[EnrolmentState, PaymentStatus]:
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).state, payment_of(app, enrolment_id).status


def _no_stripe(monkeypatch) -> list[str]:
    """Record every call to Stripe the page would make (none expected)."""
    calls: list[str] = []

    def client():
        calls.append("stripe")
        raise AssertionError("a GET asked Stripe")

    monkeypatch.setattr(gateway, "_client", client)
    return calls


def test_a_get_of_the_price_page_writes_nothing_in_any_state(
    app, client, auth, make_user, make_business, trainer, monkeypatch
):
    calls = _no_stripe(monkeypatch)
    owner, business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    page, found = _get_page(app, client, held.enrolment_id)  # held, awaiting payment
    assert "Waiting for payment" in page and found == []
    # Waitlisted behind a full class, before any payment.
    full = paid_course(app, trainer, capacity=1)
    enrol_now(app, full.cohort_id, make_business().id)
    waiting = enrol_now(app, full.cohort_id, business.id)
    page, found = _get_page(app, client, waiting)
    assert "You are on the waitlist" in page and found == []
    # Fully subsidised.
    add_programme(app, share_pct=100)
    subsidised = enrol_now(app, paid_course(app, trainer).cohort_id, business.id)
    page, found = _get_page(app, client, subsidised)
    assert "Fully subsidised" in page and found == []
    # A hold that ran out.
    _lapse(app, held.payment_id)
    page, found = _get_page(app, client, held.enrolment_id)
    assert "Time to pay ran out" in page and found == []
    assert calls == []


def test_a_lapsed_hold_shows_as_the_release_leaves_it_without_releasing(
    app, client, auth, make_user, make_business, trainer
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    _get_page(app, client, held.enrolment_id)  # shows the sign-in message: compare from here
    _lapse(app, held.payment_id)
    before, found = _get_page(app, client, held.enrolment_id)
    assert found == []
    assert _state(app, held.enrolment_id) == (EnrolmentState.ENROLLED, PaymentStatus.AWAITING)
    assert 'class="state state--expired"' in before
    assert "The place was released and no money was taken" in before
    assert "pay-form" not in before and "Cancel this enrolment" not in before
    # The cron's release: the page says the same once it is done.
    with app.app_context():
        assert operations.release_expired() == 1
        db.session.commit()
    assert _state(app, held.enrolment_id) == (EnrolmentState.CANCELLED, PaymentStatus.EXPIRED)
    after, _found = _get_page(app, client, held.enrolment_id)
    assert after == before


def test_a_payment_sent_to_stripe_stays_processing_until_stripe_is_asked_by_the_cron(
    app, client, auth, make_user, make_business, trainer, monkeypatch
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    with app.app_context():
        payment = db.session.get(Payment, held.payment_id)
        payment.status = PaymentStatus.PROCESSING
        payment.stripe_payment_intent_id = "pi_sent"
        payment.hold_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    calls = _no_stripe(monkeypatch)
    auth.login(owner)
    page, found = _get_page(app, client, held.enrolment_id)
    assert "Payment processing" in page and 'data-refresh="3"' in page
    assert found == [] and calls == []


def test_the_pay_post_releases_a_lapsed_hold_and_the_waitlist_moves_up(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner = make_user()
    business = make_business(owner=owner)
    t = paid_course(app, trainer, capacity=1)
    first = enrol_now(app, t.cohort_id, business.id)
    second = enrol_now(app, t.cohort_id, make_business().id)
    _lapse(app, payment_of(app, first).id)
    auth.login(owner)
    _page, found = _get_page(app, client, first)
    assert found == []
    with app.app_context():
        assert db.session.get(Enrolment, second).state == EnrolmentState.WAITLISTED
    response = pay_by_card(client, first, stripe_on)
    assert response.status_code == 302
    assert _state(app, first) == (EnrolmentState.CANCELLED, PaymentStatus.EXPIRED)
    assert _state(app, second) == (EnrolmentState.ENROLLED, PaymentStatus.AWAITING)


def test_paying_by_card_through_localstripe_with_read_only_pages(
    app, client, auth, make_user, make_business, trainer, stripe_on
):
    owner = make_user()
    business = make_business(owner=owner)
    t = paid_course(app, trainer)
    auth.login(owner)
    response = client.post(
        f"/training/cohorts/{t.cohort_id}/enrol", data={"business": str(business.id)}
    )
    enrolment_id = int(re.search(r"/billing/enrolments/(\d+)$", response.headers["Location"])[1])
    page, found = _get_page(app, client, enrolment_id)
    assert "pay-form" in page and found == []

    assert pay_by_card(client, enrolment_id, stripe_on).status_code == 302
    payment = payment_of(app, enrolment_id)
    assert payment.status == PaymentStatus.PROCESSING
    page, found = _get_page(app, client, enrolment_id)
    assert "Payment processing" in page and found == []

    assert deliver(client, stripe_event(stripe_on, payment.stripe_payment_intent_id)).status_code
    assert payment_of(app, enrolment_id).status == PaymentStatus.SUCCEEDED
    page, found = _get_page(app, client, enrolment_id)
    assert "the fee is paid" in page and "Receipt (PDF)" in page and found == []


def test_price_state_shows_a_lapsed_hold_released(app, make_user, make_business, trainer):
    _owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    with app.app_context():
        enrolment = db.session.get(Enrolment, held.enrolment_id)
        payment = db.session.get(Payment, held.payment_id)
        until = payment.hold_expires_at
        shown = billing_queries.price_state(enrolment, payment, until - timedelta(seconds=1))
        assert shown == billing_queries.PriceState(PaymentStatus.AWAITING, EnrolmentState.ENROLLED)
        shown = billing_queries.price_state(enrolment, payment, until)
        assert shown == billing_queries.PriceState(PaymentStatus.EXPIRED, EnrolmentState.CANCELLED)
        payment.stripe_payment_intent_id = "pi_sent"  # Stripe must be asked first: no guess
        assert not billing_queries.is_lapsed(payment, until)
        db.session.rollback()
