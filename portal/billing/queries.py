"""Reads for billing: an owner's payments and the province's money report."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import clock
from portal.auth.models import User
from portal.billing.models import OPEN_STATUSES, Payment, PaymentStatus, SubsidyProgramme
from portal.extensions import db
from portal.scoping import scoped_select, visible
from portal.training.models import Course, Enrolment, EnrolmentState
from portal.training.queries import SeatHold

#: Payments whose card money was collected (a refund is counted separately).
COLLECTED = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED)
#: Payments whose subsidy was granted (unless it went back to the budget).
GRANTED = (
    PaymentStatus.SUCCEEDED,
    PaymentStatus.SUBSIDISED,
    PaymentStatus.REFUNDING,
    PaymentStatus.REFUNDED,
)


def owner_payments(owner: User) -> list[Payment]:
    return list(
        db.session.scalars(
            scoped_select(Payment, owner)
            .where(Payment.status.in_(GRANTED + (PaymentStatus.PROCESSING,)))
            .order_by(Payment.id.desc())
        )
    )


@dataclass
class CourseMoney:
    course: Course
    collected_vnd: int = 0
    subsidies_vnd: int = 0
    refunds_vnd: int = 0


def money_report(user: User, start: date, end: date) -> list[CourseMoney]:
    """Per course of what ``user`` may see: card fees collected, subsidies granted and refunds
    in the period (local dates, both included)."""
    since, until = clock.day_start(start), clock.day_end(end)
    paid_in = Payment.paid_at.between(since, until - timedelta(microseconds=1))
    collected = sa.func.sum(
        sa.case((sa.and_(paid_in, Payment.status.in_(COLLECTED)), Payment.amount_vnd), else_=0)
    )
    subsidies = sa.func.sum(
        sa.case(
            (
                sa.and_(paid_in, Payment.status.in_(GRANTED), Payment.subsidy_returned.is_(False)),
                Payment.subsidy_vnd,
            ),
            else_=0,
        )
    )
    refunds = sa.func.sum(
        sa.case(
            (
                Payment.refunded_at.between(since, until - timedelta(microseconds=1)),
                Payment.refund_vnd,
            ),
            else_=0,
        )
    )
    rows = db.session.execute(
        sa.select(Payment.course_id, collected, subsidies, refunds)
        .where(visible(Payment, user))
        .group_by(Payment.course_id)
    ).all()
    courses = {
        c.id: c
        for c in db.session.scalars(sa.select(Course).where(Course.id.in_([r[0] for r in rows])))
    }
    report = [
        CourseMoney(courses[course_id], int(c or 0), int(s or 0), int(r or 0))
        for course_id, c, s, r in rows
        if c or s or r
    ]
    return sorted(report, key=lambda row: row.course.id)


def province_programmes(user: User) -> list[SubsidyProgramme]:
    """The subsidy programmes ``user`` may see (an admin: every province's), with their course."""
    return list(
        db.session.scalars(
            scoped_select(SubsidyProgramme, user)
            .options(selectinload(SubsidyProgramme.course))
            .order_by(SubsidyProgramme.province_code, SubsidyProgramme.id)
        )
    )


def province_courses(province_code: int, user: User) -> list[Course]:
    """The courses of one province that ``user`` may see, for a programme's course choice."""
    return list(
        db.session.scalars(
            scoped_select(Course, user)
            .where(Course.province_code == province_code)
            .order_by(Course.title_vi, Course.id)
        )
    )


def refundable_payments(user: User, limit: int = 50) -> list[Payment]:
    """The latest card payments a staff member could refund by hand."""
    return list(
        db.session.scalars(
            scoped_select(Payment, user)
            .where(Payment.status == PaymentStatus.SUCCEEDED)
            .order_by(Payment.paid_at.desc())
            .limit(limit)
        )
    )


# ------------------------------------------------------------------------- seats held


def seat_holds_of(enrolments: Sequence[Enrolment], **_event: object) -> dict[int, SeatHold]:
    """Until when each of these unpaid seats is held, and whether a card payment is being
    confirmed meanwhile, from its open payment, in one query (signals.seat_holds_asked)."""
    rows = db.session.execute(
        sa.select(Payment.enrolment_id, Payment.status, Payment.hold_expires_at)
        .where(
            Payment.enrolment_id.in_([e.id for e in enrolments]),
            Payment.status.in_(OPEN_STATUSES),
        )
        .order_by(Payment.id)
    ).all()
    holds = {}
    for enrolment_id, status, until in rows:
        confirming = status in (PaymentStatus.CREATING, PaymentStatus.PROCESSING)
        holds[enrolment_id] = SeatHold(confirming, until)
    return holds


# ---------------------------------------------------------------------------- price page


def is_lapsed(payment: Payment | None, now: datetime) -> bool:
    """Whether the payment's hold ran out with nothing sent to Stripe.

    ``operations.release_expired`` releases such a seat at the next write that needs it (the
    cron, an enrolment in the class, a payment); until then the pages show it released.
    """
    return (
        payment is not None
        and payment.status in OPEN_STATUSES
        and payment.stripe_payment_intent_id is None
        and payment.hold_expires_at is not None
        and payment.hold_expires_at <= now
    )


@dataclass(frozen=True)
class PriceState:
    """What the price page shows of an enrolment and its latest payment."""

    payment_status: PaymentStatus | None
    enrolment_state: EnrolmentState


def price_state(enrolment: Enrolment, payment: Payment | None, now: datetime) -> PriceState:
    """Return the states the price page shows: a lapsed hold as released (expired, the seat
    given up), exactly as ``release_expired`` will leave it, without writing."""
    if not is_lapsed(payment, now):
        return PriceState(payment.status if payment else None, enrolment.state)
    state = enrolment.state
    if state in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        state = EnrolmentState.CANCELLED
    return PriceState(PaymentStatus.EXPIRED, state)
