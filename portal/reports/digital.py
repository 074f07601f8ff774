"""Digital businesses on a day, by group and by month, from the status history's aggregates.

A business is digital at the end of a day when a stretch of its status began on or before that
day and did not end on or before it: the count is ``digital_in - digital_out`` up to that day.
"""

from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.auth.models import User
from portal.businesses.models import BusinessKind, Sector
from portal.extensions import db
from portal.reports.filters import Filters, conditions, month_of_day, source, total
from portal.reports.models import ReportCommuneCount, ReportCount


def _net(model: Any) -> Any:
    """Stretches begun minus stretches ended."""
    return total(sa.case((model.measure == "digital_in", model.n), else_=-model.n))


def _digital_rows(model: Any) -> Any:
    return model.measure.in_(("digital_in", "digital_out"))


def count_digital_at(f: Filters, day: date, user: User) -> int:
    """Count the businesses that were digital at the end of ``day`` (exact for past days)."""
    model = source(f)
    return (
        db.session.scalar(
            sa.select(_net(model)).where(
                *conditions(model, f, user), _digital_rows(model), model.day <= day
            )
        )
        or 0
    )


#: What ``digital_by`` can group the businesses digital on a day by.
DIGITAL_GROUPINGS = {
    "commune": ReportCount.commune_code,
    "sector": ReportCount.sector,
    "kind": ReportCount.kind,
}


def digital_by(f: Filters, day: date, by: str, user: User) -> dict[Any, int]:
    """Count the businesses digital at the end of ``day`` by commune, sector or kind (one query)."""
    # By commune, unless sector, kind or size is filtered: one row per commune, not per group.
    model: Any = (
        ReportCommuneCount if by == "commune" and source(f) is not ReportCount else ReportCount
    )
    key = getattr(model, DIGITAL_GROUPINGS[by].key)
    rows = db.session.execute(
        sa.select(key, _net(model))
        .where(*conditions(model, f, user), _digital_rows(model), model.day <= day)
        .group_by(key)
    )
    convert = {"sector": Sector, "kind": BusinessKind}.get(by, int)
    # A group whose stretches all ended is no longer listed (as when counting status rows).
    return {convert(k): n for k, n in rows if n}


def monthly_digital(f: Filters, months: list[str], user: User) -> dict[str, int]:
    """Return the count at the end of each 'YYYY-MM' month, from one GROUP BY query."""
    model = source(f)
    month = month_of_day(model.day).label("month")
    rows = db.session.execute(
        sa.select(month, _net(model))
        .where(*conditions(model, f, user), _digital_rows(model))
        .group_by(month)
    )
    changes: dict[str, int] = dict(rows.all())
    result, running, keys = {}, 0, sorted(set(changes) | set(months))
    for key in keys:
        running += changes.get(key, 0)
        result[key] = running
    return {m: result[m] for m in months}


def months_between(start: date, end: date) -> list[str]:
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys
