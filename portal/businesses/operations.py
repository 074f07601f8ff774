"""Writes for businesses, and an owner's registration with their first business."""

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import CursorResult

from portal import geo, signals
from portal.auth.models import Role, User
from portal.auth.operations import create_user
from portal.businesses.models import Business
from portal.businesses.queries import moving_counts
from portal.clock import utcnow
from portal.extensions import db
from portal.failures import Code, OperationError
from portal.locking import locked

log = logging.getLogger(__name__)


class MoveCode(Code):
    """Refusals of a move to another province (MoveError), each with its message."""

    NOT_ALLOWED = "not_allowed", _l(
        "Only the business's owner or an administrator can move it to another province."
    )
    UNKNOWN_PLACE = "unknown_place", _l("Choose a province and one of its communes.")
    SAME_PROVINCE = "same_province", _l("The business is already in that province.")
    OPEN_ENROLMENTS = "open_enrolments", _l(
        "The business still holds, awaits or is offered a place in classes of its province "
        "(%(num)s), so it cannot move yet: cancel or decline them on the training page, or "
        "wait until the classes are complete."
    )


class MoveError(OperationError):
    """A move the rules refuse; ``code`` (a MoveCode) picks the translated message."""

    codes = MoveCode


#: The password hash of an unclaimed owner account: matches no password, so nobody signs in.
UNCLAIMED_PASSWORD = "!"


def unclaimed_owner_values(name: str, locale: str | None, created_by_id: int | None) -> dict:
    """The columns of an *unclaimed* owner account: one that holds a business recorded on
    someone's behalf (a field household, a bulk import) until that person claims it. It has no
    e-mail, phone or usable password."""
    return {
        "name": name[:120],
        "role": Role.OWNER,
        "password_hash": UNCLAIMED_PASSWORD,
        "locale": locale,
        "created_by_id": created_by_id,
    }


def create_unclaimed_owner(
    name: str, locale: str | None, created_by_id: int | None, **fields: Any
) -> User:
    """Add an unclaimed owner account (``fields``: e.g. the privacy consent it carries)."""
    owner = User(**unclaimed_owner_values(name, locale, created_by_id), **fields)
    db.session.add(owner)
    db.session.flush()
    return owner


def create_business(owner: User, **fields: Any) -> Business:
    """Register a business for ``owner``."""
    business = Business(owner=owner, **fields)
    db.session.add(business)
    db.session.flush()
    log.info("business %s created for user %s", business.id, owner.id)
    return business


def register_owner(*, account: dict[str, Any], business: dict[str, Any], locale: str) -> User:
    """Create a business owner's account together with their first business (registration).

    The registration form requires consent to the privacy notice in force: the account is made
    ``consented``, and the privacy feature records it (``signals.account_created``).
    """
    owner = create_user(role=Role.OWNER, locale=locale, consented=True, **account)
    create_business(owner, **business)
    return owner


def update_business(business: Business, **fields: Any) -> Business:
    """Change a business's details (within its province: ``move_business`` changes that)."""
    province = fields.get("province_code", business.province_code)
    if province != business.province_code:
        raise ValueError("a business changes province only through move_business")
    for name, value in fields.items():
        setattr(business, name, value)
    db.session.flush()
    log.info("business %s updated", business.id)
    return business


@dataclass(frozen=True)
class Moved:
    """How many rows of each kind a move carried to the new province."""

    assessments: int
    enrolments: int
    certificates: int
    listing_paths: int
    evidence: int
    digital_status: int


def move_rows(model: Any, condition: Any, **values: Any) -> int:
    """Run one UPDATE of every ``model`` row matching ``condition``; return how many changed.

    For the receivers of ``signals.business_moved``: copies of ``model`` rows already loaded in
    the session are expired, so that they are read again with their new place.
    """
    stmt = (
        sa.update(model)
        .where(condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
    changed = cast(CursorResult[Any], db.session.execute(stmt)).rowcount
    _expire_loaded(model)
    return changed


def _expire_loaded(model: Any) -> None:
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, model):
            db.session.expire(obj)


def move_business(business: Business, province_code: int, commune_code: int, by: User) -> Moved:
    """Move a business to another province, its whole history with it, in one transaction.

    Every row of the business that copies its province (and the copies of its commune) is
    changed by one UPDATE per table, with the business row locked, so that access and reports
    follow the business at once: the business row here, every feature's own rows in its receiver
    of ``signals.business_moved``. Payments stay with the province whose course they paid for;
    the digital-status history closes its open stretch at the move and reopens it under the new
    province's definition. Refused while the business holds, awaits or is offered a place in a
    class (those classes belong to the old province's offer; ``signals.business_moving``).

    Lock order, the same in every write of a row of the business that a move carries or that
    copies its province (its assessments: ``assess.operations``, ``field.operations``; its
    places in classes, attendance and certificates: ``training.operations``, where a class is
    locked before the business; its listing paths and evidence, payment sign, class alerts): the
    business row before any of its rows and before the stored summaries, and the province read
    under that lock. A move locks no class. So a move and such a write take turns on the
    business row and never wait for each other in a circle (PostgreSQL would abort one: a 503),
    and nothing is written in the province the business left;
    tests/integration/test_move_submit_race.py and test_move_write_races.py race them.
    """
    if not (by.is_admin or (by.is_owner and business.owner_id == by.id)):
        raise MoveError("not_allowed")
    if geo.get_province(province_code) is None or not geo.is_commune_in_province(
        commune_code, province_code
    ):
        raise MoveError("unknown_place")
    db.session.flush()
    # The lock makes a second move, or an edit of the business, wait for this one.
    business = db.session.scalars(
        locked(sa.select(Business).where(Business.id == business.id))
    ).one()
    old = business.province_code
    if province_code == old:
        raise MoveError("same_province")
    open_enrolments = moving_counts(business)["open_enrolments"]
    if open_enrolments:
        raise MoveError("open_enrolments", num=open_enrolments)
    at = utcnow()
    business.province_code, business.commune_code = province_code, commune_code
    db.session.flush()
    # Each feature carries its rows (assessments, listing paths and evidence, enrolments and
    # certificates, payment signs, the status history); class alerts are dropped.
    carried: Counter[str] = Counter()
    for _receiver, rows in signals.business_moved.send(business, old_province_code=old, at=at):
        carried.update(rows or {})
    moved = Moved(**{field: carried[field] for field in Moved.__dataclass_fields__})
    log.info(
        "business %s moved from province %s to %s by user %s: %s",
        business.id,
        old,
        province_code,
        by.id,
        moved,
    )
    return moved
