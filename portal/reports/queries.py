"""The reads of the province reports, one import for the views, the API and staff's home.

The dashboard, the administrator's provinces, the API summary and staff's home read only the
report aggregates (``portal.reports.aggregates``) and small tables (targets, settings), so
their cost depends on days × groups, never on the number of businesses. The modules:

- ``filters``: what a report covers (``Filters``) and how an aggregate is filtered;
- ``digital``: digital businesses on a day, by group, by month;
- ``target_values``: the definition, the targets and the target metrics' values;
- ``activity``: what happened in a period, and the average scores;
- ``provinces``: one row per province (national administrator);
- ``enrolments``: the enrolment counts report (distinct businesses: reads the event log).
"""

from portal.reports.activity import Activity, activity, average_scores
from portal.reports.digital import (
    DIGITAL_GROUPINGS,
    count_digital_at,
    digital_by,
    monthly_digital,
    months_between,
)
from portal.reports.enrolments import (
    COUNTED_STATES,
    GROUPINGS,
    CountRow,
    EnrolmentCounts,
    enrolment_counts,
)
from portal.reports.filters import Filters, has_business_filter
from portal.reports.provinces import ProvinceRow, all_provinces
from portal.reports.target_values import (
    DefinitionInUse,
    MetricRow,
    definition_in_use,
    metric_rows,
    metric_values,
    setters,
    start_value,
    target_of,
    targets_of,
)

__all__ = [
    "COUNTED_STATES",
    "DIGITAL_GROUPINGS",
    "GROUPINGS",
    "Activity",
    "CountRow",
    "DefinitionInUse",
    "EnrolmentCounts",
    "Filters",
    "MetricRow",
    "ProvinceRow",
    "activity",
    "all_provinces",
    "average_scores",
    "count_digital_at",
    "definition_in_use",
    "digital_by",
    "enrolment_counts",
    "has_business_filter",
    "metric_rows",
    "metric_values",
    "monthly_digital",
    "months_between",
    "setters",
    "start_value",
    "target_of",
    "targets_of",
]
