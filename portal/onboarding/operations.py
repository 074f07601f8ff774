"""Writes for onboarding: start a path, tick steps, add evidence, verify or reject it.

Each write locks the business first and reads the province under the lock, as a move of the
business locks it before it carries the business's paths, steps and evidence
(``businesses.operations.move_business``): a row written while the business moves waits for the
move and is written in the new province, or the move waits and then carries it; never a row
left behind in the old province, and never a wait in a circle.
"""

import logging

import sqlalchemy as sa

from assessments.listing_paths import ListingPath
from portal import locking, signals
from portal.auth.models import User
from portal.businesses.models import Business
from portal.businesses.operations import move_rows
from portal.clock import utcnow
from portal.extensions import db
from portal.failures import OperationError
from portal.onboarding.labels import OnboardingCode
from portal.onboarding.models import (
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    OnboardingPath,
    StepProgress,
)

log = logging.getLogger(__name__)


class OnboardingError(OperationError):
    """A write that the rules refuse; ``code`` is one of labels.OnboardingCode."""

    codes = OnboardingCode


def _lock_business(business_id: int) -> Business:
    """Lock the business row until commit and reload it (its province as the move left it)."""
    business = locking.lock(Business, business_id)
    assert business is not None, f"business {business_id} is gone"
    return business


def _lock_path(onboarding: OnboardingPath, *also: str) -> None:
    """Lock the path's business, then reload the path's province (and ``also`` these
    attributes) under the lock."""
    _lock_business(onboarding.business_id)
    db.session.refresh(onboarding, ["province_code", *also])


def start_path(business: Business, path: ListingPath, by: User) -> OnboardingPath:
    """Start ``path`` for the business, or return it if it was started already."""
    business = _lock_business(business.id)
    if not path.is_offered_to(business.kind.value, business.sector.value):
        raise OnboardingError("not_offered")
    existing = db.session.scalar(
        db.select(OnboardingPath).filter_by(business_id=business.id, path_id=path.id)
    )
    if existing is not None:
        return existing
    onboarding = OnboardingPath(
        business_id=business.id,
        province_code=business.province_code,
        path_id=path.id,
        channel=path.channel,
        started_by_id=by.id,
    )
    db.session.add(onboarding)
    db.session.flush()
    log.info("business %s started listing path %s (%s)", business.id, path.id, onboarding.id)
    return onboarding


def set_step_done(onboarding: OnboardingPath, step_id: str, done: bool, by: User) -> None:
    """Tick a step off, or untick it."""
    _lock_path(onboarding, "steps")
    current = next((s for s in onboarding.steps if s.step_id == step_id), None)
    if done and current is None:
        onboarding.steps.append(
            StepProgress(step_id=step_id, province_code=onboarding.province_code, done_by_id=by.id)
        )
    elif not done and current is not None:
        onboarding.steps.remove(current)
        db.session.delete(current)
    db.session.flush()
    log.info("onboarding %s step %s done=%s by user %s", onboarding.id, step_id, done, by.id)


def add_evidence(
    onboarding: OnboardingPath,
    by: User,
    *,
    step_id: str | None,
    url: str = "",
    file_path: str = "",
    file_name: str = "",
    content_type: str = "",
    file_size: int = 0,
    note: str = "",
) -> Evidence:
    """Record a listing URL or a stored file as evidence, waiting for verification."""
    _lock_path(onboarding)
    evidence = Evidence(
        onboarding=onboarding,
        business_id=onboarding.business_id,
        province_code=onboarding.province_code,
        step_id=step_id,
        kind=EvidenceKind.FILE if file_path else EvidenceKind.URL,
        url=url,
        file_path=file_path,
        file_name=file_name[:200],
        content_type=content_type,
        file_size=file_size,
        note=note,
        status=EvidenceStatus.PENDING,
        submitted_by_id=by.id,
    )
    db.session.add(evidence)
    db.session.flush()
    log.info("evidence %s (%s) added to onboarding %s", evidence.id, evidence.kind, onboarding.id)
    return evidence


def review_evidence(evidence: Evidence, by: User, verified: bool, reason: str = "") -> None:
    """Verify or reject evidence; a rejection needs a reason the owner will read.

    Refused if the evidence is not of the reviewer's province, read under the business's lock
    (its business may have moved to another province meanwhile).
    """
    _lock_business(evidence.business_id)
    db.session.refresh(evidence, ["province_code"])
    if evidence.province_code != by.province_code and not by.is_admin:
        raise OnboardingError("other_province")
    if not verified and not reason.strip():
        raise OnboardingError("reason_required")
    evidence.status = EvidenceStatus.VERIFIED if verified else EvidenceStatus.REJECTED
    evidence.reason = reason.strip()
    evidence.verified_by_id = by.id
    evidence.verified_at = utcnow()
    db.session.flush()
    log.info("evidence %s %s by user %s", evidence.id, evidence.status, by.id)
    signals.evidence_reviewed.send(evidence, by=by, verified=verified)


# ------------------------------------------------------------------ a business's move


def count_moving_rows(business: Business, **_event: object) -> dict[str, int]:
    """What a move of the business would carry: its listing paths and evidence
    (signals.business_moving)."""
    paths = sa.select(sa.func.count(OnboardingPath.id)).where(
        OnboardingPath.business_id == business.id
    )
    evidence = sa.select(sa.func.count(Evidence.id)).where(Evidence.business_id == business.id)
    row = db.session.execute(sa.select(paths.scalar_subquery(), evidence.scalar_subquery())).one()
    return {"listing_paths": row[0], "evidence": row[1]}


def carry_moved_rows(business: Business, **_event: object) -> dict[str, int]:
    """Carry the business's listing paths, their steps and its evidence to its new province
    (signals.business_moved)."""
    place = {"province_code": business.province_code}
    paths = move_rows(OnboardingPath, OnboardingPath.business_id == business.id, **place)
    ids = sa.select(OnboardingPath.id).where(OnboardingPath.business_id == business.id)
    move_rows(StepProgress, StepProgress.onboarding_id.in_(ids), **place)
    evidence = move_rows(Evidence, Evidence.business_id == business.id, **place)
    return {"listing_paths": paths, "evidence": evidence}


def connect_business_moves() -> None:
    """Count and carry the listing paths and evidence of a business that moves (create_app)."""
    signals.business_moving.connect(count_moving_rows)
    signals.business_moved.connect(carry_moved_rows)
