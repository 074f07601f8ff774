"""Claim codes: the short code by which a person takes over a business recorded for them.

A business created on someone's behalf (a household assessed by a field helper, a business
brought in by a bulk import) belongs to an *unclaimed* placeholder owner account. Its claim code
is printed on a slip; whoever holds the slip and answers the check (the phone number on record,
else the commune) moves the business, with its assessments and history, to their own account.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import Model


class ClaimCode(Model):
    """One per business: unclaimed until someone claims it (then kept as history)."""

    __tablename__ = "claim_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Upper-case letters and digits of claims.codes.ALPHABET, without separators (8 issued by
    #: the portal, 10 made by the field app on the phone).
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    business_id: Mapped[int] = mapped_column(
        sa.ForeignKey("businesses.id", ondelete="CASCADE"), unique=True
    )
    #: Copied from the business when issued, for scoping without a join.
    province_code: Mapped[int] = mapped_column(index=True)
    #: The phone number a claimant must give (digits, 0xxxxxxxxx); None: the commune is asked.
    check_phone: Mapped[str | None] = mapped_column(sa.String(15))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    claimed_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The placeholder account that held the business until the claim.
    unclaimed_owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    business: Mapped[Business] = relationship()

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None

    @classmethod
    def visible_to(cls, user: Any) -> sa.ColumnElement[bool]:
        """Province users see their province's codes; nobody else lists them."""
        if getattr(user, "is_province_user", False):
            return cls.province_code == user.province_code
        if getattr(user, "is_admin", False):
            return sa.true()
        return sa.false()
