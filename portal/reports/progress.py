"""Progress toward the province's targets, shared by the report dashboard and staff's home."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from portal import clock, formatting
from portal.auth.models import Role, User
from portal.reports import charts, queries
from portal.reports.models import ProvinceTarget
from portal.reports.targets import METRICS, TargetMetric

#: "This week" on staff's home: the last seven days, today included.
WEEK_DAYS = 7


def _baseline(f: queries.Filters, target: ProvinceTarget, user: User) -> float:
    """The digital businesses on the target's start day: stored with the target, or counted
    within the report's breakdown when it filters businesses."""
    if queries.has_business_filter(f):
        return queries.count_digital_at(f, target.start_on, user)
    return queries.start_value(target, user)


#: A row of the trajectory's table: month ('YYYY-MM'), needed count, actual count (None where
#: there is none: no target, or a month still to come).
TrajectoryRow = tuple[str, float | None, int | None]


def trajectory(
    f: queries.Filters, target: ProvinceTarget | None, today: date, user: User
) -> tuple[Markup, list[TrajectoryRow]]:
    """Return the chart and its table rows: month, needed count, actual count."""
    if target is not None:
        first, last = target.start_on, target.end_on
    else:
        first, last = f.start, f.end
    months = queries.months_between(first, last)
    actual = queries.monthly_digital(f, months, user)
    this_month = f"{today.year:04d}-{today.month:02d}"
    needed: dict[str, float] = {}
    if target is not None:
        baseline = _baseline(f, target, user)
        span = (target.end_on - target.start_on).days or 1
        for m in months:
            year, month = int(m[:4]), int(m[5:])
            month_end = date(year + month // 12, month % 12 + 1, 1)
            days = min(max((month_end - target.start_on).days, 0), span)
            needed[m] = round(baseline + (target.target - baseline) * days / span, 1)
    rows = [(m, needed.get(m), actual[m] if m <= this_month else None) for m in months]
    series = [charts.Series(_("Actual"), [r[2] for r in rows], charts.ACTUAL)]
    if target is not None:
        series.insert(
            0,
            charts.Series(
                _("Needed to reach the target"), [r[1] for r in rows], charts.NEEDED, True
            ),
        )
    chart = charts.line_chart(
        [formatting.format_month(m) for m in months],
        series,
        _("Digital businesses at the end of each month"),
    )
    return chart, rows


@dataclass(frozen=True)
class Change:
    """A metric now and at the end of the day before the week began."""

    metric: TargetMetric
    before: float
    now: float

    @property
    def label(self) -> str:
        return str(METRICS[self.metric].label)

    @property
    def unit(self) -> str:
        return METRICS[self.metric].unit.value

    @property
    def delta(self) -> float:
        return round(self.now - self.before, 1)


@dataclass(frozen=True)
class StaffHome:
    """What province staff see first: the target, the trajectory, what changed this week."""

    province_code: int
    today: date
    week_start: date
    main: queries.MetricRow
    others: list[queries.MetricRow]
    bar: Any
    chart: Any
    changes: list[Change]
    week: queries.Activity


def staff_home(user: User) -> StaffHome | None:
    """Gather province staff's home in a fixed number of aggregate queries; None for others."""
    if user.role != Role.STAFF or user.province_code is None:
        return None
    province = user.province_code
    today = clock.today()
    week_start = today - timedelta(days=WEEK_DAYS - 1)
    targets = queries.targets_of(province, user)
    rows = queries.metric_rows(province, user, today, targets)
    before = queries.metric_values(
        province, user, {m: (m, week_start - timedelta(days=1)) for m in METRICS}
    )
    by_metric = {row.metric: row for row in rows}
    main = by_metric[TargetMetric.DIGITAL_BUSINESSES]
    target = targets.get(TargetMetric.DIGITAL_BUSINESSES)
    whole = queries.Filters(province, date(today.year, 1, 1), today)
    chart, _rows = trajectory(whole, target, today, user)
    bar = None
    if main.progress is not None:
        bar = charts.progress_bar(main.progress.progress_pct, main.progress.is_on_track)
    return StaffHome(
        province_code=province,
        today=today,
        week_start=week_start,
        main=main,
        others=[row for row in rows if row.metric != TargetMetric.DIGITAL_BUSINESSES],
        bar=bar,
        chart=chart,
        changes=[Change(row.metric, before[row.metric], row.current) for row in rows],
        week=queries.activity(queries.Filters(province, week_start, today), user),
    )
