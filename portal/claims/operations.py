"""Writes of claiming: issuing a business's claim code, and a person claiming the business.

``issue_code`` is what any feature that records a business on someone's behalf calls (field
sync, bulk import): one code per business, whoever asks and however often. ``claim`` moves the
business to the claimant under a conditional update of the code's row, so that of two people
claiming the same code at the same moment exactly one wins.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult

from portal import clock
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.claims import codes
from portal.claims.labels import ClaimRefusal
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.failures import OperationError
from portal.locking import locked

log = logging.getLogger(__name__)


class ClaimError(OperationError):
    """A claim the portal refuses; ``code`` is one of labels.ClaimRefusal."""

    codes = ClaimRefusal


def _insert_ignoring(values: dict[str, Any]) -> bool:
    """Insert a code row unless one for the business or with the code exists; True if new."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ClaimCode).values(**values).on_conflict_do_nothing().returning(ClaimCode.id)
    return db.session.execute(statement).scalar_one_or_none() is not None


def issue_code(
    business: Business, *, code: str | None = None, check_phone: str | None = None
) -> ClaimCode:
    """Return the business's claim code, creating it the first time (idempotent).

    ``code``: a code made elsewhere (the field app's, from the phone) to keep; a fresh one is
    drawn otherwise. ``check_phone``: the phone number a claimant must give (digits); without
    it the claimant names the business's commune. Safe under concurrent calls for the same
    business: one row wins, every caller gets it.
    """
    db.session.flush()
    existing = _code_of(business.id)
    if existing is not None:
        return existing
    for _attempt in range(8):
        candidate = code or codes.new_code()
        created = _insert_ignoring(
            {
                "code": candidate,
                "business_id": business.id,
                "province_code": business.province_code,
                "check_phone": check_phone,
                "created_at": clock.utcnow(),
            }
        )
        row = _code_of(business.id)
        if row is not None:
            if created:
                log.info("claim code issued for business %s", business.id)
            return row
        code = None  # the given code is taken by another business: draw one
    raise RuntimeError("no free claim code after 8 draws")


def _code_of(business_id: int) -> ClaimCode | None:
    return db.session.scalar(sa.select(ClaimCode).where(ClaimCode.business_id == business_id))


def find_code(text: str | None) -> ClaimCode | None:
    """The code a person typed (any case, with spaces or a dash), or None."""
    code = codes.normalize(text)
    if code is None:
        return None
    return db.session.scalar(sa.select(ClaimCode).where(ClaimCode.code == code))


def expected_answer(row: ClaimCode) -> tuple[str, str | int]:
    """What the claimant is asked: ("phone", digits) or ("commune", its code)."""
    if row.check_phone:
        return "phone", row.check_phone
    return "commune", row.business.commune_code


def check(text: str | None, answer: str | int | None) -> ClaimCode:
    """The unclaimed code ``text`` names, if ``answer`` is the record's; else ClaimError."""
    row = find_code(text)
    if row is None:
        raise ClaimError("unknown")
    if row.is_claimed:
        raise ClaimError("used")
    _kind, expected = expected_answer(row)
    if answer is None or str(answer) != str(expected):
        raise ClaimError("wrong_answer")
    return row


def is_placeholder(user: User) -> bool:
    """An account made for someone who has not claimed it: no e-mail, no phone to sign in."""
    return user.role == Role.OWNER and not user.email and not user.phone


def claim(text: str, user: User) -> Business:
    """Give ``user`` the business the code names, with all it holds (its assessments, classes,
    listing paths and history follow the business).

    The code's row is taken by one conditional UPDATE (unclaimed → claimed by ``user``): of two
    people claiming at once, the second's update waits for the first's transaction and then
    matches nothing. The placeholder account is deactivated when it owns nothing else.
    """
    if user.role != Role.OWNER or not user.active or not (user.email or user.phone):
        raise ClaimError("not_owner")
    row = find_code(text)
    if row is None:
        raise ClaimError("unknown")
    if row.is_claimed:
        raise ClaimError("already_yours" if row.claimed_by_user_id == user.id else "used")
    # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
    update = db.session.execute(
        sa.update(ClaimCode)
        .where(ClaimCode.id == row.id, ClaimCode.claimed_at.is_(None))
        .values(claimed_at=clock.utcnow(), claimed_by_user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    taken = cast(CursorResult[Any], update).rowcount
    db.session.expire(row)
    if taken != 1:
        raise ClaimError("already_yours" if row.claimed_by_user_id == user.id else "used")
    # The code is ours now; the caller rolls back on any refusal below.
    business = db.session.scalars(
        locked(sa.select(Business).where(Business.id == row.business_id))
    ).one()
    previous = business.owner
    if not is_placeholder(previous):
        raise ClaimError("not_claimable")
    row.unclaimed_owner_id = previous.id
    business.owner_id = user.id
    db.session.flush()
    others = db.session.scalar(
        sa.select(sa.func.count()).select_from(Business).where(Business.owner_id == previous.id)
    )
    if not others:
        previous.active = False
        previous.end_all_sessions()
    db.session.flush()
    db.session.expire(business, ["owner"])
    log.info(
        "business %s claimed by user %s from placeholder %s%s",
        business.id,
        user.id,
        previous.id,
        "" if others else " (deactivated)",
    )
    return business
