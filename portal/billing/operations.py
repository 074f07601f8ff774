"""Writes for billing. Each function flushes and logs; the view commits once, except for
:func:`start_card_payment`, :func:`refund_by_staff` and :func:`send_refund`, which commit before
asking Stripe: no row is ever locked while Stripe is asked.

Locks, always taken in this order so that no two requests wait on each other in a circle: the
cohort (seats, see training.operations), then the payment, then the subsidy programme (budget).
A subsidy is reserved from the budget when the seat is taken and goes back if the payment
fails, expires or is refunded on cancellation; the budget can never go below zero, nor be set
below what a programme has already granted or reserved.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal import clock, locking, permissions, signals
from portal.auth.models import User
from portal.billing import stripe_gateway as gateway
from portal.billing.models import (
    OPEN_STATUSES,
    Payment,
    PaymentStatus,
    StripeEvent,
    SubsidyProgramme,
)
from portal.billing.queries import seat_holds_of
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import db
from portal.failures import Code
from portal.training import operations as training
from portal.training.models import Cohort, Course, Enrolment, EnrolmentState

log = logging.getLogger(__name__)


class BillingCode(Code):
    """Refusals of billing actions (BillingError), each with its message."""

    PAYMENTS_DISABLED = "payments_disabled", _l(
        "Card payment is not available on this portal yet, so paid courses cannot be joined "
        "online. Free courses and fully subsidised places work as usual."
    )
    NOTHING_TO_PAY = "nothing_to_pay", _l("There is nothing left to pay for this enrolment.")
    HOLD_EXPIRED = "hold_expired", _l("The time to pay has run out and the place was released.")
    NOT_REFUNDABLE = "not_refundable", _l("This payment cannot be refunded.")
    GATEWAY = "gateway", _l(
        "The payment service could not be reached. Please try again in a moment."
    )
    CARD_GATEWAY = "card_gateway", _l(
        "The payment service could not be reached or did not answer in time. Your place is "
        "still held: please try again in a moment."
    )
    REFUND_QUEUED = "refund_queued", _l(
        "The payment service could not be reached. The refund is recorded and will be sent "
        "automatically in a few minutes."
    )
    PAYMENT_IN_PROGRESS = "payment_in_progress", _l(
        "Your card payment is already being sent. Wait a moment, then reload this page."
    )
    BUDGET_BELOW_SPENT = "budget_below_spent", _l(
        "The budget cannot be less than what the programme has already granted or reserved."
    )
    COURSE_NOT_IN_PROVINCE = "course_not_in_province", _l(
        "Choose one of the province's courses, or all courses."
    )
    CANCEL_PAID_STAFF_ONLY = "cancel_paid_staff_only", _l(
        "This enrolment has been paid by card. Only the province's staff can cancel it, as "
        "cancelling decides whether the fee is refunded: please ask them."
    )


class BillingError(training.TrainingError):
    """A refused billing action; ``code`` is one of BillingCode, ``message`` what one reads."""

    codes = BillingCode


class BudgetBelowSpent(BillingError):
    """A programme's new budget is below what it already granted or reserved."""

    def __init__(self, spent_vnd: int) -> None:
        super().__init__("budget_below_spent")
        self.spent_vnd = spent_vnd


@dataclass(frozen=True)
class Quote:
    fee_vnd: int
    subsidy_vnd: int
    programme: SubsidyProgramme | None

    @property
    def amount_vnd(self) -> int:
        return self.fee_vnd - self.subsidy_vnd


# ------------------------------------------------------------------------------ prices


def _programmes(course: Course, lock: bool = False) -> list[SubsidyProgramme]:
    stmt = (
        sa.select(SubsidyProgramme)
        .where(
            SubsidyProgramme.province_code == course.province_code,
            SubsidyProgramme.active.is_(True),
            sa.or_(SubsidyProgramme.course_id == course.id, SubsidyProgramme.course_id.is_(None)),
        )
        .order_by(SubsidyProgramme.id)
    )
    if lock:
        stmt = locking.locked(stmt)
    return list(db.session.scalars(stmt))


def subsidy_from(programme: SubsidyProgramme, fee_vnd: int) -> int:
    """Return what the programme grants on a fee: its share, at most what its budget has left."""
    grant = fee_vnd * programme.share_pct // 100
    remaining = programme.remaining_vnd
    return grant if remaining is None else max(0, min(grant, remaining))


def quote(course: Course, business: Business, lock: bool = False) -> Quote:
    """Price a seat: the best subsidy the business qualifies for (a course's own programme
    wins a tie with the province's) and what is left to pay."""
    best: tuple[int, int, SubsidyProgramme] | None = None
    for programme in _programmes(course, lock=lock):
        if not programme.covers(business):
            continue
        grant = subsidy_from(programme, course.fee_vnd)
        rank = (grant, programme.course_id is not None)
        if grant > 0 and (best is None or rank > best[:2]):
            best = (*rank, programme)
    if best is None:
        return Quote(course.fee_vnd, 0, None)
    return Quote(course.fee_vnd, best[0], best[2])


def check_can_take_seat(course: Course, business: Business) -> None:
    """Refuse a seat that would need a card payment while card payments are switched off."""
    if course.fee_vnd > 0 and not gateway.is_enabled() and quote(course, business).amount_vnd:
        raise BillingError("payments_disabled")


def on_seat_requested(cohort: Cohort, *, business: Business, **_event: object) -> None:
    """An owner asks for a seat (signals.seat_requested): refuse it if it would need a card
    payment the portal cannot take; else free the class's seats whose time to pay ran out, so
    the owner gets one of them rather than the waitlist."""
    check_can_take_seat(cohort.course, business)
    release_expired(cohort_id=cohort.id)


def cancellation_deadline(cohort: Cohort) -> date:
    """The last local day on which a cancellation is refunded: the class's enrolment deadline."""
    return cohort.enrolment_deadline


def is_refundable_now(enrolment: Enrolment) -> bool:
    return clock.today() <= cancellation_deadline(enrolment.cohort)


def current_payment(enrolment: Enrolment, lock: bool = False) -> Payment | None:
    """Return the enrolment's latest payment."""
    stmt = (
        sa.select(Payment)
        .where(Payment.enrolment_id == enrolment.id)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if lock:
        stmt = locking.locked(stmt)
    return db.session.scalar(stmt)


# ---------------------------------------------------------------------------- seat hold


def open_payment(enrolment: Enrolment, user: User | None = None) -> Payment | None:
    """Hold a newly taken seat of a paid course until its fee is paid (the cohort is locked).

    The subsidy is reserved now; a fully subsidised seat is settled at once.
    """
    course = enrolment.cohort.course
    if course.fee_vnd <= 0 or enrolment.paid_at is not None:
        return None
    existing = current_payment(enrolment)
    if existing is not None and existing.is_open:
        return existing
    price = quote(course, enrolment.business, lock=True)
    now = utcnow()
    payment = Payment(
        enrolment=enrolment,
        business_id=enrolment.business_id,
        course_id=course.id,
        province_code=enrolment.province_code,
        fee_vnd=price.fee_vnd,
        subsidy_vnd=price.subsidy_vnd,
        programme=price.programme,
        amount_vnd=price.amount_vnd,
    )
    if price.programme is not None:
        price.programme.spent_vnd += price.subsidy_vnd
    if price.amount_vnd == 0:
        payment.status = PaymentStatus.SUBSIDISED
        payment.paid_at = enrolment.paid_at = now
    else:
        payment.status = PaymentStatus.AWAITING
        minutes = current_app.config["PAYMENT_HOLD_MINUTES"]
        payment.hold_expires_at = now + timedelta(minutes=minutes)
    db.session.add(payment)
    db.session.flush()
    log.info(
        "payment %s opened for enrolment %s: fee %s, subsidy %s, to pay %s (%s)",
        payment.id,
        enrolment.id,
        price.fee_vnd,
        price.subsidy_vnd,
        price.amount_vnd,
        payment.status.value,
    )
    return payment


def _return_subsidy(payment: Payment) -> None:
    if payment.programme_id is None or payment.subsidy_returned or not payment.subsidy_vnd:
        return
    programme = _lock_programme(payment.programme_id)
    programme.spent_vnd -= payment.subsidy_vnd
    payment.subsidy_returned = True
    log.info(
        "payment %s: subsidy of %s returned to programme %s",
        payment.id,
        payment.subsidy_vnd,
        programme.id,
    )


def _lock_payment(payment_id: int) -> Payment:
    payment = locking.lock(Payment, payment_id)
    assert payment is not None, f"payment {payment_id} is gone"  # payments are never deleted
    return payment


def _release(payment: Payment, status: PaymentStatus, user: User | None) -> None:
    """End an unpaid hold: give the subsidy back and free the seat (waitlist moves up)."""
    payment.status = status
    payment.hold_expires_at = None
    _return_subsidy(payment)
    db.session.flush()
    enrolment = payment.enrolment
    if enrolment.state in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        training.cancel(enrolment, user)
    log.info(
        "payment %s %s: the seat of enrolment %s is released",
        payment.id,
        status.value,
        enrolment.id,
    )


def _lock_with_cohort(payment_id: int) -> Payment:
    """Lock a payment's cohort, then the payment (the module's lock order)."""
    cohort_id = db.session.execute(
        sa.select(Enrolment.cohort_id)
        .join(Payment, Payment.enrolment_id == Enrolment.id)
        .where(Payment.id == payment_id)
    ).scalar_one()  # payments and their enrolments are never deleted
    training.lock_cohort(cohort_id)
    return _lock_payment(payment_id)


def start_card_payment(payment: Payment, card_token: str, user: User) -> gateway.ChargeResult:
    """Charge the card for an awaiting payment; a refused card releases the seat. Commits.

    Stripe is never asked while a row is locked, so a slow Stripe cannot stop others from
    enrolling in the class: (1) under the locks the held payment becomes ``creating`` and is
    committed; (2) Stripe is asked, with an idempotency key made of the payment's id, so a
    retry never charges twice; (3) under the locks again its answer is recorded. If Stripe
    cannot be reached the payment goes back to awaiting (the seat stays held until its time
    runs out) and BillingError("card_gateway") tells the owner to try again.
    """
    payment = _lock_with_cohort(payment.id)
    if payment.status == PaymentStatus.CREATING:
        raise BillingError("payment_in_progress")
    if payment.status != PaymentStatus.AWAITING:
        raise BillingError("nothing_to_pay")
    if payment.hold_expires_at is not None and payment.hold_expires_at <= utcnow():
        _release(payment, PaymentStatus.EXPIRED, None)
        raise BillingError("hold_expired")
    payment.status = PaymentStatus.CREATING
    payment_id, amount_vnd, enrolment_id = payment.id, payment.amount_vnd, payment.enrolment_id
    db.session.commit()
    try:
        result = gateway.charge_card(
            amount_vnd,
            card_token,
            metadata={"payment_id": str(payment_id), "enrolment_id": str(enrolment_id)},
            idempotency_key=f"portal-payment-{payment_id}",
        )
    except gateway.GatewayError as error:
        payment = _lock_with_cohort(payment_id)
        if payment.status == PaymentStatus.CREATING:
            payment.status = PaymentStatus.AWAITING
        db.session.commit()
        log.warning("payment %s: no answer from Stripe (%s), seat kept", payment_id, error)
        raise BillingError("card_gateway") from error
    _record_charge(payment_id, result, user)
    db.session.commit()
    return result


def _record_charge(payment_id: int, result: gateway.ChargeResult, user: User) -> None:
    """Record Stripe's answer to a card payment (phase 3 of :func:`start_card_payment`)."""
    payment = _lock_with_cohort(payment_id)
    if payment.stripe_payment_intent_id is None:
        payment.stripe_payment_intent_id = result.intent_id
    if payment.status != PaymentStatus.CREATING:
        # Settled while Stripe was asked (its webhook came first, or the hold ran out): the
        # webhook settles the rest, refunding money taken for a seat already given up.
        db.session.flush()
        log.warning(
            "payment %s was %s when Stripe answered %s (%s)",
            payment.id,
            payment.status.value,
            result.status,
            result.intent_id,
        )
        if payment.status in (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED):
            db.session.commit()
            raise BillingError("hold_expired")
        return
    if result.status == "failed":
        payment.failure_code = result.failure_code
        _release(payment, PaymentStatus.FAILED, user)
    else:
        # Even an intent that succeeded at once waits for the signed webhook.
        payment.status = PaymentStatus.PROCESSING
        db.session.flush()
        log.info("payment %s is processing as %s (%s)", payment.id, result.intent_id, result.status)


def release_expired(cohort_id: int | None = None, now: datetime | None = None) -> int:
    """Release the seats whose payment time ran out (all, or one cohort's); return how many.

    A payment Stripe already has is asked to cancel first, with no lock held; if it succeeded
    meanwhile, it stays processing for its webhook to settle.
    """
    now = now or utcnow()
    stmt = (
        sa.select(Payment.id, Enrolment.cohort_id, Payment.stripe_payment_intent_id)
        .join(Enrolment, Enrolment.id == Payment.enrolment_id)
        .where(Payment.status.in_(OPEN_STATUSES), Payment.hold_expires_at <= now)
    )
    if cohort_id is not None:
        stmt = stmt.where(Enrolment.cohort_id == cohort_id)
    due = []
    for payment_id, payment_cohort_id, intent_id in db.session.execute(stmt).all():
        if intent_id:
            try:
                status = gateway.cancel_intent(intent_id)
            except gateway.GatewayError:
                log.warning("payment %s: could not cancel its intent; retrying later", payment_id)
                continue
            if status != "canceled":
                continue
        due.append((payment_id, payment_cohort_id, intent_id))
    released = 0
    for payment_id, payment_cohort_id, intent_id in due:
        training.lock_cohort(payment_cohort_id)
        payment = _lock_payment(payment_id)
        if payment.status not in OPEN_STATUSES or payment.stripe_payment_intent_id != intent_id:
            continue  # paid, or sent to Stripe, while Stripe was asked
        _release(payment, PaymentStatus.EXPIRED, None)
        released += 1
    return released


# ----------------------------------------------------------------------------- webhooks


PAYMENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")
#: Refunds, including those made in Stripe's dashboard rather than through the portal.
REFUND_EVENTS = ("charge.refunded", "charge.refund.updated", "refund.created", "refund.updated")
HANDLED_EVENTS = PAYMENT_EVENTS + REFUND_EVENTS


def _as_dict(obj: Any) -> dict:
    """Return a Stripe object as plain dicts (the library's objects are not dicts)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _object_id(value: Any) -> str | None:
    """Return the id of a reference that may be expanded (a dict) or not (a string)."""
    return value.get("id") if isinstance(value, dict) else value


def handle_event(event: Any) -> str:
    """Apply a verified Stripe event once; return the outcome ("duplicate", "ignored"...).

    What Stripe must be asked is asked before anything is written or locked. Raises
    BillingError("gateway") when Stripe cannot be reached: the view then answers an error,
    nothing is recorded, and Stripe delivers the event again later.
    """
    seen = sa.select(StripeEvent.id).where(StripeEvent.stripe_event_id == event["id"])
    if db.session.scalar(seen) is not None:
        log.info("Stripe event %s already received: nothing to do", event["id"])
        return "duplicate"
    handled = event["type"] in HANDLED_EVENTS
    obj = _as_dict(event["data"]["object"]) if handled else {}
    if event["type"] in REFUND_EVENTS:
        intent_id = _object_id(obj.get("payment_intent"))
        charge_id = obj["id"] if obj.get("object") == "charge" else _object_id(obj.get("charge"))
    else:
        intent_id, charge_id = obj.get("id"), None
    found = None
    if handled and intent_id:
        found = db.session.execute(
            sa.select(Payment.id, Enrolment.cohort_id)
            .join(Enrolment, Enrolment.id == Payment.enrolment_id)
            .where(Payment.stripe_payment_intent_id == intent_id)
        ).first()
    if found is None and event["type"] in PAYMENT_EVENTS:
        found = _payment_named_in(obj)
    refunds = None
    if found is not None and charge_id:
        try:
            refunds = gateway.charge_refunds(charge_id)
        except gateway.GatewayError as error:
            raise BillingError("gateway") from error
    # No savepoint here: on SQLite a SAVEPOINT opening the transaction commits on release, and
    # the event must stay unrecorded if applying it fails (Stripe then delivers it again).
    record = StripeEvent(stripe_event_id=event["id"], type=event["type"], outcome="new")
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        # The same event, delivered at the same moment, was recorded by another request.
        db.session.rollback()
        log.info("Stripe event %s already received: nothing to do", event["id"])
        return "duplicate"
    if not handled:
        record.outcome = "ignored"
        db.session.flush()
        log.info("Stripe event %s of type %s ignored", event["id"], event["type"])
        return record.outcome
    if found is None:
        record.outcome = "ignored"
        log.warning("Stripe event %s names an unknown intent %s", event["id"], intent_id)
    else:
        training.lock_cohort(found.cohort_id)
        payment = _lock_payment(found.id)
        if payment.stripe_payment_intent_id is None:
            payment.stripe_payment_intent_id = intent_id
        if event["type"] == "payment_intent.succeeded":
            record.outcome = _succeeded(payment, int(obj["amount"]))
        elif event["type"] == "payment_intent.payment_failed":
            record.outcome = _failed(payment, obj)
        elif refunds is not None:
            assert charge_id, "refunds are asked for a charge"
            record.outcome = _refunded_in_stripe(payment, charge_id, refunds)
        else:
            record.outcome = "ignored"
    db.session.flush()
    log.info("Stripe event %s (%s): %s", event["id"], event["type"], record.outcome)
    return record.outcome


def _payment_named_in(intent: dict) -> sa.Row | None:
    """Find the payment an intent names in its metadata when the portal never learnt the
    intent's id (Stripe's answer to the card payment was lost, e.g. to a timeout)."""
    metadata = intent.get("metadata")
    ref = metadata.get("payment_id") if isinstance(metadata, dict) else None
    if not isinstance(ref, str) or not ref.isdigit() or len(ref) > 18:
        return None
    return db.session.execute(
        sa.select(Payment.id, Enrolment.cohort_id)
        .join(Enrolment, Enrolment.id == Payment.enrolment_id)
        .where(Payment.id == int(ref), Payment.stripe_payment_intent_id.is_(None))
    ).first()


def _succeeded(payment: Payment, amount: int) -> str:
    if amount != payment.amount_vnd:
        log.error("payment %s: Stripe took %s, expected %s", payment.id, amount, payment.amount_vnd)
    if payment.status in OPEN_STATUSES:
        payment.status = PaymentStatus.SUCCEEDED
        payment.hold_expires_at = None
        payment.paid_at = payment.enrolment.paid_at = utcnow()
        db.session.flush()
        log.info("payment %s succeeded: enrolment %s is paid", payment.id, payment.enrolment_id)
        return "applied"
    if payment.status in (PaymentStatus.FAILED, PaymentStatus.EXPIRED, PaymentStatus.CANCELLED):
        # The money arrived after the seat was given up: give it back.
        payment.paid_at = utcnow()
        _owe_refund(payment, None)
        return "refunded"
    if payment.status == PaymentStatus.REFUNDING and payment.paid_at is None:
        payment.paid_at = utcnow()  # the refund being sent now refunds instead of cancelling
    return "stale"


def _failed(payment: Payment, intent: dict) -> str:
    if payment.status not in OPEN_STATUSES:
        return "stale"
    error = intent.get("last_payment_error") or {}
    payment.failure_code = error.get("code") or "payment_failed"
    _release(payment, PaymentStatus.FAILED, None)
    return "applied"


def _refunded_in_stripe(payment: Payment, charge_id: str, refunds: gateway.ChargeRefunds) -> str:
    """Bring a payment in line with what Stripe has refunded on its charge.

    Stripe is asked for the charge's refunded total rather than trusting the event, so events
    arriving late or out of order, and the echo of the portal's own refunds, change nothing.
    A whole refund made outside the portal is treated like a cancellation with refund: the seat
    is released (the waitlist moves up) and the subsidy goes back to its budget. A partial one
    keeps the seat, like a refund by hand.
    """
    if refunds.intent_id != payment.stripe_payment_intent_id:
        log.error("charge %s does not belong to payment %s", charge_id, payment.id)
        return "ignored"
    if refunds.amount_refunded_vnd <= payment.refund_vnd:
        return "stale"
    owed = payment.status == PaymentStatus.REFUNDING
    if owed and payment.amount_vnd > refunds.amount_refunded_vnd:
        return "pending"  # the portal's own refund, on its way: send_refund records it
    now = utcnow()
    # A refund proves the money was taken, even if the success event is still on its way.
    payment.paid_at = payment.paid_at or now
    payment.hold_expires_at = None
    payment.refund_vnd = refunds.amount_refunded_vnd
    payment.refunded_at = now
    payment.stripe_refund_id = refunds.refund_id
    payment.refunded_by_id = None
    enrolment = payment.enrolment
    if payment.refund_vnd < payment.amount_vnd:
        if payment.status == PaymentStatus.PROCESSING:
            payment.status = PaymentStatus.SUCCEEDED
            enrolment.paid_at = payment.paid_at
        db.session.flush()
        log.info("payment %s: %s VND refunded in Stripe", payment.id, payment.refund_vnd)
        return "applied"
    payment.status = PaymentStatus.REFUNDED
    if not owed and enrolment.state in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        _return_subsidy(payment)
        db.session.flush()
        training.cancel(enrolment, None)
        enrolment.paid_at = None
    db.session.flush()
    log.info(
        "payment %s wholly refunded in Stripe (%s VND): enrolment %s is %s",
        payment.id,
        payment.refund_vnd,
        enrolment.id,
        enrolment.state.value,
    )
    return "applied"


# ------------------------------------------------------------------------------ refunds


# Card money goes back in two steps, so that Stripe is never asked while a row is locked: under
# the locks the payment becomes ``refunding`` (the seat and the subsidy are settled at once);
# after commit, :func:`send_refund` asks Stripe and records its answer. A refund Stripe could not
# be asked for stays owed, and ``flask billing release-expired`` sends it later.


def _owe_refund(payment: Payment, user: User | None) -> None:
    """Record that the payment's card money is owed back (:func:`send_refund` sends it)."""
    payment.status = PaymentStatus.REFUNDING
    payment.hold_expires_at = None
    payment.refunded_by_id = user.id if user is not None else None
    db.session.flush()
    log.info("payment %s: its card money is owed back", payment.id)


def send_refund(payment_id: int) -> Payment | None:
    """Give an owed payment's card money back, asking Stripe with no row locked. Commits.

    A payment Stripe never confirmed is cancelled there instead (or refunded if it succeeded
    meanwhile). Raises BillingError("refund_queued") if Stripe cannot be asked: the refund
    stays owed.
    """
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    if payment is None or payment.status != PaymentStatus.REFUNDING:
        return payment
    intent_id, confirmed = payment.stripe_payment_intent_id, payment.paid_at is not None
    # Owed only for money Stripe has (processing or taken): its intent is known by then.
    assert intent_id is not None, f"payment {payment_id} is owed back but has no intent"
    already, amount = payment.refund_vnd, payment.amount_vnd - payment.refund_vnd
    db.session.commit()  # no transaction stays open while Stripe is asked
    result = None
    try:
        status = "succeeded" if confirmed else gateway.cancel_intent(intent_id)
        if status == "succeeded":
            key = f"portal-refund-{payment_id}" + (f"-after-{already}" if already else "")
            result = gateway.refund(intent_id, amount, idempotency_key=key)
    except gateway.GatewayError as error:
        log.warning("payment %s: refund not sent (%s); retrying later", payment_id, error)
        raise BillingError("refund_queued") from error
    payment = _lock_payment(payment_id)
    if payment.status == PaymentStatus.REFUNDING:
        if result is not None:
            payment.status = PaymentStatus.REFUNDED
            payment.paid_at = payment.paid_at or utcnow()
            payment.refund_vnd = already + result.amount_vnd
            payment.refunded_at = utcnow()
            payment.stripe_refund_id = result.refund_id
            log.info("payment %s refunded: %s VND", payment.id, result.amount_vnd)
        elif status == "canceled":
            payment.status = PaymentStatus.CANCELLED
            log.info("payment %s: its intent was cancelled before any money was taken", payment.id)
    db.session.commit()
    return payment


def send_owed_refunds() -> int:
    """Send every refund still owed (Stripe could not be asked before); return how many went."""
    owed = db.session.scalars(
        sa.select(Payment.id).where(Payment.status == PaymentStatus.REFUNDING).order_by(Payment.id)
    ).all()
    sent = 0
    for payment_id in owed:
        try:
            payment = send_refund(payment_id)
        except BillingError:
            continue
        sent += payment is not None and payment.status != PaymentStatus.REFUNDING
    return sent


#: Payments whose cancellation moves card money (a refund, or keeping the fee after the deadline).
CARD_PAID = (PaymentStatus.SUCCEEDED, PaymentStatus.PROCESSING)


def may_cancel(enrolment: Enrolment, user: User | None) -> bool:
    """Tell whether ``user`` may cancel the enrolment as far as its money goes.

    Cancelling a seat paid by card decides about money, so it takes ``enrolment.cancel_paid``
    (owners for their own businesses, staff, administrators; not trainers). The portal itself
    (``user`` None: expiry, webhooks) always may.
    """
    payment = current_payment(enrolment)
    if user is None or payment is None or payment.status not in CARD_PAID:
        return True
    return permissions.can(user, "enrolment.cancel_paid", enrolment)


def on_cancel(enrolment: Enrolment, user: User | None) -> None:
    """Settle the money of an enrolment being cancelled (the cohort is locked).

    An unpaid hold is released; a paid or subsidised seat is refunded (and its subsidy
    returned) up to the cancellation deadline, and not after it. A seat paid by card is
    cancelled only by someone who may decide about its money (:func:`may_cancel`).
    """
    payment = current_payment(enrolment, lock=True)
    if payment is None:
        return
    if not may_cancel(enrolment, user):
        raise BillingError("cancel_paid_staff_only")
    if payment.status in (PaymentStatus.AWAITING, PaymentStatus.CREATING):
        # A card being sent right now: if Stripe takes it, its webhook refunds it.
        payment.status = PaymentStatus.CANCELLED
        payment.hold_expires_at = None
        _return_subsidy(payment)
    elif payment.status == PaymentStatus.PROCESSING:
        # Not confirmed yet: send_refund cancels the intent, or refunds it if it succeeded.
        _owe_refund(payment, user)
        _return_subsidy(payment)
    elif payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.SUBSIDISED):
        if not is_refundable_now(enrolment):
            log.info("payment %s: cancelled after the deadline, no refund", payment.id)
            return
        if payment.status == PaymentStatus.SUCCEEDED:
            _owe_refund(payment, user)
        else:
            payment.status = PaymentStatus.CANCELLED
        _return_subsidy(payment)
    else:
        return
    enrolment.paid_at = None
    db.session.flush()
    log.info("payment %s settled on cancellation: %s", payment.id, payment.status.value)


def refund_by_staff(payment: Payment, user: User) -> Payment:
    """Refund a card payment by hand (the enrolment stays as it is; the subsidy stays granted).

    Commits: the refund is recorded as owed, then sent (:func:`send_refund`).
    """
    payment = _lock_payment(payment.id)
    if payment.status != PaymentStatus.SUCCEEDED or not payment.stripe_payment_intent_id:
        raise BillingError("not_refundable")
    _owe_refund(payment, user)
    db.session.commit()
    log.info("payment %s refunded by hand by user %s", payment.id, user.id)
    refunded = send_refund(payment.id)
    assert refunded is not None, f"payment {payment.id} is gone"  # payments are never deleted
    return refunded


# ---------------------------------------------------------------------------- programmes


def _check_course(province_code: int, course_id: int | None) -> None:
    if course_id is None:
        return
    course = db.session.get(Course, course_id)
    if course is None or course.province_code != province_code:
        raise BillingError("course_not_in_province")


def create_programme(province_code: int, by: User | None = None, **fields: Any) -> SubsidyProgramme:
    """Add a subsidy programme to a province (for one of its courses, or all of them)."""
    _check_course(province_code, fields.get("course_id"))
    programme = SubsidyProgramme(province_code=province_code, spent_vnd=0, **fields)
    db.session.add(programme)
    db.session.flush()
    log.info(
        "subsidy programme %s created in province %s by user %s",
        programme.id,
        province_code,
        by.id if by is not None else None,
    )
    return programme


def _lock_programme(programme_id: int) -> SubsidyProgramme:
    programme = locking.lock(SubsidyProgramme, programme_id)
    # Programmes are stopped (set_programme_active), never deleted.
    assert programme is not None, f"subsidy programme {programme_id} is gone"
    return programme


def update_programme(programme: SubsidyProgramme, by: User, **fields: Any) -> SubsidyProgramme:
    """Change a programme; its budget may not go below what it granted or reserved.

    The row is locked first, so a seat taken meanwhile is counted before the check.
    """
    programme = _lock_programme(programme.id)
    _check_course(programme.province_code, fields.get("course_id", programme.course_id))
    budget = fields.get("budget_vnd", programme.budget_vnd)
    if budget is not None and budget < programme.spent_vnd:
        raise BudgetBelowSpent(programme.spent_vnd)
    for name, value in fields.items():
        setattr(programme, name, value)
    db.session.flush()
    log.info("subsidy programme %s changed by user %s", programme.id, by.id)
    return programme


def set_programme_active(programme: SubsidyProgramme, active: bool, by: User) -> SubsidyProgramme:
    """Stop or resume a programme's subsidies (what it granted stays granted)."""
    programme = _lock_programme(programme.id)
    programme.active = active
    db.session.flush()
    log.info(
        "subsidy programme %s %s by user %s",
        programme.id,
        "reactivated" if active else "deactivated",
        by.id,
    )
    return programme


# ----------------------------------------------------------------------------- signals


def count_moving_rows(business: Business, **_event: object) -> dict[str, int]:
    """What a move of the business leaves behind: its payments with a receipt stay in the
    accounts of the province whose course they paid for (signals.business_moving)."""
    receipts = sa.select(sa.func.count(Payment.id)).where(
        Payment.business_id == business.id, Payment.paid_at.is_not(None)
    )
    return {"receipts": db.session.execute(receipts).scalar_one()}


def connect() -> None:
    """Check a seat asked for, hold a taken seat for its fee, say until when unpaid seats are
    held, settle the money of a cancelled one; count the receipts a moving business leaves
    (create_app)."""
    signals.seat_requested.connect(on_seat_requested)
    signals.seat_taken.connect(open_payment)
    signals.seat_holds_asked.connect(seat_holds_of)
    signals.enrolment_cancelled.connect(on_cancel)
    signals.business_moving.connect(count_moving_rows)
