"""The metrics a province can set targets for, and how progress toward a target is judged.

Pure registry and arithmetic, no database: ``queries.metric_values`` computes the values.
"""

import enum
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l


class TargetMetric(enum.StrEnum):
    #: Businesses meeting the province's definition (the trajectory chart follows this one).
    DIGITAL_BUSINESSES = "digital_businesses"
    #: Share of households and household businesses with verified digital payment acceptance.
    HOUSEHOLDS_DIGITAL_PAYMENTS = "households_digital_payments"
    #: Businesses with at least one completed course.
    BUSINESSES_TRAINED = "businesses_trained"
    #: Businesses with a verified online sales channel.
    LISTINGS_VERIFIED = "listings_verified"
    #: Businesses with a submitted assessment.
    ASSESSED_BUSINESSES = "assessed_businesses"


class Unit(enum.StrEnum):
    COUNT = "count"
    PERCENT = "percent"


@dataclass(frozen=True)
class MetricInfo:
    label: str
    unit: Unit

    @property
    def max_target(self) -> int:
        return 100 if self.unit == Unit.PERCENT else 10_000_000


#: The registry, in the order the dashboard lists the targets.
METRICS: dict[TargetMetric, MetricInfo] = {
    TargetMetric.DIGITAL_BUSINESSES: MetricInfo(_l("Digital businesses"), Unit.COUNT),
    TargetMetric.HOUSEHOLDS_DIGITAL_PAYMENTS: MetricInfo(
        _l("Households and household businesses accepting digital payments"), Unit.PERCENT
    ),
    TargetMetric.BUSINESSES_TRAINED: MetricInfo(
        _l("Businesses with a completed course"), Unit.COUNT
    ),
    TargetMetric.LISTINGS_VERIFIED: MetricInfo(
        _l("Businesses with a verified online sales channel"), Unit.COUNT
    ),
    TargetMetric.ASSESSED_BUSINESSES: MetricInfo(
        _l("Businesses with a submitted assessment"), Unit.COUNT
    ),
}


def end_of(year: int) -> date:
    return date(year, 12, 31)


@dataclass(frozen=True)
class Progress:
    """A target with where the province stands and where the straight line says it should."""

    metric: TargetMetric
    target: int
    by_year: int
    start_on: date
    #: The value on ``start_on``, where the straight line starts.
    baseline: float
    current: float
    on: date

    @property
    def unit(self) -> Unit:
        return METRICS[self.metric].unit

    @property
    def label(self) -> str:
        return str(METRICS[self.metric].label)

    @property
    def progress_pct(self) -> float:
        """The current value as a percentage of the target (one decimal, may pass 100)."""
        return round(100 * self.current / self.target, 1) if self.target else 0.0

    @property
    def needed_now(self) -> float:
        """Where the straight line from the baseline on ``start_on`` to the target stands today."""
        end = end_of(self.by_year)
        span = (end - self.start_on).days or 1
        elapsed = min(max((self.on - self.start_on).days, 0), span)
        return self.baseline + (self.target - self.baseline) * elapsed / span

    @property
    def is_reached(self) -> bool:
        return self.current >= self.target

    @property
    def is_on_track(self) -> bool:
        # Rounded like the numbers shown, so that "12 needed, 12 reached" reads as on track.
        return self.is_reached or round(self.current, 1) >= round(self.needed_now, 1)
