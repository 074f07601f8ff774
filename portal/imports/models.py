"""Bulk import batches, and the businesses each brought in."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.extensions import Model


class BatchStatus(enum.StrEnum):
    #: Validated and shown; the file is kept until it is imported.
    PREVIEWED = "previewed"
    IMPORTED = "imported"
    #: Not imported within KEEP_DAYS: its file (personal data) was deleted.
    EXPIRED = "expired"


def _by_province(model: Any, user: Any) -> sa.ColumnElement[bool]:
    if getattr(user, "is_province_user", False):
        return model.province_code == user.province_code
    return sa.false()


class ImportBatch(Model):
    """One uploaded file: its preview, then its import."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The name the person's file had (shown only).
    file_name: Mapped[str] = mapped_column(sa.String(200))
    #: Storage key of the validated file (portal.storage), kept between preview and import.
    file_key: Mapped[str] = mapped_column(sa.String(200))
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[BatchStatus] = mapped_column(
        sa.Enum(BatchStatus, native_enum=False, length=12), default=BatchStatus.PREVIEWED
    )
    total_rows: Mapped[int] = mapped_column(default=0)
    accepted_rows: Mapped[int] = mapped_column(default=0)
    refused_rows: Mapped[int] = mapped_column(default=0)
    #: Rows refused because the business is already in the portal (a re-import finds them all).
    known_rows: Mapped[int] = mapped_column(default=0)
    #: The first refusals and commune mappings, as codes (shown in the reader's language).
    preview: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    imported_at: Mapped[datetime | None] = mapped_column()
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    imported_count: Mapped[int] = mapped_column(default=0)
    invited_count: Mapped[int] = mapped_column(default=0)

    @classmethod
    def visible_to(cls, user: Any) -> sa.ColumnElement[bool]:
        """The province's staff; nobody else (the national administrator sees every one)."""
        return _by_province(cls, user)


class ImportedBusiness(Model):
    """A business a batch created: what the file said that the business row does not keep."""

    __tablename__ = "imported_businesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    business_id: Mapped[int] = mapped_column(
        sa.ForeignKey("businesses.id", ondelete="CASCADE"), unique=True
    )
    province_code: Mapped[int] = mapped_column()
    row_number: Mapped[int] = mapped_column()
    #: 10 digits starting with 0; how a later file finds the same household.
    phone: Mapped[str | None] = mapped_column(sa.String(15), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: Folded name and commune, for rows with neither tax code nor phone.
    name_key: Mapped[str] = mapped_column(sa.String(240))
    invited_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        sa.Index("ix_imported_businesses_province_name", "province_code", "name_key"),
    )

    @classmethod
    def visible_to(cls, user: Any) -> sa.ColumnElement[bool]:
        return _by_province(cls, user)
