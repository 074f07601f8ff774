"""Reads for assessments: drafts, history, progress per business and peer benchmarks."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments import Quartiles, Result, benchmark
from portal.assess.models import Assessment, AssessmentStatus
from portal.businesses.models import Business
from portal.extensions import db

SUBMITTED = AssessmentStatus.SUBMITTED


def open_draft(business_id: int) -> Assessment | None:
    """Return the business's draft, if one is open."""
    return db.session.scalar(
        sa.select(Assessment).where(
            Assessment.business_id == business_id, Assessment.status == AssessmentStatus.DRAFT
        )
    )


def submitted_history(business_id: int) -> list[Assessment]:
    """Return the business's submitted assessments, newest first."""
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.business_id == business_id, Assessment.status == SUBMITTED)
            .options(selectinload(Assessment.scores), selectinload(Assessment.assisted_by))
            .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        )
    )


def previous_submitted(assessment: Assessment) -> Assessment | None:
    """Return the business's submitted assessment just before this one."""
    if assessment.submitted_at is None:
        return None
    earlier = sa.or_(
        Assessment.submitted_at < assessment.submitted_at,
        sa.and_(Assessment.submitted_at == assessment.submitted_at, Assessment.id < assessment.id),
    )
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.business_id == assessment.business_id)
        .where(Assessment.status == SUBMITTED, earlier)
        .options(selectinload(Assessment.scores))
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def result_of(assessment: Assessment) -> Result:
    """Return the stored result of a submitted assessment (never recomputed)."""
    return Result(
        questionnaire_id=assessment.questionnaire_id,
        version=assessment.questionnaire_version,
        dimensions=assessment.dimension_scores,
        overall=assessment.overall_score or 0.0,
        level=assessment.level or 0,
    )


@dataclass(frozen=True)
class Progress:
    """Where a business stands: its open draft and its latest submitted assessment."""

    draft_id: int | None = None
    latest_id: int | None = None
    latest_level: int | None = None
    latest_score: float | None = None


def progress_of(businesses: list[Business]) -> dict[int, Progress]:
    """Return each business's draft and latest result, in one query whatever their number."""
    ids = [b.id for b in businesses]
    if not ids:
        return {}
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(Assessment.business_id, Assessment.status),
            order_by=(Assessment.submitted_at.desc(), Assessment.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        sa.select(
            Assessment.id,
            Assessment.business_id,
            Assessment.status,
            Assessment.level,
            Assessment.overall_score,
            rank,
        )
        .where(Assessment.business_id.in_(ids))
        .subquery()
    )
    found: dict[int, dict] = {}
    for row in db.session.execute(sa.select(ranked).where(ranked.c.rank == 1)):
        entry = found.setdefault(row.business_id, {})
        if row.status == AssessmentStatus.DRAFT:
            entry["draft_id"] = row.id
        else:
            entry |= {
                "latest_id": row.id,
                "latest_level": row.level,
                "latest_score": row.overall_score,
            }
    return {business_id: Progress(**entry) for business_id, entry in found.items()}


def peer_scores(
    questionnaire_id: str, *, sector: str | None = None, province_code: int | None = None
) -> list[float]:
    """Return the overall score of each business's latest submitted assessment in a group.

    One query. Deliberately not scoped to the viewer: only quartiles of groups of at least
    ``assessments.scoring.BENCHMARK_MIN_GROUP`` businesses are ever shown.
    """
    rank = (
        sa.func.row_number()
        .over(
            partition_by=Assessment.business_id,
            order_by=(Assessment.submitted_at.desc(), Assessment.id.desc()),
        )
        .label("rank")
    )
    latest = sa.select(Assessment.overall_score, Assessment.questionnaire_id, rank).where(
        Assessment.status == SUBMITTED
    )
    if sector is not None:
        latest = latest.join(Business, Business.id == Assessment.business_id).where(
            Business.sector == sector
        )
    if province_code is not None:
        latest = latest.where(Assessment.province_code == province_code)
    ranked = latest.subquery()
    # The latest per business first, then the questionnaire: scores of different
    # questionnaires do not compare, and a business counts once, at its latest.
    stmt = sa.select(ranked.c.overall_score).where(
        ranked.c.rank == 1, ranked.c.questionnaire_id == questionnaire_id
    )
    return [float(value) for value in db.session.scalars(stmt) if value is not None]


@dataclass(frozen=True)
class PeerGroup:
    """A benchmark group; ``quartiles`` is None when the group is too small to show."""

    key: str
    quartiles: Quartiles | None


def peer_groups(assessment: Assessment, business: Business) -> list[PeerGroup]:
    """Return the same-sector and same-province benchmarks (two queries)."""
    qid = assessment.questionnaire_id
    return [
        PeerGroup("sector", benchmark(peer_scores(qid, sector=business.sector))),
        PeerGroup("province", benchmark(peer_scores(qid, province_code=assessment.province_code))),
    ]
