"""Self check-in: a session's QR code, its rotating token, and marking oneself present.

The code the trainer shows holds an absolute URL with a token: an HMAC (the app's SECRET_KEY)
of the session id and the current minute of the portal's clock. The token changes every
minute; the current and the previous minute's are accepted, so a code scanned just as it
changes still works. A photo of the code sent to somebody at home is therefore good for two
minutes at most. Codes are made and accepted only while the session can take check-ins: from
``OPENS_BEFORE`` before it starts to ``CLOSES_AFTER`` after it ends (people arrive early, and some
scan on their way out).
"""

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal import clock
from portal.auth.models import User
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import db
from portal.locking import locked
from portal.training import operations
from portal.training.labels import CheckInCode
from portal.training.models import (
    Attendance,
    Enrolment,
    EnrolmentState,
    EventState,
    TrainingSession,
)

log = logging.getLogger(__name__)

#: Check-in opens this long before the session starts…
OPENS_BEFORE = timedelta(minutes=15)
#: …and closes this long after it ends.
CLOSES_AFTER = timedelta(minutes=30)
#: After a scan by somebody not signed in, how long the code stays good for them to sign in.
SIGN_IN_GRACE = timedelta(minutes=15)
#: Tokens are 16 URL-safe characters (96 bits of the HMAC); anything longer is not ours.
TOKEN_LENGTH = 16

SEAT_STATES = (EnrolmentState.ENROLLED, EnrolmentState.COMPLETED)


# ------------------------------------------------------------------------------ tokens


def minute_of(instant: datetime) -> int:
    """Return the minute counter of a stored (naive UTC) instant: minutes since 1970."""
    return int(instant.replace(tzinfo=UTC).timestamp()) // 60


def token_for(session_id: int, minute: int) -> str:
    """Return the check-in token of a session for one minute of the clock."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, f"checkin:{session_id}:{minute}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def current_token(session_id: int) -> str:
    return token_for(session_id, minute_of(clock.utcnow()))


def is_fresh(session_id: int, token: str) -> bool:
    """Tell whether ``token`` is this session's token of the current or the previous minute."""
    if len(token) != TOKEN_LENGTH:
        return False
    now = minute_of(clock.utcnow())
    given = token.encode()
    return any(
        hmac.compare_digest(given, token_for(session_id, minute).encode())
        for minute in (now, now - 1)
    )


# ------------------------------------------------------------------------------ window


@dataclass(frozen=True)
class Window:
    """When a session takes check-ins (stored instants)."""

    opens_at: datetime
    closes_at: datetime

    def is_open(self, at: datetime | None = None) -> bool:
        at = at or clock.utcnow()
        return self.opens_at <= at < self.closes_at


def window_of(session: TrainingSession) -> Window:
    ends_at = session.starts_at + timedelta(minutes=session.duration_minutes)
    return Window(session.starts_at - OPENS_BEFORE, ends_at + CLOSES_AFTER)


# ---------------------------------------------------------------------------- check-in


class CheckInError(operations.TrainingError):
    """A refused check-in; ``code`` is one of labels.CheckInCode (the view fills the window)."""

    codes = CheckInCode


@dataclass
class CheckIn:
    """What a check-in did: the enrolments marked now and those already marked before."""

    marked: list[Enrolment]
    already: list[Enrolment]


def check_in(session: TrainingSession, owner: User) -> CheckIn:
    """Mark every business of ``owner`` holding a seat in the session's class present.

    Twice is once: an enrolment already marked present stays as it is, and its row is locked
    (``FOR UPDATE``) so that two scans at the same moment wait for each other instead of both
    adding a row. A trainer's correction to absent stands: a new scan does not undo it.
    """
    session = operations.lock_for_check_in(session, owner)
    window = window_of(session)
    if not window.is_open():
        raise CheckInError("not_open", at=window.opens_at)
    enrolments = db.session.scalars(
        locked(
            sa.select(Enrolment)
            .join(Business, Business.id == Enrolment.business_id)
            .where(
                Enrolment.cohort_id == session.cohort_id,
                Enrolment.state.in_(SEAT_STATES),
                Business.owner_id == owner.id,
            )
            .order_by(Business.name, Enrolment.id),
            of=Enrolment,
        )
    ).all()
    if not enrolments:
        raise CheckInError("not_enrolled")
    rows = {
        row.enrolment_id: row
        for row in db.session.scalars(
            sa.select(Attendance)
            .where(
                Attendance.session_id == session.id,
                Attendance.enrolment_id.in_([e.id for e in enrolments]),
            )
            .execution_options(populate_existing=True)
        )
    }
    result = CheckIn(marked=[], already=[])
    for enrolment in enrolments:
        row = rows.get(enrolment.id)
        if row is not None and row.present:
            result.already.append(enrolment)
        elif row is not None:
            continue  # the trainer recorded this one absent: theirs to change
        else:
            db.session.add(
                Attendance(
                    session_id=session.id,
                    enrolment=enrolment,
                    province_code=enrolment.province_code,
                    present=True,
                    marked_at=utcnow(),
                    marked_by_id=owner.id,
                )
            )
            operations._log(enrolment, EventState.ATTENDED, owner, session_id=session.id)
            result.marked.append(enrolment)
    if not result.marked and not result.already:
        raise CheckInError("marked_absent")
    db.session.flush()
    log.info(
        "session %s: user %s checked in (%s marked, %s already)",
        session.id,
        owner.id,
        len(result.marked),
        len(result.already),
    )
    return result
