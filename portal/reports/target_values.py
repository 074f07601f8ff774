"""The definition in use, the targets, and the values of the target metrics on a day.

The values are cumulative sums of the report aggregates up to a day (``report_totals``): one
query whatever the province's size. A target keeps its metric's value on its start day
(``ProvinceTarget.start_value``, stored when it is set or its start moves), so the trajectory
never recomputes the past.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from assessments.digital_status import Definition
from portal.auth.models import User
from portal.extensions import db
from portal.reports.models import (
    ProvinceSettings,
    ProvinceSettingsChange,
    ProvinceTarget,
    ReportTotal,
)
from portal.reports.targets import METRICS, Progress, TargetMetric
from portal.scoping import visible

# ------------------------------------------------------------------------- definition


@dataclass(frozen=True)
class DefinitionInUse:
    definition: Definition
    #: When it was last changed, None for the national default.
    since: datetime | None
    history: list[ProvinceSettingsChange] = field(default_factory=list)


def definition_in_use(province_code: int, user: User, history: bool = False) -> DefinitionInUse:
    settings = db.session.scalar(
        sa.select(ProvinceSettings).where(
            visible(ProvinceSettings, user), ProvinceSettings.province_code == province_code
        )
    )
    changes = []
    if history:
        changes = list(
            db.session.scalars(
                sa.select(ProvinceSettingsChange)
                .where(
                    visible(ProvinceSettingsChange, user),
                    ProvinceSettingsChange.province_code == province_code,
                )
                .order_by(
                    ProvinceSettingsChange.changed_at.desc(), ProvinceSettingsChange.id.desc()
                )
                .limit(20)
            )
        )
    if settings is None:
        return DefinitionInUse(Definition(), None, changes)
    return DefinitionInUse(settings.definition, settings.updated_at, changes)


def setters(ids: Iterable[int | None]) -> dict[int, str]:
    """Return the names of the users who made changes (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).all())


# ---------------------------------------------------------------------------- targets


def target_of(
    province_code: int, user: User, metric: TargetMetric = TargetMetric.DIGITAL_BUSINESSES
) -> ProvinceTarget | None:
    return db.session.scalar(
        sa.select(ProvinceTarget).where(
            visible(ProvinceTarget, user),
            ProvinceTarget.province_code == province_code,
            ProvinceTarget.metric == metric,
        )
    )


def targets_of(province_code: int, user: User) -> dict[TargetMetric, ProvinceTarget]:
    """Return the province's targets by metric (one query)."""
    rows = db.session.scalars(
        sa.select(ProvinceTarget).where(
            visible(ProvinceTarget, user), ProvinceTarget.province_code == province_code
        )
    )
    return {row.metric: row for row in rows}


# ------------------------------------------------------------------------ metric values

#: Per metric: the measures added (+1) or taken away (-1) for the count, or the numerator's,
#: and the denominator's measure of a percentage (None for a count).
_MEASURES: dict[TargetMetric, tuple[dict[str, int], str | None]] = {
    TargetMetric.DIGITAL_BUSINESSES: ({"digital_in": 1, "digital_out": -1}, None),
    TargetMetric.HOUSEHOLDS_DIGITAL_PAYMENTS: ({"paying_households": 1}, "households"),
    TargetMetric.BUSINESSES_TRAINED: ({"first_trained": 1}, None),
    TargetMetric.LISTINGS_VERIFIED: ({"first_sales": 1}, None),
    TargetMetric.ASSESSED_BUSINESSES: ({"first_assessed": 1}, None),
}


def _upto(day: date, signs: dict[str, int]) -> Any:
    t = ReportTotal
    whens = [(sa.and_(t.measure == m, t.day <= day), t.n * sign) for m, sign in signs.items()]
    return sa.cast(sa.func.coalesce(sa.func.sum(sa.case(*whens, else_=0)), 0), sa.BigInteger)


class _System:
    """Reads every province (storing start values is not a user's read)."""

    is_authenticated = True
    is_admin = True


def metric_values(
    province_code: int, user: User | _System, wanted: dict[Any, tuple[TargetMetric, date]]
) -> dict[Any, float]:
    """Return the value of each (metric, at the end of a day) asked for, in one query.

    Counts are whole numbers; a percentage has one decimal and is 0 when nothing is counted.
    """
    if not wanted:
        return {}
    columns, layout, measures = [], {}, set()
    for n, (key, (metric, day)) in enumerate(wanted.items()):
        signs, denominator = _MEASURES[metric]
        measures |= set(signs)
        columns.append(_upto(day, signs).label(f"n{n}"))
        if denominator is not None:
            measures.add(denominator)
            columns.append(_upto(day, {denominator: 1}).label(f"d{n}"))
        layout[key] = (f"n{n}", f"d{n}" if denominator is not None else None)
    row = (
        db.session.execute(
            sa.select(*columns).where(
                visible(ReportTotal, user),
                ReportTotal.province_code == province_code,
                ReportTotal.measure.in_(sorted(measures)),
            )
        )
        .one()
        ._mapping
    )
    values: dict[Any, float] = {}
    for key, (num, den) in layout.items():
        if den is None:
            values[key] = row[num] or 0
        else:
            values[key] = round(100 * (row[num] or 0) / row[den], 1) if row[den] else 0.0
    return values


def start_value(target: ProvinceTarget, user: User) -> float:
    """Return the target's stored start value, or compute it if it was never stored."""
    if target.start_value is not None:
        return target.start_value
    key = (target.metric, target.start_on)
    return metric_values(target.province_code, user, {key: key})[key]


def store_start_value(target: ProvinceTarget) -> None:
    """Store the metric's value on the target's start day (when set, or its start moved)."""
    key = (target.metric, target.start_on)
    target.start_value = metric_values(target.province_code, _System(), {key: key})[key]


def store_missing_start_values() -> int:
    """Store the start value of every target that has none (after a rebuild or a migration)."""
    missing = list(
        db.session.scalars(sa.select(ProvinceTarget).where(ProvinceTarget.start_value.is_(None)))
    )
    for target in missing:
        store_start_value(target)
    db.session.flush()
    return len(missing)


@dataclass(frozen=True)
class MetricRow:
    """A metric's value today, and the progress toward the province's target if it set one."""

    metric: TargetMetric
    current: float
    progress: Progress | None
    target: ProvinceTarget | None

    @property
    def label(self) -> str:
        return str(METRICS[self.metric].label)

    @property
    def unit(self) -> str:
        return METRICS[self.metric].unit.value


def metric_rows(
    province_code: int, user: User, on: date, targets: dict[TargetMetric, ProvinceTarget]
) -> list[MetricRow]:
    """Return every metric with its value on ``on`` and the progress of its target (one query).

    The baselines of the targets are their stored start values (computed in the same query
    for a target that has none yet).
    """
    wanted: dict[Any, tuple[TargetMetric, date]] = {m: (m, on) for m in METRICS}
    for metric, existing in targets.items():
        if existing.start_value is None:
            wanted[("baseline", metric)] = (metric, existing.start_on)
    values = metric_values(province_code, user, wanted)
    rows = []
    for metric in METRICS:
        target = targets.get(metric)
        progress = None
        if target is not None:
            baseline = target.start_value
            if baseline is None:
                baseline = values[("baseline", metric)]
            progress = Progress(
                metric=metric,
                target=target.target,
                by_year=target.by_year,
                start_on=target.start_on,
                baseline=baseline,
                current=values[metric],
                on=on,
            )
        rows.append(MetricRow(metric, values[metric], progress, target))
    return rows
