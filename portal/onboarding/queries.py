"""Reads for onboarding, including the aggregates the digital-business status is built on.

Only verified evidence counts: a path a business merely started, or evidence still pending or
rejected, never makes it a seller online or a business accepting digital payments.
"""

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments.listing_paths import ListingPath, load_catalog
from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus, OnboardingPath
from portal.scoping import scoped_select


def _verified(business_ids: Collection[int], channel: str | None) -> sa.Select:
    stmt = (
        sa.select(OnboardingPath.business_id, OnboardingPath.channel)
        .join(Evidence, Evidence.onboarding_id == OnboardingPath.id)
        .where(
            Evidence.status == EvidenceStatus.VERIFIED,
            OnboardingPath.business_id.in_(list(business_ids)),
        )
        .distinct()
    )
    if channel is not None:
        stmt = stmt.where(OnboardingPath.channel == channel)
    return stmt


def has_verified_channel(business_ids: Collection[int], channel: str | None = None) -> set[int]:
    """Return those of ``business_ids`` with verified evidence on a path of ``channel``
    ("sales", "payment", or None for either), in one query."""
    if not business_ids:
        return set()
    return {row.business_id for row in db.session.execute(_verified(business_ids, channel))}


def has_verified_sales_channel(business_ids: Collection[int]) -> set[int]:
    return has_verified_channel(business_ids, "sales")


def has_verified_payment(business_ids: Collection[int]) -> set[int]:
    return has_verified_channel(business_ids, "payment")


def verified_channels(business_ids: Collection[int]) -> dict[int, set[str]]:
    """Return, per business with any, the channels it has verified evidence for (one query)."""
    result: dict[int, set[str]] = {}
    if not business_ids:
        return result
    for row in db.session.execute(_verified(business_ids, None)):
        result.setdefault(row.business_id, set()).add(row.channel)
    return result


@dataclass(frozen=True)
class Progress:
    """A started path with its catalog entry and what is left to do."""

    onboarding: OnboardingPath
    path: ListingPath

    @property
    def done(self) -> int:
        return len(self.onboarding.done_step_ids & {s.id for s in self.path.steps})

    @property
    def total(self) -> int:
        return len(self.path.steps)

    @property
    def remaining(self) -> list:
        done = self.onboarding.done_step_ids
        return [s for s in self.path.steps if s.id not in done]

    @property
    def evidence_counts(self) -> dict[EvidenceStatus, int]:
        counts = dict.fromkeys(EvidenceStatus, 0)
        for evidence in self.onboarding.evidence:
            counts[evidence.status] += 1
        return counts


def business_progress(business: Business) -> list[Progress]:
    """Return the business's started paths that are still in the catalog, in catalog order."""
    catalog = load_catalog()
    rows = db.session.scalars(
        sa.select(OnboardingPath)
        .where(OnboardingPath.business_id == business.id)
        .options(selectinload(OnboardingPath.steps), selectinload(OnboardingPath.evidence))
    ).all()
    order = {pid: index for index, pid in enumerate(catalog.ids())}
    found = [Progress(row, path) for row in rows if (path := catalog.get(row.path_id))]
    return sorted(found, key=lambda p: order[p.path.id])


def pending_evidence(user: User) -> list[Evidence]:
    """Return the evidence waiting for review that the user may see, oldest first."""
    return list(
        db.session.scalars(
            scoped_select(Evidence, user)
            .where(Evidence.status == EvidenceStatus.PENDING)
            .options(selectinload(Evidence.onboarding).selectinload(OnboardingPath.business))
            .order_by(Evidence.submitted_at, Evidence.id)
        )
    )


def latest_dimension_scores(business_id: int) -> dict[str, float] | None:
    """Return the dimension scores of the business's latest submitted assessment, if any."""
    latest = db.session.scalar(
        sa.select(Assessment)
        .where(
            Assessment.business_id == business_id,
            Assessment.status == AssessmentStatus.SUBMITTED,
        )
        .options(selectinload(Assessment.scores))
        .order_by(Assessment.submitted_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    return latest.dimension_scores if latest is not None else None
