"""Everything the portal holds about an owner and their businesses, as one ZIP file.

``data.json`` holds the rows; beside it the PDFs (assessment reports, certificates, receipts)
and the evidence files the owner uploaded. Every row comes through the scoping rules as the
owner sees it, in a fixed number of queries (the PDFs read a few rows each).
"""

import json
import os
import shutil
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import clock, geo
from portal.assess import report
from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import User
from portal.billing import receipts
from portal.billing.models import Payment
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceKind, OnboardingPath, StepProgress
from portal.paysign.models import PaymentSign
from portal.privacy import notices
from portal.privacy.models import PrivacyConsent
from portal.scoping import scoped_select
from portal.storage import CHUNK_BYTES, storage
from portal.training import certificates
from portal.training.alerts import ClassAlert
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Enrolment,
    EnrolmentEvent,
    TrainingSession,
)

#: Above this size the ZIP being built moves from memory to a temporary file.
IN_MEMORY_BYTES = 8 * 1024 * 1024


def _iso(value: date | datetime | None) -> str | None:
    """Return an ISO text; stored instants are naive UTC and say so with "Z"."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    return value.isoformat()


def _by_business(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.business_id].append(row)
    return grouped


def _safe_name(name: str) -> str:
    """Return a file name usable inside the ZIP (no folders, no odd characters)."""
    base = report.slug(os.path.splitext(name)[0])
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    return f"{base}.{ext}" if ext.isalnum() else base


class OwnerExport:
    """The owner's rows, loaded once; ``write`` puts them and their files into a ZIP."""

    def __init__(self, owner: User, lang: str) -> None:
        self.owner = owner
        self.lang = lang
        self.businesses = db.session.scalars(
            scoped_select(Business, owner).order_by(Business.id)
        ).all()
        self.assessments = _by_business(
            db.session.scalars(
                scoped_select(Assessment, owner)
                .options(selectinload(Assessment.scores))
                .order_by(Assessment.id)
            ).all()
        )
        self.enrolments = _by_business(
            db.session.scalars(
                scoped_select(Enrolment, owner)
                .options(selectinload(Enrolment.cohort).selectinload(Cohort.course))
                .order_by(Enrolment.id)
            ).all()
        )
        attendance = db.session.scalars(
            scoped_select(Attendance, owner).order_by(Attendance.id)
        ).all()
        self.attendance: dict[int, list[Attendance]] = defaultdict(list)
        for mark in attendance:
            self.attendance[mark.enrolment_id].append(mark)
        session_ids = {mark.session_id for mark in attendance}
        self.session_starts: dict[int, datetime] = {}
        if session_ids:
            self.session_starts = dict(
                db.session.execute(
                    sa.select(TrainingSession.id, TrainingSession.starts_at).where(
                        TrainingSession.id.in_(session_ids)
                    )
                ).all()
            )
        self.events = _by_business(
            db.session.scalars(
                scoped_select(EnrolmentEvent, owner).order_by(EnrolmentEvent.id)
            ).all()
        )
        self.certificates = _by_business(
            db.session.scalars(scoped_select(Certificate, owner).order_by(Certificate.id)).all()
        )
        self.payments = _by_business(
            db.session.scalars(scoped_select(Payment, owner).order_by(Payment.id)).all()
        )
        paths = db.session.scalars(
            scoped_select(OnboardingPath, owner).order_by(OnboardingPath.id)
        ).all()
        self.paths = _by_business(paths)
        # Ticked steps have no scope of their own: they are those of the owner's paths.
        self.steps: dict[int, list[StepProgress]] = defaultdict(list)
        if paths:
            for step in db.session.scalars(
                sa.select(StepProgress)
                .where(StepProgress.onboarding_id.in_([p.id for p in paths]))
                .order_by(StepProgress.id)
            ):
                self.steps[step.onboarding_id].append(step)
        self.evidence: dict[int, list[Evidence]] = defaultdict(list)
        for item in db.session.scalars(scoped_select(Evidence, owner).order_by(Evidence.id)):
            self.evidence[item.onboarding_id].append(item)
        self.signs = {
            sign.business_id: sign
            for sign in db.session.scalars(scoped_select(PaymentSign, owner))
        }
        self.class_alerts = _by_business(
            db.session.scalars(scoped_select(ClassAlert, owner).order_by(ClassAlert.id)).all()
        )
        self.consents = db.session.scalars(
            scoped_select(PrivacyConsent, owner).order_by(PrivacyConsent.id)
        ).all()
        #: ZIP member name -> a function rendering the PDF; name -> a stored file's storage key.
        self.pdfs: dict[str, Callable[[], bytes]] = {}
        self.files: dict[str, str] = {}

    # ----------------------------------------------------------------- the JSON document

    def data(self) -> dict[str, Any]:
        """Return everything as plain JSON values, registering the PDFs and files to add."""
        owner = self.owner
        return {
            "generated_at": _iso(clock.utcnow()),
            "privacy_notice_in_force": notices.current_version(),
            "account": {
                "id": owner.id,
                "name": owner.name,
                "email": owner.email,
                "phone": owner.phone,
                "role": owner.role.value,
                "language": owner.locale,
                "created_at": _iso(owner.created_at),
                "privacy_notice_version": owner.privacy_version,
                "privacy_consented_at": _iso(owner.privacy_consented_at),
            },
            "privacy_consents": [
                {
                    "notice_version": c.notice_version,
                    "consented_at": _iso(c.consented_at),
                    "language": c.locale,
                }
                for c in self.consents
            ],
            "businesses": [self._business(b) for b in self.businesses],
        }

    def _business(self, business: Business) -> dict[str, Any]:
        return {
            "id": business.id,
            "name": business.name,
            "kind": business.kind.value,
            "tax_code_or_personal_id": business.tax_code,
            "sector": business.sector.value,
            "size": business.size.value,
            "province_code": business.province_code,
            "province": geo.province_name(business.province_code),
            "commune_code": business.commune_code,
            "commune": geo.commune_name(business.commune_code),
            "address": business.address,
            "created_at": _iso(business.created_at),
            "assessments": [self._assessment(a) for a in self.assessments[business.id]],
            "enrolments": [self._enrolment(e) for e in self.enrolments[business.id]],
            "enrolment_events": [
                {
                    "enrolment_id": e.enrolment_id,
                    "state": e.state.value,
                    "at": _iso(e.at),
                    "course_id": e.course_id,
                    "class_id": e.cohort_id,
                }
                for e in self.events[business.id]
            ],
            "certificates": [self._certificate(c) for c in self.certificates[business.id]],
            "payments": [self._payment(p) for p in self.payments[business.id]],
            "listing_paths": [self._path(p) for p in self.paths[business.id]],
            "payment_sign": self._sign(self.signs.get(business.id)),
            "class_alerts": [
                {
                    "course_id": a.course_id,
                    "topic": a.topic or None,
                    "province_wide": a.province_wide,
                    "created_at": _iso(a.created_at),
                }
                for a in self.class_alerts[business.id]
            ],
        }

    def _sign(self, sign: PaymentSign | None) -> dict[str, Any] | None:
        if sign is None:
            return None
        return {
            "bank_bin": sign.bank_bin,
            "account_number": sign.account_number,
            "account_name": sign.account_name,
            "amount_vnd": sign.amount_vnd,
            "message": sign.message,
            "updated_at": _iso(sign.updated_at),
        }

    def _assessment(self, assessment: Assessment) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": assessment.id,
            "questionnaire": assessment.questionnaire_id,
            "questionnaire_version": assessment.questionnaire_version,
            "status": assessment.status.value,
            "started_at": _iso(assessment.created_at),
            "updated_at": _iso(assessment.updated_at),
            "submitted_at": _iso(assessment.submitted_at),
            "answers": assessment.answers or {},
            "overall_score": assessment.overall_score,
            "level": assessment.level,
            "dimension_scores": assessment.dimension_scores,
            "assisted_by_staff": assessment.is_assisted,
            "report_pdf": None,
        }
        if assessment.status == AssessmentStatus.SUBMITTED:
            name = f"assessments/{assessment.id}-{report.report_filename(assessment)}"
            self.pdfs[name] = partial(report.render_pdf, assessment, self.lang)
            row["report_pdf"] = name
        return row

    def _enrolment(self, enrolment: Enrolment) -> dict[str, Any]:
        course = enrolment.cohort.course
        return {
            "id": enrolment.id,
            "course": {"id": course.id, "title_vi": course.title_vi, "title_en": course.title_en},
            "class_id": enrolment.cohort_id,
            "state": enrolment.state.value,
            "enrolled_at": _iso(enrolment.created_at),
            "passed_check": enrolment.passed_check,
            "completed_at": _iso(enrolment.completed_at),
            "paid_at": _iso(enrolment.paid_at),
            "attendance": [
                {
                    "session_id": mark.session_id,
                    "session_starts_at": _iso(self.session_starts.get(mark.session_id)),
                    "present": mark.present,
                    "marked_at": _iso(mark.marked_at),
                }
                for mark in self.attendance[enrolment.id]
            ],
        }

    def _certificate(self, certificate: Certificate) -> dict[str, Any]:
        name = f"certificates/{certificate.code}.pdf"
        self.pdfs[name] = partial(certificates.render_pdf, certificate)
        return {
            "code": certificate.code,
            "awarded_to": certificate.business_name,
            "course_title_vi": certificate.course_title_vi,
            "course_title_en": certificate.course_title_en,
            "completed_on": _iso(certificate.completed_on),
            "issued_at": _iso(certificate.issued_at),
            "withdrawn_at": _iso(certificate.revoked_at),
            "withdrawal_reason": certificate.revoked_reason,
            "verification_url": certificates.verification_url(certificate),
            "pdf": name,
        }

    def _payment(self, payment: Payment) -> dict[str, Any]:
        pdf = None
        if payment.has_receipt:
            pdf = f"receipts/{payment.receipt_number}.pdf"
            self.pdfs[pdf] = partial(receipts.render_pdf, payment)
        return {
            "id": payment.id,
            "receipt_number": payment.receipt_number if payment.has_receipt else None,
            "enrolment_id": payment.enrolment_id,
            "course_id": payment.course_id,
            "status": payment.status.value,
            "fee_vnd": payment.fee_vnd,
            "subsidy_vnd": payment.subsidy_vnd,
            "amount_vnd": payment.amount_vnd,
            "paid_at": _iso(payment.paid_at),
            "refund_vnd": payment.refund_vnd,
            "refunded_at": _iso(payment.refunded_at),
            "created_at": _iso(payment.created_at),
            "receipt_pdf": pdf,
        }

    def _path(self, path: OnboardingPath) -> dict[str, Any]:
        return {
            "path": path.path_id,
            "channel": path.channel,
            "started_at": _iso(path.started_at),
            "steps_done": [
                {"step": s.step_id, "done_at": _iso(s.done_at)} for s in self.steps[path.id]
            ],
            "evidence": [self._evidence(e) for e in self.evidence[path.id]],
        }

    def _evidence(self, evidence: Evidence) -> dict[str, Any]:
        stored = None
        if evidence.kind == EvidenceKind.FILE and evidence.file_path:
            try:
                kept = storage().exists(evidence.file_path)
            except ValueError:
                kept = False
            if kept:
                stored = f"evidence/{evidence.id}-{_safe_name(evidence.file_name or 'file')}"
                self.files[stored] = evidence.file_path
        return {
            "id": evidence.id,
            "step": evidence.step_id,
            "kind": evidence.kind.value,
            "url": evidence.url or None,
            "file_name": evidence.file_name or None,
            "content_type": evidence.content_type or None,
            "file_size": evidence.file_size or None,
            "note": evidence.note,
            "status": evidence.status.value,
            "reason": evidence.reason,
            "submitted_at": _iso(evidence.submitted_at),
            "reviewed_at": _iso(evidence.verified_at),
            "file": stored,
        }

    # --------------------------------------------------------------------------- the ZIP

    def write(self) -> IO[bytes]:
        """Return a readable file holding the ZIP (in memory, or on disk when large)."""
        data = self.data()
        # The response closes it once sent.
        out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
            )
            for name, render in self.pdfs.items():
                archive.writestr(name, render())
            for name, key in self.files.items():
                try:
                    stored = storage().open(key)
                except FileNotFoundError:
                    continue  # deleted since data.json was written (retention)
                with stored, archive.open(name, "w") as entry:
                    shutil.copyfileobj(stored.stream, entry, CHUNK_BYTES)
        out.seek(0)
        return out

    def filename(self) -> str:
        return f"my-data-{clock.today().isoformat()}.zip"
