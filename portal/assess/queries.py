"""Reads for assessments: drafts, history, progress per business and peer benchmarks."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments import Quartiles, Result, quartile_ranks, quartiles_from_ranks
from portal import signals
from portal.assess.models import Assessment, AssessmentStatus, PeerGroupKind, PeerScoreCount
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


#: The key of the overall score among the dimension ids (which never are empty).
OVERALL = ""


@dataclass(frozen=True)
class PeerGroup:
    """A benchmark group: quartiles of the overall score and of each dimension.

    A quartile is None when too few businesses are behind it to show it.
    """

    key: str
    overall: Quartiles | None
    #: By dimension id; dimensions no business of the group has are absent.
    dimensions: dict[str, Quartiles | None]


def _quartile_rows(assessment: Assessment, business: Business) -> sa.Select:
    """Build the one query that returns, per group and dimension, the counts the quartiles need.

    A business counts once, at its latest submitted assessment, and only if that assessment is of
    the same questionnaire (scores of different questionnaires do not compare): in the sector
    group if the business is of the sector, in the province group if the assessment was made
    there. Deliberately not scoped to the viewer: only quartiles of groups of at least
    ``BENCHMARK_MIN_GROUP`` businesses are ever shown, and never a minimum or a maximum.

    Read from ``PeerScoreCount`` (how many businesses have each score): at most 1,001 rows per
    group and dimension, whatever the number of businesses. Each row holds the ranks
    ``before`` to ``before + businesses - 1`` of its group's sorted scores; only the rows holding
    a rank the quartiles need (``quartile_ranks``: |4 r - (n - 1) k| < 4 for k = 1, 2, 3) return.
    """
    counts = PeerScoreCount
    groups = sa.or_(
        sa.and_(
            counts.peer_group == PeerGroupKind.SECTOR.value,
            counts.group_key == business.sector.name,
        ),
        sa.and_(
            counts.peer_group == PeerGroupKind.PROVINCE.value,
            counts.group_key == str(assessment.province_code),
        ),
    )
    group = (counts.peer_group, counts.dimension)
    running = sa.func.sum(counts.businesses).over(partition_by=group, order_by=counts.score)
    numbered = (
        sa.select(
            counts.peer_group,
            counts.dimension,
            counts.score,
            counts.businesses,
            (running - counts.businesses).label("before"),
            sa.func.sum(counts.businesses).over(partition_by=group).label("n"),
        )
        .where(groups, counts.questionnaire_id == assessment.questionnaire_id)
        .subquery("numbered")
    )
    first, last = numbered.c.before, numbered.c.before + numbered.c.businesses - 1
    needed = [(numbered.c.n - 1) * k for k in (1, 2, 3)]
    return sa.select(numbered).where(
        sa.or_(*(sa.and_(4 * first <= at + 3, 4 * last >= at - 3) for at in needed))
    )


def peer_groups(assessment: Assessment, business: Business) -> list[PeerGroup]:
    """Return the same-sector and same-province benchmarks, overall and by dimension (one query)."""
    counts: dict[tuple[str, str], int] = {}
    ranked: dict[tuple[str, str], dict[int, float]] = {}
    for row in db.session.execute(_quartile_rows(assessment, business)):
        key = (row.peer_group, row.dimension)
        n = counts[key] = int(row.n)
        values = ranked.setdefault(key, {})
        for rank in quartile_ranks(n):
            if row.before <= rank < row.before + row.businesses:
                values[rank] = row.score
    groups = []
    for name in (PeerGroupKind.SECTOR.value, PeerGroupKind.PROVINCE.value):
        found = {
            dimension: quartiles_from_ranks(counts[(group, dimension)], values)
            for (group, dimension), values in ranked.items()
            if group == name
        }
        groups.append(PeerGroup(name, found.pop(OVERALL, None), found))
    return groups


def recommendations_for(
    assessment: Assessment, dimension_scores: Mapping[str, float], lang: str
) -> dict[str, list[Any]]:
    """What the results page recommends, by the name it shows it under: the courses
    (``recommendations``) and the ways to sell online (``path_recommendations``), each empty
    unless a feature recommends some (``signals.recommendations_asked``: training)."""
    found: dict[str, list[Any]] = {"recommendations": [], "path_recommendations": []}
    for _receiver, recommended in signals.recommendations_asked.send(
        assessment, dimension_scores=dimension_scores, lang=lang
    ):
        found.update(recommended or {})
    return found
