"""Writes of the bulk import: a previewed batch, then its import in one transaction."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from portal import clock, locking
from portal.auth.models import User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.businesses.operations import unclaimed_owner_values
from portal.claims import codes
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.imports import letters, parsing, validation
from portal.imports.models import BatchStatus, ImportBatch, ImportedBusiness
from portal.mail import send_mail
from portal.storage import storage

log = logging.getLogger(__name__)

#: Rows inserted per statement when importing.
INSERT_CHUNK = 1000
#: Days a checked list's file is kept for its import; then it is deleted (it names people).
KEEP_DAYS = 7


def preview(data: bytes, file_name: str, province_code: int, by: User) -> ImportBatch:
    """Check ``data`` (raises parsing.FileRefused), keep the file, and record what it holds."""
    expire_old(province_code)
    sheet = parsing.read(data)
    rows = validation.validate(sheet, province_code)
    key = f"imports/{province_code}/{secrets.token_hex(16)}.{sheet.kind}"
    storage().save(key, io.BytesIO(data))
    batch = ImportBatch(
        province_code=province_code,
        created_by_id=by.id,
        file_name=file_name[:200] or "-",
        file_key=key,
        file_sha256=hashlib.sha256(data).hexdigest(),
    )
    _record(batch, rows)
    db.session.add(batch)
    db.session.flush()
    log.info(
        "import batch %s previewed by user %s: %s rows, %s accepted",
        batch.id, by.id, batch.total_rows, batch.accepted_rows,
    )  # fmt: skip
    return batch


def expire_old(province_code: int) -> int:
    """Delete the files of the province's lists checked more than KEEP_DAYS ago and never
    imported; return how many."""
    old = db.session.scalars(
        sa.select(ImportBatch).where(
            ImportBatch.province_code == province_code,
            ImportBatch.status == BatchStatus.PREVIEWED,
            ImportBatch.created_at < clock.utcnow() - timedelta(days=KEEP_DAYS),
        )
    ).all()
    for batch in old:
        storage().delete(batch.file_key)
        batch.status = BatchStatus.EXPIRED
    return len(old)


def _record(batch: ImportBatch, rows: list[validation.Row]) -> None:
    batch.total_rows = len(rows)
    batch.accepted_rows = sum(1 for r in rows if r.accepted)
    batch.known_rows = sum(1 for r in rows if r.known)
    batch.refused_rows = batch.total_rows - batch.accepted_rows - batch.known_rows
    batch.preview = validation.summary(rows)


@dataclass
class Imported:
    batch: ImportBatch
    business_ids: list[int]


class BatchClosed(Exception):
    """The list cannot be imported: already imported, or its kept file is gone (expired).

    ``status`` says which; a batch found without its file has been marked expired, and the
    caller commits that.
    """

    def __init__(self, status: BatchStatus) -> None:
        super().__init__(status.value)
        self.status = status


def run(batch: ImportBatch, by: User) -> Imported:
    """Import the accepted rows of a previewed batch, all or none (the caller commits).

    The kept file is checked again: a row the portal got meanwhile (another batch, a
    registration) is then found as a duplicate, so importing twice adds nothing. The batch
    row is locked first: two people pressing Import at once queue here, and the second finds
    the list imported (BatchClosed) instead of importing it again.
    """
    locking.lock(ImportBatch, batch.id)
    if batch.status != BatchStatus.PREVIEWED:
        raise BatchClosed(batch.status)
    try:
        with storage().open(batch.file_key) as stored:
            data = stored.stream.read()
    except FileNotFoundError:
        log.warning("import batch %s: its kept file %s is gone", batch.id, batch.file_key)
        batch.status = BatchStatus.EXPIRED
        raise BatchClosed(batch.status) from None
    rows = validation.validate(parsing.read(data), batch.province_code)
    accepted = [r for r in rows if r.accepted]
    ids: list[int] = []
    for start in range(0, len(accepted), INSERT_CHUNK):
        ids.extend(_insert(batch, accepted[start : start + INSERT_CHUNK], by))
    _issue_codes(ids, batch.province_code)
    _record(batch, rows)
    batch.status = BatchStatus.IMPORTED
    batch.imported_at = clock.utcnow()
    batch.imported_by_id = by.id
    batch.imported_count = len(ids)
    storage().delete(batch.file_key)
    db.session.flush()
    log.info("import batch %s: %s businesses imported by user %s", batch.id, len(ids), by.id)
    return Imported(batch, ids)


def _insert(batch: ImportBatch, rows: list[validation.Row], by: User) -> list[int]:
    """Insert one chunk: unclaimed owners, their businesses, the import records."""
    owner_ids = list(
        db.session.scalars(
            sa.insert(User).returning(User.id, sort_by_parameter_order=True),
            [unclaimed_owner_values(r.values["name"], "vi", by.id) for r in rows],
        )
    )
    now = clock.utcnow()
    business_ids = list(
        db.session.scalars(
            sa.insert(Business).returning(Business.id, sort_by_parameter_order=True),
            [
                {
                    "owner_id": owner_id,
                    "name": r.values["name"],
                    "kind": BusinessKind(r.values["kind"]),
                    "tax_code": r.values["tax_code"],
                    "sector": Sector(r.values["sector"]),
                    "size": BusinessSize(r.values["size"]),
                    "province_code": batch.province_code,
                    "commune_code": r.values["commune_code"],
                    "address": r.values["address"],
                    "created_at": now,
                }
                for owner_id, r in zip(owner_ids, rows, strict=True)
            ],
        )
    )
    db.session.execute(
        sa.insert(ImportedBusiness),
        [
            {
                "batch_id": batch.id,
                "business_id": business_id,
                "province_code": batch.province_code,
                "row_number": r.number,
                "phone": r.values["phone"],
                "email": r.values["email"],
                "name_key": r.values["name_key"],
            }
            for business_id, r in zip(business_ids, rows, strict=True)
        ],
    )
    return business_ids


def _issue_codes(business_ids: list[int], province_code: int) -> None:
    """A claim code for each new business; the claimant will be asked the phone on record.

    The rows ``claims.operations.issue_code`` makes, made a thousand per statement: one call per
    business costs four statements, which a list of 50,000 cannot afford. A code already taken
    (or a business that has one) is skipped by the insert, and drawn again for what is left.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = clock.utcnow()
    for start in range(0, len(business_ids), INSERT_CHUNK):
        chunk = business_ids[start : start + INSERT_CHUNK]
        phones = dict(
            db.session.execute(
                sa.select(ImportedBusiness.business_id, ImportedBusiness.phone).where(
                    ImportedBusiness.business_id.in_(chunk)
                )
            ).all()
        )
        waiting = set(chunk)
        for _attempt in range(8):
            if not waiting:
                break
            statement = (
                insert(ClaimCode)
                .values(
                    [
                        {
                            "code": codes.new_code(),
                            "business_id": business_id,
                            "province_code": province_code,
                            "check_phone": phones.get(business_id),
                            "created_at": now,
                        }
                        for business_id in sorted(waiting)
                    ]
                )
                .on_conflict_do_nothing()
                .returning(ClaimCode.business_id)
            )
            waiting -= set(db.session.scalars(statement))
        if waiting:
            raise RuntimeError("no free claim code after 8 draws")


def send_invitations(batch: ImportBatch) -> int:
    """Mail an invitation to every business of the batch with an e-mail, not yet invited."""
    rows = db.session.execute(
        sa.select(ImportedBusiness, Business, ClaimCode.code)
        .join(Business, Business.id == ImportedBusiness.business_id)
        .join(ClaimCode, ClaimCode.business_id == Business.id)
        .where(
            ImportedBusiness.batch_id == batch.id,
            ImportedBusiness.email.is_not(None),
            ImportedBusiness.invited_at.is_(None),
        )
        .order_by(ImportedBusiness.id)
    ).all()
    sent = 0
    for record, business, code in rows:
        assert record.email is not None  # the query's condition
        with force_locale("vi"):
            subject = _(
                "%(name)s: your business is on the digital readiness portal", name=business.name
            )
            body = render_template(
                "imports/invitation_mail.txt",
                business=business,
                code=codes.grouped(code),
                url=letters.claim_url(code),
            )
        send_mail(subject, body, [record.email])
        record.invited_at = clock.utcnow()
        sent += 1
    batch.invited_count += sent
    db.session.flush()
    return sent
