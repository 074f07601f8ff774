"""A Stripe that hangs: the card payment gives up after the timeout (and its retries) with a
message, keeps the seat held, and never blocks the class for others meanwhile; a refund Stripe
cannot be asked for is recorded as owed and sent by the cron job once Stripe answers.

The stand-in for Stripe is a local HTTP server that accepts every request and answers nothing.
"""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.billing import stripe_gateway as gateway
from portal.billing.models import PaymentStatus, SubsidyProgramme
from portal.extensions import db
from portal.training.models import Cohort, Enrolment, EnrolmentState
from tests.conftest import PASSWORD
from tests.factories import EN, add_programme, enrol_now, owner_with_held_seat, payment_of, state_of
from tests.stripe_support import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, paid_by_card

UNANSWERED = "The payment service could not be reached or did not answer in time."


class HangingStripe:
    """A server that takes requests and answers none until ``release`` is set (then it hangs up)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.requests: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _hang(self) -> None:
                stand_in.requests.append(f"{self.command} {self.path}")
                stand_in.arrived.set()
                stand_in.release.wait(timeout=60)
                self.close_connection = True

            do_GET = do_POST = do_DELETE = _hang

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "HangingStripe":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging_stripe(app, monkeypatch) -> Iterator[HangingStripe]:
    """Card payments configured against a Stripe that never answers (0.5 s per attempt)."""
    with HangingStripe() as stand_in:
        for key, value in {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stand_in.url,
            "STRIPE_TIMEOUT_SECONDS": 0.5,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        yield stand_in


def _pay(client, enrolment_id: int):
    return client.post(
        f"/billing/enrolments/{enrolment_id}/pay",
        data={"card_token": "tok_never_answered"},
        headers=EN,
        follow_redirects=True,
    )


def test_card_payment_gives_up_on_a_hanging_stripe_and_keeps_the_seat(
    app, client, auth, make_user, make_business, trainer, hanging_stripe
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    page = _pay(client, held.enrolment_id).get_data(as_text=True)
    assert UNANSWERED in page and "Your place is still held" in page
    # One attempt and the configured retries, each given up after the timeout.
    assert len(hanging_stripe.requests) == 1 + gateway.MAX_NETWORK_RETRIES
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.AWAITING
    assert state_of(app, held.enrolment_id) == EnrolmentState.ENROLLED
    # The owner can try again: the pay form is back on the page.
    assert 'id="pay-form"' in client.get(f"/billing/enrolments/{held.enrolment_id}").get_data(
        as_text=True
    )


@pytest.mark.postgres_only
def test_class_stays_open_to_others_while_stripe_hangs(
    app, make_user, make_business, trainer, hanging_stripe
):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    app.config["STRIPE_TIMEOUT_SECONDS"] = 30
    owner, business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    other = make_business(owner=make_user(), province_code=business.province_code)
    paying = app.test_client()
    paying.post("/auth/login", data={"login": owner.login, "password": PASSWORD})
    answer = SimpleNamespace(page=None)
    done = threading.Event()

    def pay() -> None:
        answer.page = _pay(paying, held.enrolment_id).get_data(as_text=True)
        done.set()

    thread = threading.Thread(target=pay)
    thread.start()
    try:
        assert hanging_stripe.arrived.wait(timeout=30)
        # Stripe is being asked: neither the class nor the payment is locked meanwhile.
        with app.app_context(), db.engine.connect() as connection:
            locked = connection.execute(
                sa.select(Cohort.id).where(Cohort.id == held.cohort_id).with_for_update(nowait=True)
            )
            assert locked.scalar() == held.cohort_id
            connection.rollback()
        assert payment_of(app, held.enrolment_id).status == PaymentStatus.CREATING
        second = enrol_now(app, held.cohort_id, other.id)
        assert state_of(app, second) == EnrolmentState.ENROLLED
        assert not done.is_set()
    finally:
        hanging_stripe.release.set()
        thread.join(timeout=60)
    assert UNANSWERED in answer.page
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.AWAITING


def _stripe_hangs(app, monkeypatch, stand_in: HangingStripe) -> None:
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stand_in.url)
    monkeypatch.setitem(app.config, "STRIPE_TIMEOUT_SECONDS", 0.5)


def test_cancelling_while_stripe_hangs_owes_the_refund_and_the_cron_sends_it(
    app, runner, client, auth, make_user, make_business, trainer, stripe_on, monkeypatch
):
    programme = add_programme(app, share_pct=20)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    paid_by_card(app, client, stripe_on, held.enrolment_id)
    with HangingStripe() as stand_in:
        _stripe_hangs(app, monkeypatch, stand_in)
        page = client.post(
            f"/billing/enrolments/{held.enrolment_id}/cancel", headers=EN, follow_redirects=True
        ).get_data(as_text=True)
    assert "The enrolment has been cancelled." in page and "will be refunded" in page
    # The seat and the subsidy are settled at once; the money is owed.
    owed = payment_of(app, held.enrolment_id)
    assert owed.status == PaymentStatus.REFUNDING and owed.refund_vnd == 0
    assert state_of(app, held.enrolment_id) == EnrolmentState.CANCELLED
    with app.app_context():
        assert db.session.get(SubsidyProgramme, programme).spent_vnd == 0
    assert "Refund in progress" in client.get("/billing/payments", headers=EN).get_data(True)
    # Stripe answers again: the scheduled job sends what is owed, once.
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_on)
    result = runner.invoke(args=["billing", "release-expired"])
    assert "1 owed refunds sent" in result.output
    payment = payment_of(app, held.enrolment_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_vnd == 400_000
    again = runner.invoke(args=["billing", "release-expired"])
    assert "0 owed refunds sent" in again.output
    with app.app_context():
        assert db.session.get(Enrolment, held.enrolment_id).paid_at is None


def test_staff_refund_while_stripe_hangs_says_it_will_be_sent(
    app, runner, client, auth, make_user, make_business, trainer, staff, stripe_on, monkeypatch
):
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    payment = paid_by_card(app, client, stripe_on, held.enrolment_id)
    auth.logout()
    auth.login(staff)
    with HangingStripe() as stand_in:
        _stripe_hangs(app, monkeypatch, stand_in)
        page = client.post(
            f"/billing/payments/{payment.id}/refund", headers=EN, follow_redirects=True
        ).get_data(as_text=True)
    assert "The refund is recorded and will be sent automatically" in page
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.REFUNDING
    # A refund by hand keeps the place.
    assert state_of(app, held.enrolment_id) == EnrolmentState.ENROLLED
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_on)
    runner.invoke(args=["billing", "release-expired"])
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.REFUNDED


def test_a_token_that_is_not_a_cards_creates_no_payment_intent_and_keeps_the_seat(
    app, client, auth, make_user, make_business, trainer, hanging_stripe, monkeypatch
):
    # A token of a bank account (Stripe.js makes those too) has no card: refused as Stripe's
    # refusal, before any PaymentIntent, and the payment is not left half-started.
    created: list[object] = []
    stand_in = SimpleNamespace(
        v1=SimpleNamespace(
            tokens=SimpleNamespace(retrieve=lambda token: SimpleNamespace(id=token, card=None)),
            payment_intents=SimpleNamespace(create=lambda **kwargs: created.append(kwargs)),
        )
    )
    monkeypatch.setattr(gateway, "_client", lambda: stand_in)
    owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    auth.login(owner)
    page = _pay(client, held.enrolment_id).get_data(as_text=True)
    assert UNANSWERED in page and "Your place is still held" in page
    assert created == []
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.AWAITING
    assert state_of(app, held.enrolment_id) == EnrolmentState.ENROLLED
