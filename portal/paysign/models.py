"""A business's VietQR payment sign: the account that receives customers' transfers."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import Model
from portal.paysign import vietqr
from portal.paysign.banks import Bank, by_bin
from portal.scoping import OwnersSeeTheirBusinesses


class PaymentSign(OwnersSeeTheirBusinesses, Model):
    """One per business; the owner changes it, the province's trainers and staff see it."""

    __tablename__ = "payment_signs"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), unique=True)
    #: Copied from the business (and changed when it moves), for scoping without a join.
    province_code: Mapped[int] = mapped_column(index=True)
    #: The bank's 6-digit BIN from banks.yaml (the acquirer id in the QR code).
    bank_bin: Mapped[str] = mapped_column(sa.String(6))
    #: Letters and digits only, as it goes into the QR code.
    account_number: Mapped[str] = mapped_column(sa.String(19))
    #: Upper case without diacritics, as banks show the holder's name.
    account_name: Mapped[str] = mapped_column(sa.String(vietqr.NAME_MAX))
    #: A fixed amount in VND, or None: the customer types the amount.
    amount_vnd: Mapped[int | None] = mapped_column(sa.BigInteger())
    #: As the owner typed it (Vietnamese); the QR code carries it folded to ASCII.
    message: Mapped[str] = mapped_column(sa.String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    business: Mapped[Business] = relationship()

    @property
    def bank(self) -> Bank | None:
        return by_bin(self.bank_bin)

    @property
    def payload(self) -> str:
        """The VietQR payload of this sign."""
        return vietqr.build_payload(
            self.bank_bin, self.account_number, self.amount_vnd, self.message
        )
