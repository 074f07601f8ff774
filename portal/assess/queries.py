"""Reads for assessments: drafts, history, progress per business and peer benchmarks."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments import Quartiles, Result, quartiles_from_ranks
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
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
    """Build the one query that returns, per group and dimension, the values the quartiles need.

    A business counts once, at its latest submitted assessment, and only if that assessment is of
    the same questionnaire (scores of different questionnaires do not compare): in the sector
    group if the business is of the sector, in the province group if the assessment was made
    there. Deliberately not scoped to the viewer: only quartiles of groups of at least
    ``BENCHMARK_MIN_GROUP`` businesses are ever shown, and never a minimum or a maximum.
    """
    sector, province = business.sector, assessment.province_code
    candidates = sa.union(
        sa.select(Business.id).where(Business.sector == sector),
        sa.select(Assessment.business_id).where(
            Assessment.province_code == province, Assessment.status == SUBMITTED
        ),
    )
    rank = sa.func.row_number().over(
        partition_by=Assessment.business_id,
        order_by=(Assessment.submitted_at.desc(), Assessment.id.desc()),
    )
    ranked = (
        sa.select(
            Assessment.id,
            Assessment.questionnaire_id,
            Assessment.province_code,
            Assessment.overall_score,
            Business.sector,
            rank.label("rank"),
        )
        .join(Business, Business.id == Assessment.business_id)
        .where(Assessment.status == SUBMITTED, Assessment.business_id.in_(candidates))
        .subquery("ranked")
    )
    latest = sa.and_(ranked.c.rank == 1, ranked.c.questionnaire_id == assessment.questionnaire_id)
    members = sa.union_all(
        sa.select(
            sa.literal("sector").label("peer_group"), ranked.c.id, ranked.c.overall_score
        ).where(latest, ranked.c.sector == sector),
        sa.select(
            sa.literal("province").label("peer_group"), ranked.c.id, ranked.c.overall_score
        ).where(latest, ranked.c.province_code == province),
    ).cte("members")
    values = sa.union_all(
        sa.select(members.c.peer_group, AssessmentScore.dimension, AssessmentScore.score).join(
            AssessmentScore, AssessmentScore.assessment_id == members.c.id
        ),
        sa.select(
            members.c.peer_group, sa.literal(OVERALL).label("dimension"), members.c.overall_score
        ).where(members.c.overall_score.is_not(None)),
    ).subquery("peer_values")
    group = (values.c.peer_group, values.c.dimension)
    numbered = sa.select(
        values.c.peer_group,
        values.c.dimension,
        values.c.score,
        (sa.func.row_number().over(partition_by=group, order_by=values.c.score) - 1).label("pos"),
        sa.func.count().over(partition_by=group).label("n"),
    ).subquery("numbered")
    # Keep the rows at ``quartile_ranks(n)``: |4 pos - (n - 1) k| < 4 for k = 1, 2, 3.
    gaps = [4 * numbered.c.pos - (numbered.c.n - 1) * k for k in (1, 2, 3)]
    return sa.select(numbered).where(sa.or_(*(gap.between(-3, 3) for gap in gaps)))


def peer_groups(assessment: Assessment, business: Business) -> list[PeerGroup]:
    """Return the same-sector and same-province benchmarks, overall and by dimension (one query)."""
    counts: dict[tuple[str, str], int] = {}
    ranked: dict[tuple[str, str], dict[int, float]] = {}
    for row in db.session.execute(_quartile_rows(assessment, business)):
        key = (row.peer_group, row.dimension)
        counts[key] = row.n
        ranked.setdefault(key, {})[row.pos] = row.score
    groups = []
    for name in ("sector", "province"):
        found = {
            dimension: quartiles_from_ranks(counts[(group, dimension)], values)
            for (group, dimension), values in ranked.items()
            if group == name
        }
        groups.append(PeerGroup(name, found.pop(OVERALL, None), found))
    return groups
