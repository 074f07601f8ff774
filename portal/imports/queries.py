"""Reads of the bulk import: the province's batches (the funnel is in reports.funnel_queries)."""

from __future__ import annotations

from portal.extensions import db
from portal.imports.models import ImportBatch
from portal.scoping import scoped_select


def batches(limit: int = 50) -> list[ImportBatch]:
    return list(
        db.session.scalars(scoped_select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))
    )
