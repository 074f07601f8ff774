"""One row per province for the national administrator, from the report aggregates."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.reports.models import ProvinceTarget, ReportTotal
from portal.reports.targets import TargetMetric
from portal.scoping import visible


@dataclass(frozen=True)
class ProvinceRow:
    province_code: int
    digital: int
    target: int | None
    by_year: int | None
    assessments: int
    enrolments: int
    completions: int


def _sum_when(condition: sa.ColumnElement[bool], value: object = ReportTotal.n) -> sa.ColumnElement:
    return sa.cast(
        sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0), sa.BigInteger
    )


def all_provinces(start: date, end: date, user: User) -> list[ProvinceRow]:
    """Return one row per province with any data (two queries: the aggregates, the targets)."""
    t = ReportTotal
    in_period = sa.and_(t.day >= start, t.day <= end)
    rows = db.session.execute(
        sa.select(
            t.province_code,
            _sum_when(t.measure == "digital_in", t.n) - _sum_when(t.measure == "digital_out", t.n),
            _sum_when(sa.and_(t.measure == "assessments", in_period)),
            _sum_when(sa.and_(t.measure == "enrolled", in_period)),
            _sum_when(sa.and_(t.measure == "completed", in_period)),
        )
        .where(
            visible(t, user),
            sa.or_(
                t.measure.in_(("digital_in", "digital_out")),
                sa.and_(t.measure.in_(("assessments", "enrolled", "completed")), t.day >= start),
            ),
            t.day <= end,
        )
        .group_by(t.province_code)
    ).all()
    targets = {
        target.province_code: target
        for target in db.session.scalars(
            sa.select(ProvinceTarget).where(
                visible(ProvinceTarget, user),
                ProvinceTarget.metric == TargetMetric.DIGITAL_BUSINESSES,
            )
        )
    }
    found = {code: (digital, a, e, c) for code, digital, a, e, c in rows}
    codes = sorted(
        {code for code, (digital, a, e, c) in found.items() if digital or a or e or c}
        | set(targets)
    )
    result = []
    for code in codes:
        digital, assessments, enrolments, completions = found.get(code, (0, 0, 0, 0))
        target = targets.get(code)
        result.append(
            ProvinceRow(
                province_code=code,
                digital=digital,
                target=target.target if target else None,
                by_year=target.by_year if target else None,
                assessments=assessments,
                enrolments=enrolments,
                completions=completions,
            )
        )
    return result
