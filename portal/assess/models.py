"""Assessments: a business's answers to one questionnaire version, and the scores they earned."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import Model
from portal.scoping import OwnersSeeTheirBusinesses


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


def _values(enum_class: type[enum.Enum]) -> list[str]:
    # Store "draft"/"submitted" (not the member names): other features query these strings.
    return [member.value for member in enum_class]


class Assessment(OwnersSeeTheirBusinesses, Model):
    __tablename__ = "assessments"
    __table_args__ = (
        # Reports count a province's submissions in a period, of all or of some businesses,
        # from this index alone.
        sa.Index(
            "ix_assessments_province_status_submitted",
            "province_code",
            "status",
            "submitted_at",
            "business_id",
        ),
        sa.Index("ix_assessments_business_submitted", "business_id", "submitted_at"),
        # One open draft per business: starting again resumes it.
        sa.Index(
            "uq_assessments_one_draft_per_business",
            "business_id",
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"))
    #: Copied from the business when started, for scoping by province.
    province_code: Mapped[int] = mapped_column()
    #: The questionnaire (id and version) the answers belong to and were scored with.
    questionnaire_id: Mapped[str] = mapped_column(sa.String(40))
    questionnaire_version: Mapped[int] = mapped_column()
    status: Mapped[AssessmentStatus] = mapped_column(
        sa.Enum(
            AssessmentStatus,
            native_enum=False,
            length=12,
            values_callable=_values,
            validate_strings=True,
        ),
        default=AssessmentStatus.DRAFT,
    )
    #: Normalized answers by question id; replaced as a whole on every save.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The page to resume at: 1..n for the dimensions, n + 1 for the review page.
    current_step: Mapped[int] = mapped_column(default=1)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The trainer or staff member who filled it in with the household, if any.
    assisted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    overall_score: Mapped[float | None] = mapped_column()
    #: Overall level 0..5 of the questionnaire version that scored it.
    level: Mapped[int | None] = mapped_column()

    business: Mapped[Business] = relationship()
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    assisted_by: Mapped[User | None] = relationship(foreign_keys=[assisted_by_id])
    scores: Mapped[list["AssessmentScore"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentScore.id"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == AssessmentStatus.DRAFT

    @property
    def is_assisted(self) -> bool:
        return self.assisted_by_id is not None

    @property
    def dimension_scores(self) -> dict[str, float]:
        """Return the stored score of each dimension."""
        return {s.dimension: s.score for s in self.scores}


class AssessmentScore(Model):
    """The score a submitted assessment earned in one dimension (stored, never recomputed)."""

    __tablename__ = "assessment_scores"
    __table_args__ = (
        sa.Index("ix_assessment_scores_dimension_score", "dimension", "score"),
        # Average scores of a province's period are read from this index alone (no join).
        sa.Index(
            "ix_assessment_scores_province_submitted",
            "province_code",
            "submitted_at",
            "dimension",
            "score",
        ),
        sa.UniqueConstraint("assessment_id", "dimension"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(sa.String(40))
    score: Mapped[float] = mapped_column()
    #: Copies of the assessment's province and submission time (only a move of the business to
    #: another province changes the province: businesses.operations.move_business).
    province_code: Mapped[int] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column()

    assessment: Mapped[Assessment] = relationship(back_populates="scores")

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        """Scores are visible with their assessment."""
        if user.is_owner:
            return cls.assessment_id.in_(
                sa.select(Assessment.id).where(Assessment.visible_to(user))
            )
        return cls.province_code == user.province_code


class LatestAssessment(Model):
    """A business's latest submitted assessment, and the groups its scores are counted in.

    Kept by ``operations.refresh_latest`` in the transaction that changes it (a submission, a
    move, a change of sector), under the business's row lock. It records what was counted in
    ``PeerScoreCount`` (the sector and the province at the time), so that the next change takes
    out exactly what was put in, whatever the business has become since.
    """

    __tablename__ = "latest_assessments"

    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id"), unique=True)
    submitted_at: Mapped[datetime] = mapped_column()
    questionnaire_id: Mapped[str] = mapped_column(sa.String(40))
    #: The latest assessment's province (its province group) and the business's sector (its
    #: sector group), as counted.
    province_code: Mapped[int] = mapped_column()
    sector: Mapped[str] = mapped_column(sa.String(24))


class PeerGroupKind(enum.StrEnum):
    SECTOR = "sector"
    PROVINCE = "province"


class PeerScoreCount(Model):
    """How many businesses of a peer group have this score in a dimension, at their latest
    submitted assessment of the questionnaire: the peer comparison is read from these counts.

    ``dimension`` is ``""`` for the overall score. Scores are stored as submitted (exact, one
    decimal from 0 to 100), so a group holds at most 1,001 rows per dimension however many
    businesses it has, and its quartiles are exact.
    """

    __tablename__ = "peer_score_counts"

    peer_group: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    #: The sector's stored name, or the province code as text.
    group_key: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    score: Mapped[float] = mapped_column(primary_key=True)
    businesses: Mapped[int] = mapped_column()
