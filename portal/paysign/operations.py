"""Writes for payment signs."""

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import locking, signals
from portal.auth.models import User
from portal.businesses.models import Business
from portal.businesses.operations import move_rows
from portal.extensions import db
from portal.paysign import vietqr
from portal.paysign.models import PaymentSign

log = logging.getLogger(__name__)


def save_sign(
    business: Business,
    by: User,
    *,
    bank_bin: str,
    account_number: str,
    account_name: str,
    amount_vnd: int | None,
    message: str,
) -> PaymentSign:
    """Create or replace the business's payment sign with values the form has cleaned.

    The business is locked first and its province read under the lock, as a move locks it
    before carrying the sign: a sign made while the business moves is made where it moved.
    """
    # The form checked each value; building the code refuses anything it could not carry.
    vietqr.build_payload(bank_bin, account_number, amount_vnd, message)
    locked = locking.lock(Business, business.id)
    assert locked is not None, f"business {business.id} is gone"
    business = locked
    values = {
        "bank_bin": bank_bin,
        "account_number": account_number,
        "account_name": account_name,
        "amount_vnd": amount_vnd,
        "message": message,
        "updated_by_id": by.id,
    }
    select = sa.select(PaymentSign).where(PaymentSign.business_id == business.id)
    sign = db.session.scalar(select)
    if sign is None:
        sign = PaymentSign(business_id=business.id, province_code=business.province_code, **values)
        try:
            with db.session.begin_nested():
                db.session.add(sign)
        except IntegrityError:
            # Saved at the same moment from another tab: this one changes that row.
            sign = db.session.scalars(select).one()
    for name, value in values.items():
        setattr(sign, name, value)
    db.session.flush()
    log.info("business %s payment sign saved by user %s", business.id, by.id)
    return sign


# ------------------------------------------------------------------ a business's move


def carry_moved_rows(business: Business, **_event: object) -> None:
    """Carry the business's payment sign to its new province (signals.business_moved)."""
    move_rows(
        PaymentSign, PaymentSign.business_id == business.id, province_code=business.province_code
    )


def connect_business_moves() -> None:
    """Carry the payment sign of a business that moves (create_app)."""
    signals.business_moved.connect(carry_moved_rows)
