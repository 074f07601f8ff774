"""Writes for businesses."""

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal import geo, signals
from portal.assess.models import Assessment, AssessmentScore
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.businesses.queries import count_open_enrolments
from portal.clock import utcnow
from portal.extensions import db
from portal.locking import locked
from portal.onboarding.models import Evidence, OnboardingPath, StepProgress
from portal.paysign.models import PaymentSign
from portal.reports.models import DigitalStatus
from portal.training.models import Attendance, Certificate, Enrolment, EnrolmentEvent

log = logging.getLogger(__name__)


class MoveError(Exception):
    """A move the rules refuse; ``code`` picks the translated message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


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


#: The models whose rows a move changes, so that copies loaded in the session are reloaded.
_MOVED_MODELS = (
    Business,
    Assessment,
    AssessmentScore,
    OnboardingPath,
    StepProgress,
    Evidence,
    Enrolment,
    Attendance,
    EnrolmentEvent,
    Certificate,
    DigitalStatus,
    PaymentSign,
)


def _update(model: Any, condition: Any, **values: Any) -> int:
    """Run one UPDATE of every matching row; return how many changed."""
    stmt = (
        sa.update(model)
        .where(condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).rowcount


def move_business(business: Business, province_code: int, commune_code: int, by: User) -> Moved:
    """Move a business to another province, its whole history with it, in one transaction.

    Every row of the business that copies its province (and the copies of its commune) is
    changed by one UPDATE per table, with the business row locked, so that access and reports
    follow the business at once. Payments stay with the province whose course they paid for;
    the digital-status history closes its open stretch at the move and reopens it under the new
    province's definition. Refused while the business holds, awaits or is offered a place in a
    class (those classes belong to the old province's offer).
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
    open_enrolments = count_open_enrolments(business.id)
    if open_enrolments:
        raise MoveError("open_enrolments", num=open_enrolments)
    at = utcnow()
    place = {"province_code": province_code}
    bid = business.id
    assessments = _update(Assessment, Assessment.business_id == bid, **place)
    _update(
        AssessmentScore,
        AssessmentScore.assessment_id.in_(
            sa.select(Assessment.id).where(Assessment.business_id == bid)
        ),
        **place,
    )
    paths = _update(OnboardingPath, OnboardingPath.business_id == bid, **place)
    _update(
        StepProgress,
        StepProgress.onboarding_id.in_(
            sa.select(OnboardingPath.id).where(OnboardingPath.business_id == bid)
        ),
        **place,
    )
    evidence = _update(Evidence, Evidence.business_id == bid, **place)
    # Keep updated_at: it dates the enrolment's last change, which a move is not.
    enrolments = _update(
        Enrolment, Enrolment.business_id == bid, updated_at=Enrolment.updated_at, **place
    )
    _update(
        Attendance,
        Attendance.enrolment_id.in_(sa.select(Enrolment.id).where(Enrolment.business_id == bid)),
        **place,
    )
    _update(EnrolmentEvent, EnrolmentEvent.business_id == bid, commune_code=commune_code, **place)
    certificates = _update(Certificate, Certificate.business_id == bid, **place)
    _update(PaymentSign, PaymentSign.business_id == bid, **place)
    business.province_code, business.commune_code = province_code, commune_code
    db.session.flush()
    # Reports carry the status history (and count its rows); class alerts are dropped.
    carried = signals.business_moved.send(business, old_province_code=old, at=at)
    statuses = sum(rows for _receiver, rows in carried if rows)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, _MOVED_MODELS) and obj is not business:
            db.session.expire(obj)
    log.info(
        "business %s moved from province %s to %s by user %s: %s assessments, %s enrolments, "
        "%s certificates, %s listing paths, %s evidence, %s status rows",
        bid,
        old,
        province_code,
        by.id,
        assessments,
        enrolments,
        certificates,
        paths,
        evidence,
        statuses,
    )
    return Moved(assessments, enrolments, certificates, paths, evidence, statuses)
