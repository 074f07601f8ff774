"""What a report covers (``Filters``), and how the readers pick and filter the aggregates."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal import clock
from portal.auth.models import User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.extensions import db
from portal.reports.models import ReportCommuneCount, ReportCount, ReportTotal
from portal.scoping import visible


@dataclass(frozen=True)
class Filters:
    """What a report covers: one province, a period of local dates, optional breakdowns."""

    province_code: int
    start: date
    end: date
    commune_code: int | None = None
    sector: Sector | None = None
    kind: BusinessKind | None = None
    size: BusinessSize | None = None


def has_business_filter(f: Filters) -> bool:
    return any(v is not None for v in (f.commune_code, f.sector, f.kind, f.size))


def month_of_day(column: Any) -> Any:
    """Return 'YYYY-MM' of a (local) date column."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def month_of_instant(column: Any) -> Any:
    """Return 'YYYY-MM' of a UTC datetime column, shifted to local time."""
    offset = clock.utc_offset_hours()
    if db.session.get_bind().dialect.name == "postgresql":
        shifted = column + sa.text(f"interval '{offset} hours'")
        return sa.func.to_char(shifted, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column, f"{offset:+d} hours")


# ------------------------------------------------------------------------- aggregates


Aggregate = type[ReportTotal] | type[ReportCommuneCount] | type[ReportCount]


def source(f: Filters | None = None) -> Aggregate:
    """The aggregate a report reads: per province unless it filters businesses; per commune
    when it filters by commune only; else per group."""
    if f is None or not has_business_filter(f):
        return ReportTotal
    if f.sector is None and f.kind is None and f.size is None:
        return ReportCommuneCount
    return ReportCount


def conditions(model: Any, f: Filters, user: User) -> list:
    """Return the province and breakdown conditions of ``f`` on an aggregate table."""
    found = [visible(model, user), model.province_code == f.province_code]
    if model is ReportCommuneCount and f.commune_code is not None:
        found.append(ReportCommuneCount.commune_code == f.commune_code)
    if model is ReportCount:
        for column, value in (
            (ReportCount.commune_code, f.commune_code),
            (ReportCount.sector, f.sector),
            (ReportCount.kind, f.kind),
            (ReportCount.size, f.size),
        ):
            if value is not None:
                found.append(column == value)
    return found


def total(column: Any) -> Any:
    """``sum`` as a whole number on both engines (PostgreSQL sums bigints as numeric)."""
    return sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.BigInteger)


# ------------------------------------------------------- filters on the rows themselves


def business_filters(
    f: Filters, commune: Any, sector: Any, kind: Any, business_id: Any = None
) -> list:
    """Return the conditions of the commune, sector, kind and size filters.

    Rows that copy commune, sector or kind are filtered on their own columns; size is read
    from the business through ``business_id`` (one indexed sub-select, not a loop).
    """
    found = []
    if f.commune_code is not None and commune is not None:
        found.append(commune == f.commune_code)
    if f.sector is not None and sector is not None:
        found.append(sector == f.sector)
    if f.kind is not None and kind is not None:
        found.append(kind == f.kind)
    if f.size is not None and business_id is not None:
        found.append(
            business_id.in_(
                sa.select(Business.id).where(
                    Business.province_code == f.province_code, Business.size == f.size
                )
            )
        )
    return found
