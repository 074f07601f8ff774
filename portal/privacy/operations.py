"""Writes for personal data: consent, closing an account, retention. Each function flushes;
the caller commits, then removes the files the function names (a rollback keeps them)."""

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult

from portal import clock, signals
from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceKind, EvidenceStatus
from portal.paysign.models import PaymentSign
from portal.privacy import notices
from portal.privacy.models import PrivacyConsent
from portal.scoping import scoped_select, visible
from portal.storage import storage
from portal.training.alerts import forget_business as forget_class_alerts
from portal.training.models import Certificate

log = logging.getLogger(__name__)

#: What a closed account and its businesses are called from then on (stored data, in the
#: portal's first language, like every name people typed).
DELETED_ACCOUNT_NAME = "Tài khoản đã xóa"
DELETED_BUSINESS_NAME = "Cơ sở đã xóa"


def record_consent(user: User, version: int, locale: str) -> PrivacyConsent:
    """Record that ``user`` agreed to notice ``version`` now (on the account and in the log)."""
    now = clock.utcnow()
    user.privacy_version = version
    user.privacy_consented_at = now
    consent = PrivacyConsent(
        user_id=user.id, notice_version=version, consented_at=now, locale=locale
    )
    db.session.add(consent)
    db.session.flush()
    log.info("user %s consented to privacy notice version %s", user.id, version)
    return consent


def record_consent_given_with(user: User, *, consented: bool, locale: str | None) -> None:
    """Record the consent a new account was made with, to the notice in force
    (signals.account_created); nothing for an account made without one."""
    if consented:
        record_consent(user, notices.current_version(), locale or "vi")


def connect() -> None:
    """Record the consent given with a new account (create_app)."""
    signals.account_created.connect(record_consent_given_with)


def needs_consent(user: User, version: int) -> bool:
    """Tell whether a signed-in person has not yet agreed to notice ``version``."""
    return (user.privacy_version or 0) < version


@dataclass
class Closure:
    """What closing an account changed; ``files`` are removed once the change is committed."""

    businesses: int = 0
    drafts_deleted: int = 0
    answers_erased: int = 0
    certificates: int = 0
    evidence: int = 0
    files: list[str] = field(default_factory=list)


def _rows_changed(statement: sa.Executable) -> int:
    """Run an UPDATE or DELETE; return how many rows it changed (its result is a CursorResult:
    Session.execute is typed for any statement)."""
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def close_account(owner: User) -> Closure:
    """Erase an owner's personal data, keeping only what the province's counts need.

    Kept, without identity: the business rows (kind, sector, commune, dates: the counts group
    by them), submitted assessments' scores and levels, enrolments, attendance, the enrolment
    log, certificates (valid, without the holder's name), payments (accounting), evidence
    status and dates (verified listings count). Erased: the account's name and contacts, the
    businesses' names, addresses and tax codes or personal ID numbers, every answer, drafts,
    evidence links, notes and files, the payment sign (bank account). The account can never
    sign in again.
    """
    closure = Closure()
    businesses = db.session.scalars(scoped_select(Business, owner)).all()
    ids = [b.id for b in businesses]
    closure.businesses = len(ids)
    for business in businesses:
        business.name = f"{DELETED_BUSINESS_NAME} #{business.id}"
        business.address = ""
        business.tax_code = None
    if ids:
        in_businesses = Assessment.business_id.in_(ids)
        closure.drafts_deleted = _rows_changed(
            sa.delete(Assessment)
            .where(in_businesses, Assessment.status == AssessmentStatus.DRAFT)
            .execution_options(synchronize_session=False)
        )
        closure.answers_erased = _rows_changed(
            sa.update(Assessment)
            .where(in_businesses)
            .values(answers={})
            .execution_options(synchronize_session=False)
        )
        closure.certificates = _rows_changed(
            sa.update(Certificate)
            .where(Certificate.business_id.in_(ids))
            .values(business_name="")
            .execution_options(synchronize_session=False)
        )
        closure.files = list(
            db.session.scalars(
                sa.select(Evidence.file_path).where(
                    visible(Evidence, owner),
                    Evidence.kind == EvidenceKind.FILE,
                    Evidence.file_path != "",
                )
            )
        )
        closure.evidence = _rows_changed(
            sa.update(Evidence)
            .where(Evidence.business_id.in_(ids))
            .values(url="", file_path="", file_name="", file_size=0, note="", reason="")
            .execution_options(synchronize_session=False)
        )
        # A bank account and its holder's name: nothing of it is needed once closed.
        db.session.execute(
            sa.delete(PaymentSign)
            .where(PaymentSign.business_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        # Nobody is left to tell of new classes.
        for business_id in ids:
            forget_class_alerts(business_id)
    owner.name = DELETED_ACCOUNT_NAME
    owner.email = None
    owner.phone = None
    # Nobody knows this password: with no e-mail, no phone and inactive, no way back in.
    owner.set_password(secrets.token_urlsafe(32))
    owner.active = False
    owner.closed_at = clock.utcnow()
    owner.end_all_sessions()
    db.session.flush()
    db.session.expire_all()
    log.info(
        "user %s closed their account: %s businesses anonymised, %s evidence files to delete",
        owner.id,
        closure.businesses,
        len(closure.files),
    )
    return closure


def remove_files(keys: Iterable[str]) -> int:
    """Delete stored evidence files (after the commit that forgot them); return how many."""
    removed = 0
    store = storage()
    for key in keys:
        try:
            store.delete(key)
        except ValueError:
            continue
        except OSError:
            # The rows no longer name it: say which, so someone can delete it by hand.
            log.exception("could not delete stored file %s", key)
            continue
        removed += 1
    return removed


@dataclass
class Purge:
    """What the retention rules select: old drafts, and rejected evidence with a file."""

    drafts: Sequence[Assessment]
    evidence: Sequence[Evidence]
    files: list[str] = field(default_factory=list)


def find_expired() -> Purge:
    """Return what the retention settings say must go now (nothing is changed)."""
    config = current_app.config
    now = clock.utcnow()
    draft_cutoff = now - timedelta(days=config["RETENTION_DRAFT_DAYS"])
    evidence_cutoff = now - timedelta(days=config["RETENTION_REJECTED_EVIDENCE_DAYS"])
    drafts = db.session.scalars(
        sa.select(Assessment)
        .where(
            Assessment.status == AssessmentStatus.DRAFT,
            Assessment.submitted_at.is_(None),
            sa.func.coalesce(Assessment.updated_at, Assessment.created_at) < draft_cutoff,
        )
        .order_by(Assessment.id)
    ).all()
    evidence = db.session.scalars(
        sa.select(Evidence)
        .where(
            Evidence.status == EvidenceStatus.REJECTED,
            Evidence.kind == EvidenceKind.FILE,
            Evidence.file_path != "",
            sa.func.coalesce(Evidence.verified_at, Evidence.submitted_at) < evidence_cutoff,
        )
        .order_by(Evidence.id)
    ).all()
    return Purge(drafts=drafts, evidence=evidence)


def purge(expired: Purge) -> Purge:
    """Delete the expired drafts and forget the expired evidence files (rows stay)."""
    expired.files = [e.file_path for e in expired.evidence]
    for evidence in expired.evidence:
        evidence.file_path = ""
        evidence.file_size = 0
    for draft in expired.drafts:
        db.session.delete(draft)
    db.session.flush()
    log.info(
        "retention: %s drafts deleted, %s rejected evidence files to delete",
        len(expired.drafts),
        len(expired.files),
    )
    return expired
