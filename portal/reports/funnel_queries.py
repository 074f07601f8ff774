"""The province's known base on its way to digital: known → registered → assessed → trained →
listed → digital, per commune (the bulk import's funnel page and the reports dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal import geo
from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus
from portal.reports.models import DigitalStatus
from portal.scoping import visible
from portal.training.models import Certificate

#: The funnel's steps, in order.
STEPS = ("known", "registered", "assessed", "trained", "listed", "digital")


@dataclass
class FunnelRow:
    commune_code: int | None
    name: str
    counts: dict[str, int]


def _flag(condition: Any) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def funnel(province_code: int, user: Any) -> list[FunnelRow]:
    """Known → registered → assessed → trained → listed → digital, per commune, in one query.

    Known: every business of the province, imported or registered. Registered: its owner has
    an account of their own (an e-mail or phone to sign in with), not an unclaimed one.
    """
    bid = Business.id
    assessed = sa.exists().where(
        Assessment.business_id == bid, Assessment.status == AssessmentStatus.SUBMITTED
    )
    trained = sa.exists().where(Certificate.business_id == bid, Certificate.revoked_at.is_(None))
    listed = sa.exists().where(
        Evidence.business_id == bid, Evidence.status == EvidenceStatus.VERIFIED
    )
    digital = sa.exists().where(DigitalStatus.business_id == bid, DigitalStatus.ceased_at.is_(None))
    registered = sa.or_(User.email.is_not(None), User.phone.is_not(None))
    stmt = (
        sa.select(
            Business.commune_code,
            sa.func.count(bid),
            _flag(registered),
            _flag(assessed),
            _flag(trained),
            _flag(listed),
            _flag(digital),
        )
        .join(User, User.id == Business.owner_id)
        .where(visible(Business, user), Business.province_code == province_code)
        .group_by(Business.commune_code)
    )
    rows = []
    total = dict.fromkeys(STEPS, 0)
    for commune, *counts in db.session.execute(stmt):
        values = dict(zip(STEPS, (int(c or 0) for c in counts), strict=True))
        for step in STEPS:
            total[step] += values[step]
        rows.append(FunnelRow(commune, geo.commune_name(commune), values))
    rows.sort(key=lambda r: r.name)
    rows.append(FunnelRow(None, "", total))
    return rows
