"""Writes for training. Each function flushes and logs; the view commits once.

Seats are counted under a lock on the cohort row (``SELECT ... FOR UPDATE`` on PostgreSQL), so
two simultaneous enrolments can never exceed the capacity. SQLite has one writer at a time and
answers a conflicting second writer with "database is locked" rather than overbooking.

Lock order: the cohort, then the business, then the business's enrolments and certificates.
A move of the business locks the business before it carries those rows (and locks no cohort,
``businesses.operations.move_business``); so a write of a business's place in a class reads the
business's province under its lock and waits for a move, or the move waits for it and then sees
the place (and refuses, if it is open). Taking the cohort first matters: an enrolment's rows
name the cohort, and writing one waits for whoever holds the cohort.
"""

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa

from portal import clock, formatting, locking, signals
from portal.auth.models import User
from portal.businesses.models import Business
from portal.businesses.operations import move_rows
from portal.clock import utcnow
from portal.extensions import db
from portal.failures import Code, OperationError
from portal.training.labels import TrainingCode
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Course,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    EventState,
    TrainingSession,
)
from portal.training.rules import CompletionRule

log = logging.getLogger(__name__)

#: No 0/O or 1/I: codes are read from paper and typed in by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10

SEAT_STATES = (EnrolmentState.ENROLLED, EnrolmentState.COMPLETED)
ACTIVE_STATES = (
    EnrolmentState.ASSIGNED,
    EnrolmentState.ENROLLED,
    EnrolmentState.WAITLISTED,
    EnrolmentState.COMPLETED,
)


class TrainingError(OperationError):
    """A refused training action; ``code`` is one of labels.TrainingCode.

    ``at`` is the stored instant the refusal hinges on (when a session starts), for the message.
    """

    # Typed as OperationError's, not as TrainingCode: its subclasses (checkin.CheckInError,
    # billing's BillingError) name codes of their own.
    codes: ClassVar[type[Code]] = TrainingCode

    def __init__(self, code: str, at: datetime | None = None) -> None:
        super().__init__(code)
        self.at = at

    def message_params(self) -> dict[str, Any]:
        if self.at is None:
            return {}
        return {"time": formatting.format_datetime(self.at)}


# ----------------------------------------------------------------------------- catalog


def create_course(user: User, province_code: int, **fields: Any) -> Course:
    course = Course(province_code=province_code, created_by_id=user.id, **fields)
    db.session.add(course)
    db.session.flush()
    log.info("course %s created by user %s", course.id, user.id)
    return course


def update_course(course: Course, **fields: Any) -> Course:
    for name, value in fields.items():
        setattr(course, name, value)
    db.session.flush()
    log.info("course %s updated", course.id)
    return course


def create_cohort(
    course: Course, sessions: Iterable[tuple[datetime, int]] = (), **fields: Any
) -> Cohort:
    """Open a run of ``course``; ``sessions`` are (UTC start, minutes) pairs."""
    cohort = Cohort(course=course, province_code=course.province_code, **fields)
    db.session.add(cohort)
    db.session.flush()
    for starts_at, minutes in sessions:
        add_session(cohort, starts_at, minutes)
    log.info("cohort %s of course %s created", cohort.id, course.id)
    # Class alerts note it for the owners who asked (training.alerts); the view mails them.
    signals.cohort_opened.send(cohort)
    return cohort


def update_cohort(cohort: Cohort, user: User, **fields: Any) -> list[Enrolment]:
    """Change a cohort; a larger capacity moves people up from the waitlist."""
    cohort = lock_cohort(cohort.id)
    for name, value in fields.items():
        setattr(cohort, name, value)
    db.session.flush()
    log.info("cohort %s updated", cohort.id)
    return _fill_from_waitlist(cohort, user)


def add_session(cohort: Cohort, starts_at: datetime, duration_minutes: int) -> TrainingSession:
    _check_before_certificates(cohort.id, starts_at)
    session = TrainingSession(
        cohort=cohort,
        province_code=cohort.province_code,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
    )
    db.session.add(session)
    db.session.flush()
    log.info("session %s added to cohort %s", session.id, cohort.id)
    return session


def session_ids_with_attendance(cohort: Cohort) -> set[int]:
    """Return the ids of the cohort's sessions that have any attendance recorded."""
    return set(
        db.session.scalars(
            sa.select(Attendance.session_id)
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(TrainingSession.cohort_id == cohort.id)
            .distinct()
        )
    )


def has_attendance(session: TrainingSession) -> bool:
    """Tell whether anyone was ever marked for this session (present, or corrected to absent)."""
    marked = sa.select(Attendance.id).where(Attendance.session_id == session.id)
    logged = sa.select(EnrolmentEvent.id).where(EnrolmentEvent.session_id == session.id)
    return bool(db.session.scalar(sa.select(sa.exists(marked) | sa.exists(logged))))


def has_started(session: TrainingSession) -> bool:
    """Tell whether the session has begun: attendance is taken from its start on."""
    return session.starts_at <= clock.utcnow()


def last_session_start(cohort: Cohort) -> datetime | None:
    """Return when the cohort's last session starts (None without sessions).

    Completion, and so a certificate, is possible from that instant on.
    """
    return db.session.scalar(
        sa.select(sa.func.max(TrainingSession.starts_at)).where(
            TrainingSession.cohort_id == cohort.id
        )
    )


def check_can_complete(cohort: Cohort) -> None:
    """Refuse completion of a class whose last session has not started (or that has none)."""
    last = last_session_start(cohort)
    if last is None:
        raise TrainingError("no_sessions")
    if last > clock.utcnow():
        raise TrainingError("class_not_over", at=last)


def reschedule_session(
    session: TrainingSession, starts_at: datetime, duration_minutes: int, user: User
) -> TrainingSession:
    """Move a session (attendance already taken stays with it); owners see the new date.

    A session somebody was marked for has happened: it cannot move to a time still to come.
    """
    session = _lock_session(session.id)
    if starts_at > clock.utcnow() and has_attendance(session):
        raise TrainingError("attended_session_to_future")
    _check_before_certificates(session.cohort_id, starts_at)
    old = session.starts_at
    session.starts_at = starts_at
    session.duration_minutes = duration_minutes
    db.session.flush()
    db.session.expire(session.cohort, ["sessions"])  # keep the cohort's sessions in date order
    log.info(
        "session %s of cohort %s moved from %s to %s by user %s",
        session.id,
        session.cohort_id,
        old.isoformat(),
        starts_at.isoformat(),
        user.id,
    )
    return session


def remove_session(session: TrainingSession, user: User) -> Cohort:
    """Delete a session nobody was marked for; return its cohort.

    A session with attendance is part of participants' records (completion counts it), so it
    can only be rescheduled. The row lock makes a concurrent attendance mark wait for us.
    """
    locked = _lock_session(session.id)
    if has_attendance(locked):
        raise TrainingError("session_has_attendance")
    cohort = locked.cohort
    db.session.delete(locked)
    db.session.flush()
    db.session.expire(cohort, ["sessions"])
    log.info("session %s removed from cohort %s by user %s", session.id, cohort.id, user.id)
    return cohort


# --------------------------------------------------------------------------- enrolment


def request_seat(cohort: Cohort, business: Business) -> None:
    """An owner asks for a seat (the enrol and accept buttons), before :func:`enrol` or
    :func:`accept_assignment` locks the cohort: ``signals.seat_requested``.

    Billing refuses (raises a TrainingError) a seat that would need a card payment while card
    payments are off, and first frees the class's seats whose time to pay ran out.
    """
    signals.seat_requested.send(cohort, business=business)


def enrol(cohort: Cohort, business: Business, user: User) -> Enrolment:
    """Enrol ``business`` in ``cohort``, or put it on the waitlist if the cohort is full.

    Refused if the business is not in the class's province, read under the business's lock: a
    business that moved meanwhile is not enrolled in a class of the province it left.
    """
    cohort = lock_cohort(cohort.id)
    business = lock_business(business.id)
    if business.province_code != cohort.province_code:
        raise TrainingError("other_province")
    if clock.today() > cohort.enrolment_deadline:
        raise TrainingError("deadline_passed")
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.business_id == business.id
        )
    )
    if enrolment is not None and enrolment.state in (
        EnrolmentState.ENROLLED,
        EnrolmentState.WAITLISTED,
        EnrolmentState.COMPLETED,
    ):
        raise TrainingError("already_enrolled")
    if enrolment is None:
        enrolment = Enrolment(cohort=cohort, business=business, province_code=cohort.province_code)
        db.session.add(enrolment)
    _take_seat_or_wait(cohort, enrolment, user)
    return enrolment


def accept_assignment(enrolment: Enrolment, user: User) -> Enrolment:
    """The owner accepts an assigned course: a seat, or a place on the waitlist."""
    if enrolment.state != EnrolmentState.ASSIGNED:
        raise TrainingError("not_assigned")
    cohort = lock_cohort(enrolment.cohort_id)
    business = _lock_answer(enrolment)
    if business.province_code != cohort.province_code:
        raise TrainingError("other_province")
    if clock.today() > cohort.enrolment_deadline:
        raise TrainingError("deadline_passed")
    _take_seat_or_wait(cohort, enrolment, user)
    return enrolment


def decline_assignment(enrolment: Enrolment, user: User) -> Enrolment:
    if enrolment.state != EnrolmentState.ASSIGNED:
        raise TrainingError("not_assigned")
    lock_cohort(enrolment.cohort_id)
    _lock_answer(enrolment)
    _set_state(enrolment, EnrolmentState.DECLINED, user)
    return enrolment


def _lock_answer(enrolment: Enrolment) -> Business:
    """Lock the business of an assignment being answered (its cohort locked); return it.

    An accept and a decline of the same assignment take turns on the business, and the second
    finds the assignment answered; a move, which refuses while the assignment is open, takes
    turns with both.
    """
    business = lock_business(enrolment.business_id)
    db.session.refresh(enrolment, ["state"])
    if enrolment.state != EnrolmentState.ASSIGNED:
        raise TrainingError("not_assigned")
    return business


def cancel(enrolment: Enrolment, user: User | None) -> list[Enrolment]:
    """Cancel an enrolment (or a waitlist place); return whoever moved up into the freed seat.

    ``user`` is None when the portal cancels (billing: a hold that ran out, a refund in Stripe).
    """
    if enrolment.state not in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        raise TrainingError("not_cancellable")
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)  # another request may have changed it before we got the lock
    if enrolment.state not in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        raise TrainingError("not_cancellable")
    # Billing releases or refunds the seat's payment, or refuses (raises).
    signals.enrolment_cancelled.send(enrolment, user=user)
    enrolment.waitlisted_at = None
    _set_state(enrolment, EnrolmentState.CANCELLED, user)
    return _fill_from_waitlist(cohort, user)


def assign(cohort: Cohort, businesses: Iterable[Business], user: User) -> tuple[int, int]:
    """Assign the cohort's course to businesses; return (assigned, skipped as already in it).

    The cohort, then the businesses are locked, and their provinces read under the locks:
    refused if one of them is not (or no longer) in the class's province.
    """
    cohort = lock_cohort(cohort.id)
    ids = sorted({b.id for b in businesses})
    locked_businesses = db.session.scalars(
        locking.locked(sa.select(Business).where(Business.id.in_(ids)).order_by(Business.id))
    ).all()
    existing = {
        e.business_id: e
        for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id))
    }
    assigned = skipped = 0
    for business in locked_businesses:
        if business.province_code != cohort.province_code:
            raise TrainingError("other_province")
        enrolment = existing.get(business.id)
        if enrolment is not None and enrolment.state in ACTIVE_STATES:
            skipped += 1
            continue
        if enrolment is None:
            enrolment = Enrolment(
                cohort=cohort, business=business, province_code=cohort.province_code
            )
            db.session.add(enrolment)
        enrolment.assigned_by_id = user.id
        _set_state(enrolment, EnrolmentState.ASSIGNED, user)
        assigned += 1
    log.info("cohort %s assigned to %s businesses by user %s", cohort.id, assigned, user.id)
    return assigned, skipped


# ------------------------------------------------------------------ attendance, completion


def set_attendance(
    session: TrainingSession, enrolment: Enrolment, present: bool, user: User
) -> Attendance:
    """Record whether an enrolled person came to a session (a correction is logged too).

    Only once the session has started: nothing is recorded that has not happened. The shared
    row lock makes a concurrent reschedule wait, so the start we compare with is the current one.
    Locks, in the module's order: the cohort (shared: marks of one class go on side by side, a
    completion waits), the session (shared), the business, then the enrolment; the attendance
    row is where the enrolment is now (a completed participant's business may have moved).
    """
    if enrolment.cohort_id != session.cohort_id:
        raise TrainingError("other_cohort")
    if enrolment.state not in SEAT_STATES:
        raise TrainingError("not_enrolled")
    lock_cohort(session.cohort_id, shared=True)
    session = _lock_session(session.id, shared=True)
    if not has_started(session):
        raise TrainingError("session_not_started", at=session.starts_at)
    lock_business(enrolment.business_id)
    # A participant's own check-in (training/checkin.py) may add the row at the same moment.
    locking.lock(Enrolment, enrolment.id)
    if enrolment.state not in SEAT_STATES:
        raise TrainingError("not_enrolled")
    row = db.session.scalar(
        sa.select(Attendance).where(
            Attendance.session_id == session.id, Attendance.enrolment_id == enrolment.id
        )
    )
    was_present = row is not None and row.present
    if row is None:
        row = Attendance(
            session_id=session.id, enrolment=enrolment, province_code=enrolment.province_code
        )
        db.session.add(row)
    row.present = present
    row.marked_at = utcnow()
    row.marked_by_id = user.id
    if present and not was_present:
        _log(enrolment, EventState.ATTENDED, user, session_id=session.id)
    elif was_present and not present:
        _log(enrolment, EventState.ATTENDANCE_WITHDRAWN, user, session_id=session.id)
    db.session.flush()
    return row


def complete_cohort(
    cohort: Cohort, user: User, passed_checks: dict[int, bool] | None = None
) -> list[Enrolment]:
    """Apply the course's completion rule to everyone enrolled; issue their certificates.

    ``passed_checks`` maps enrolment ids to the short check's result (courses that have one).
    Return the enrolments completed now; the others stay enrolled and can be marked later.
    Refused until the class's last session has started. The cohort lock makes a second,
    simultaneous completion wait and then find the enrolments already completed.
    """
    cohort = lock_cohort(cohort.id)
    check_can_complete(cohort)
    course = cohort.course
    rule = CompletionRule(course.min_attendance_pct, course.requires_check)
    total = db.session.scalar(
        sa.select(sa.func.count(TrainingSession.id)).where(TrainingSession.cohort_id == cohort.id)
    )
    attended = dict(
        db.session.execute(
            sa.select(Attendance.enrolment_id, sa.func.count(Attendance.id))
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(TrainingSession.cohort_id == cohort.id, Attendance.present.is_(True))
            .group_by(Attendance.enrolment_id)
        ).all()
    )
    completed = []
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.state == EnrolmentState.ENROLLED)
        .execution_options(populate_existing=True)
    ).all()
    for enrolment in enrolments:
        if passed_checks is not None and enrolment.id in passed_checks:
            enrolment.passed_check = passed_checks[enrolment.id]
        if rule.is_met(total or 0, attended.get(enrolment.id, 0), enrolment.passed_check):
            enrolment.completed_at = utcnow()
            _set_state(enrolment, EnrolmentState.COMPLETED, user)
            issue_certificate(enrolment)
            completed.append(enrolment)
    db.session.flush()
    log.info("cohort %s: %s enrolments completed", cohort.id, len(completed))
    return completed


def issue_certificate(enrolment: Enrolment) -> Certificate:
    """Issue the certificate of a completed enrolment, once, never before the class is over."""
    if enrolment.certificate is not None:
        return enrolment.certificate
    check_can_complete(enrolment.cohort)
    course = enrolment.cohort.course
    certificate = Certificate(
        enrolment=enrolment,
        business_id=enrolment.business_id,
        province_code=enrolment.province_code,
        code=_new_code(),
        business_name=enrolment.business.name,
        course_title_vi=course.title_vi,
        course_title_en=course.title_en,
        completed_on=clock.today(),
    )
    db.session.add(certificate)
    db.session.flush()
    log.info("certificate %s issued for enrolment %s", certificate.id, enrolment.id)
    return certificate


def revoke_certificate(certificate: Certificate, user: User, reason: str | None = None) -> None:
    """Withdraw a certificate; the enrolment stays completed (counts do not change).

    A certificate is withdrawn once: a second attempt keeps the first date, author and reason.
    The business is locked before its certificate, as a move locks it before carrying it.
    """
    lock_business(certificate.business_id)
    locking.lock(Certificate, certificate.id)
    if certificate.revoked_at is not None:
        raise TrainingError("already_withdrawn")
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = user.id
    db.session.flush()
    log.info("certificate %s revoked by user %s", certificate.id, user.id)


# ----------------------------------------------------------------------------- helpers


def lock_cohort(cohort_id: int, shared: bool = False) -> Cohort:
    """Lock the cohort row until commit: every seat decision for it happens one at a time
    (``shared``: writes that only need the seats to stay as they are, side by side)."""
    cohort = locking.lock(Cohort, cohort_id, read=shared)
    if cohort is None:
        raise TrainingError("no_cohort")
    return cohort


def lock_business(business_id: int) -> Business:
    """Lock the business row until commit and reload it (its province, commune and sector).

    After its cohort, if any (the module's lock order): a move of the business waits for this
    transaction, or this one for the move and then reads where the move left the business.
    """
    business = locking.lock(Business, business_id)
    assert business is not None, f"business {business_id} is gone"
    return business


def lock_for_check_in(session: TrainingSession, owner: User) -> TrainingSession:
    """Take the locks of an owner's own check-in (training/checkin.py) in the module's order:
    the cohort and the session (shared), then the owner's businesses holding a seat in the
    class, before their enrolments; return the session, reloaded."""
    lock_cohort(session.cohort_id, shared=True)
    session = _lock_session(session.id, shared=True)
    db.session.execute(
        locking.locked(
            sa.select(Business.id)
            .join(Enrolment, Enrolment.business_id == Business.id)
            .where(
                Enrolment.cohort_id == session.cohort_id,
                Enrolment.state.in_(SEAT_STATES),
                Business.owner_id == owner.id,
            )
            .order_by(Business.id),
            of=Business,
        )
    )
    return session


def _check_before_certificates(cohort_id: int, starts_at: datetime) -> None:
    """Refuse a session starting after the class's first certificate was issued.

    A certificate says the class is over; a later session would make it premature.
    """
    first = db.session.scalar(
        sa.select(sa.func.min(Certificate.issued_at))
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id)
    )
    if first is not None and starts_at > first:
        raise TrainingError("class_has_certificates", at=first)


def _lock_session(session_id: int, shared: bool = False) -> TrainingSession:
    """Lock a session row until commit (``shared``: many attendance marks, no reschedule)."""
    session = locking.lock(TrainingSession, session_id, read=shared)
    if session is None:
        raise TrainingError("no_session")
    return session


def seats_taken(cohort_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Enrolment.id)).where(
                Enrolment.cohort_id == cohort_id, Enrolment.state.in_(SEAT_STATES)
            )
        )
        or 0
    )


def _take_seat_or_wait(cohort: Cohort, enrolment: Enrolment, user: User) -> None:
    # A new enrolment is not in the database yet (nor does it hold a seat): count without it.
    with db.session.no_autoflush:
        has_seat = seats_taken(cohort.id) < cohort.capacity
    if has_seat:
        enrolment.waitlisted_at = None
        _set_state(enrolment, EnrolmentState.ENROLLED, user)
        _seat_taken(enrolment, user)
    else:
        enrolment.waitlisted_at = utcnow()
        _set_state(enrolment, EnrolmentState.WAITLISTED, user)


def _fill_from_waitlist(cohort: Cohort, user: User | None) -> list[Enrolment]:
    """Move the earliest waitlisted up while seats are free (call with the cohort locked)."""
    free = cohort.capacity - seats_taken(cohort.id)
    if free <= 0:
        return []
    promoted = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.state == EnrolmentState.WAITLISTED)
        .order_by(Enrolment.waitlisted_at, Enrolment.id)
        .limit(free)
    ).all()
    for enrolment in promoted:
        enrolment.waitlisted_at = None
        _set_state(enrolment, EnrolmentState.ENROLLED, user)
        _seat_taken(enrolment, user)
        log.info("enrolment %s moved up from the waitlist of cohort %s", enrolment.id, cohort.id)
    return list(promoted)


def _seat_taken(enrolment: Enrolment, user: User | None) -> None:
    # Billing holds a paid course's seat for its fee, in this transaction (cohort locked).
    signals.seat_taken.send(enrolment, user=user)


def _set_state(enrolment: Enrolment, state: EnrolmentState, user: User | None) -> None:
    enrolment.state = state
    db.session.flush()
    _log(enrolment, EventState(state.value), user)
    log.info("enrolment %s is now %s", enrolment.id, state.value)


def _log(
    enrolment: Enrolment, state: EventState, user: User | None, session_id: int | None = None
) -> None:
    business = enrolment.business
    db.session.add(
        EnrolmentEvent(
            enrolment_id=enrolment.id,
            state=state,
            by_user_id=user.id if user is not None else None,
            province_code=enrolment.province_code,
            course_id=enrolment.cohort.course_id,
            cohort_id=enrolment.cohort_id,
            business_id=enrolment.business_id,
            commune_code=business.commune_code,
            sector=business.sector,
            session_id=session_id,
        )
    )
    db.session.flush()


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(Certificate.id).where(Certificate.code == code)) is None:
            return code


# ------------------------------------------------------------------ a business's move

#: Enrolments that still hold, await or offer a place in a class: a business cannot leave the
#: province of that class while it has one (README, "When a business moves to another province").
OPEN_ENROLMENT_STATES = (
    EnrolmentState.ASSIGNED,
    EnrolmentState.ENROLLED,
    EnrolmentState.WAITLISTED,
)


def count_moving_rows(business: Business, **_event: object) -> dict[str, int]:
    """What a move of the business would carry (its past classes and certificates) and what
    stops it (its open enrolments) (signals.business_moving)."""
    is_open = Enrolment.state.in_(OPEN_ENROLMENT_STATES)
    mine = Enrolment.business_id == business.id
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.count(Enrolment.id)).where(mine, ~is_open).scalar_subquery(),
            sa.select(sa.func.count(Certificate.id))
            .where(Certificate.business_id == business.id)
            .scalar_subquery(),
            sa.select(sa.func.count(Enrolment.id)).where(mine, is_open).scalar_subquery(),
        )
    ).one()
    return {"enrolments": row[0], "certificates": row[1], "open_enrolments": row[2]}


def carry_moved_rows(business: Business, **_event: object) -> dict[str, int]:
    """Carry the business's enrolments, their attendance and events, and its certificates to
    its new province (signals.business_moved)."""
    bid, place = business.id, {"province_code": business.province_code}
    # Keep updated_at: it dates the enrolment's last change, which a move is not.
    enrolments = move_rows(
        Enrolment, Enrolment.business_id == bid, updated_at=Enrolment.updated_at, **place
    )
    ids = sa.select(Enrolment.id).where(Enrolment.business_id == bid)
    move_rows(Attendance, Attendance.enrolment_id.in_(ids), **place)
    move_rows(
        EnrolmentEvent,
        EnrolmentEvent.business_id == bid,
        commune_code=business.commune_code,
        **place,
    )
    certificates = move_rows(Certificate, Certificate.business_id == bid, **place)
    return {"enrolments": enrolments, "certificates": certificates}


def connect_business_moves() -> None:
    """Count, refuse while open and carry the classes of a business that moves (create_app)."""
    signals.business_moving.connect(count_moving_rows)
    signals.business_moved.connect(carry_moved_rows)
