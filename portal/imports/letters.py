"""Printed invitation letters: one A4 page per imported business, with its claim QR code."""

from __future__ import annotations

import segno
import sqlalchemy as sa
from flask import render_template

from portal import geo
from portal.businesses.models import Business
from portal.claims import codes
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.imports.models import ImportBatch, ImportedBusiness
from portal.pdf import write_pdf
from portal.urls import external_url

#: Letters per PDF: a batch of 50,000 is printed in parts, each made in reasonable time.
PER_PDF = 500


def claim_url(code: str) -> str:
    """The absolute /claim/<code> address (the endpoint also answers /claim?code=, which a QR
    code or a letter should not print)."""
    return f"{external_url('claims.start').rstrip('/')}/{code}"


def parts(batch: ImportBatch) -> int:
    """How many PDFs the batch's letters take."""
    return -(-batch.imported_count // PER_PDF)


def render_pdf(batch: ImportBatch, part: int) -> bytes | None:
    """Render letters ``part`` (from 1) of the batch, or None when there is no such part."""
    if part < 1 or part > parts(batch):
        return None
    rows = db.session.execute(
        sa.select(Business, ClaimCode.code)
        .join(ImportedBusiness, ImportedBusiness.business_id == Business.id)
        .join(ClaimCode, ClaimCode.business_id == Business.id)
        .where(ImportedBusiness.batch_id == batch.id)
        .order_by(ImportedBusiness.row_number)
        .offset((part - 1) * PER_PDF)
        .limit(PER_PDF)
    ).all()
    letters = []
    for business, code in rows:
        url = claim_url(code)
        letters.append(
            {
                "business": business,
                "commune": geo.commune_name(business.commune_code),
                "code": codes.grouped(code),
                "url": url,
                "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=4),
            }
        )
    html = render_template(
        "imports/letters_pdf.html",
        letters=letters,
        province=geo.province_name(batch.province_code),
    )
    return write_pdf(html)
