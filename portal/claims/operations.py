"""Writes of claiming: issuing a business's claim code, and a person claiming the business.

``issue_code`` is what any feature that records a business on someone's behalf calls (field
sync, bulk import): one code per business, whoever asks and however often. ``claim`` moves the
business to the claimant under a conditional update of the code's row, so that of two people
claiming the same code at the same moment exactly one wins.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal import clock
from portal.businesses.models import Business
from portal.claims import codes
from portal.claims.models import ClaimCode
from portal.extensions import db

log = logging.getLogger(__name__)


class ClaimError(Exception):
    """A claim the portal refuses; ``code`` picks the message (claims.labels.ERRORS)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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
