"""The province's known base on its way to digital: known → registered → assessed → trained →
listed → digital, per commune (the bulk import's funnel page and the reports dashboard).

Read from the report aggregates' present-state measures (``now:*``, ``portal.reports.aggregates``)
per commune: one row per commune and step, whatever the number of businesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal import geo
from portal.extensions import db
from portal.reports.aggregates import STATE_DAY, STATE_PREFIX
from portal.reports.filters import total
from portal.reports.models import ReportCommuneCount, ReportTotal
from portal.scoping import visible

#: The funnel's steps, in order.
STEPS = ("known", "registered", "assessed", "trained", "listed", "digital")


@dataclass
class FunnelRow:
    commune_code: int | None
    name: str
    counts: dict[str, int]


def funnel(province_code: int, user: Any) -> list[FunnelRow]:
    """Known → registered → assessed → trained → listed → digital, per commune, in one query.

    Known: every business of the province, imported or registered. Registered: its owner has
    an account of their own (an e-mail or phone to sign in with), not an unclaimed one.
    Assessed: a submitted assessment; trained: a certificate not withdrawn; listed: a piece of
    evidence verified; digital: digital now. Each business counts once per step, in the
    commune where it is now.
    """
    m = ReportCommuneCount
    stmt = (
        sa.select(m.commune_code, m.measure, total(m.n))
        .where(
            visible(m, user),
            m.province_code == province_code,
            m.measure.in_([STATE_PREFIX + step for step in STEPS]),
            m.day == STATE_DAY,
        )
        .group_by(m.commune_code, m.measure)
    )
    by_commune: dict[int, dict[str, int]] = {}
    for commune, measure, n in db.session.execute(stmt):
        counts = by_commune.setdefault(commune, dict.fromkeys(STEPS, 0))
        counts[measure[len(STATE_PREFIX) :]] = int(n)
    rows = []
    total_counts = dict.fromkeys(STEPS, 0)
    for commune, counts in by_commune.items():
        # A commune whose businesses all left keeps rows of zeros: it is not listed.
        if not counts["known"]:
            continue
        for step in STEPS:
            total_counts[step] += counts[step]
        rows.append(FunnelRow(commune, geo.commune_name(commune), counts))
    rows.sort(key=lambda r: r.name)
    rows.append(FunnelRow(None, "", total_counts))
    return rows


def known_by_commune(user: Any) -> list[tuple[int, int]]:
    """Return (commune code, businesses) of each commune holding businesses the user may see,
    from the ``now:known`` measure (each business once, where it is now): one row per commune
    whatever the number of businesses (the staff dashboard's figures)."""
    m = ReportCommuneCount
    rows = db.session.execute(
        sa.select(m.commune_code, total(m.n))
        .where(visible(m, user), m.measure == STATE_PREFIX + "known", m.day == STATE_DAY)
        .group_by(m.commune_code)
    ).all()
    return [(code, int(n)) for code, n in rows if n]


def known_by_province() -> dict[int, int]:
    """Return {province code: businesses} of every province holding any (``now:known``)."""
    m = ReportTotal
    rows = db.session.execute(
        sa.select(m.province_code, total(m.n))
        .where(m.measure == STATE_PREFIX + "known", m.day == STATE_DAY)
        .group_by(m.province_code)
    ).all()
    return {code: int(n) for code, n in rows if n}
