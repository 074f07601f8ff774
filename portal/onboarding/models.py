"""A business's started listing paths, the steps it has ticked off and the evidence it gives."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import Model
from portal.scoping import OwnersSeeTheirBusinesses


class EvidenceKind(enum.StrEnum):
    URL = "url"
    FILE = "file"


class EvidenceStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class OnboardingPath(OwnersSeeTheirBusinesses, Model):
    """A listing path from assessments/listing_paths.yaml that a business has started."""

    __tablename__ = "onboarding_paths"
    __table_args__ = (sa.UniqueConstraint("business_id", "path_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    #: A path id of the catalog, e.g. "postmart".
    path_id: Mapped[str] = mapped_column(sa.String(40))
    #: The path's channel ("sales" or "payment") copied at start, so status queries stay in SQL.
    channel: Mapped[str] = mapped_column(sa.String(12))
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    business: Mapped[Business] = relationship()
    steps: Mapped[list["StepProgress"]] = relationship(back_populates="onboarding")
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="onboarding", order_by="Evidence.submitted_at.desc(), Evidence.id.desc()"
    )

    @property
    def done_step_ids(self) -> set[str]:
        return {s.step_id for s in self.steps}


class StepProgress(Model):
    """A step the owner has ticked off (unticking deletes the row)."""

    __tablename__ = "onboarding_steps"
    __table_args__ = (sa.UniqueConstraint("onboarding_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(sa.ForeignKey("onboarding_paths.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    step_id: Mapped[str] = mapped_column(sa.String(40))
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    onboarding: Mapped[OnboardingPath] = relationship(back_populates="steps")


class Evidence(OwnersSeeTheirBusinesses, Model):
    """A listing URL or an uploaded image or PDF, verified or rejected by a trainer or staff."""

    __tablename__ = "onboarding_evidence"
    __table_args__ = (
        sa.Index("ix_onboarding_evidence_province_status", "province_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(sa.ForeignKey("onboarding_paths.id"), index=True)
    #: Copied from the path, so scoping and status queries need no join.
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    province_code: Mapped[int] = mapped_column()
    #: The step it proves, or None for the path as a whole.
    step_id: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[EvidenceKind] = mapped_column(sa.Enum(EvidenceKind, native_enum=False, length=8))
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Relative to the upload folder; never under static/, served only through a scoped view.
    file_path: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The name the owner's file had (shown, and used as the download name).
    file_name: Mapped[str] = mapped_column(sa.String(200), default="")
    content_type: Mapped[str] = mapped_column(sa.String(40), default="")
    file_size: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[EvidenceStatus] = mapped_column(
        sa.Enum(EvidenceStatus, native_enum=False, length=12), default=EvidenceStatus.PENDING
    )
    #: Why it was rejected (or an optional remark on verification).
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column()

    onboarding: Mapped[OnboardingPath] = relationship(back_populates="evidence")
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
