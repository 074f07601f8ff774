"""The enrolment counts report: events and distinct businesses of a period by one grouping.

This report reads the enrolment event log itself (through its covering index, in one
statement), not the daily aggregates: distinct businesses cannot be added up across days (a
business enrolled on two days of the period counts once), and each business's first event,
stored once, would count only the businesses whose first event falls in the period (one that
enrolled last year and again this year would be missing from this year's report). The events
themselves could be added up from aggregates, but they come from the same scan at no extra cost.
"""

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import clock, formatting, geo, labels
from portal.auth.models import User
from portal.businesses.models import Business, Sector
from portal.extensions import db
from portal.reports.filters import Filters, business_filters, month_of_instant
from portal.reports.target_values import setters
from portal.scoping import visible
from portal.training.models import Cohort, Course, EnrolmentEvent, EventState


def _event_conditions(f: Filters, user: User) -> list:
    return [
        visible(EnrolmentEvent, user),
        EnrolmentEvent.province_code == f.province_code,
        EnrolmentEvent.at >= clock.day_start(f.start),
        EnrolmentEvent.at < clock.day_end(f.end),
        *business_filters(
            f, EnrolmentEvent.commune_code, EnrolmentEvent.sector, None, EnrolmentEvent.business_id
        ),
    ]


#: The event states the enrolment report counts, in column order.
COUNTED_STATES = (
    EventState.ASSIGNED,
    EventState.ENROLLED,
    EventState.WAITLISTED,
    EventState.DECLINED,
    EventState.CANCELLED,
    EventState.COMPLETED,
)
GROUPINGS = ("course", "cohort", "trainer", "commune", "sector", "month")


@dataclass
class CountRow:
    key: Any
    label: str
    #: Events of each state: one business enrolled twice counts twice.
    counts: dict[EventState, int]
    #: Distinct businesses with an event of each state.
    businesses: dict[EventState, int] = field(default_factory=dict)
    #: Distinct businesses with any counted event in this row.
    any_businesses: int = 0

    @property
    def total(self) -> int:
        """Events of every state added up (kept for the API; the pages show businesses)."""
        return sum(self.counts.values())


@dataclass
class EnrolmentCounts:
    by: str
    rows: list[CountRow]
    #: Distinct businesses of the whole report by state: a business in several rows counts once.
    total_businesses: dict[EventState, int] = field(default_factory=dict)
    #: Distinct businesses with any counted event in the whole report.
    any_businesses: int = 0

    @property
    def totals(self) -> dict[EventState, int]:
        return {s: sum(r.counts[s] for r in self.rows) for s in COUNTED_STATES}

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


def _enrolment_stmt(f: Filters, user: User, *columns: Any, by: str | None = None) -> Any:
    """Return a select of ``columns`` over the period's counted events, filters applied."""
    stmt = (
        sa.select(*columns)
        .select_from(EnrolmentEvent)
        .where(*_event_conditions(f, user), EnrolmentEvent.state.in_(COUNTED_STATES))
    )
    if by == "trainer":
        stmt = stmt.join(Cohort, Cohort.id == EnrolmentEvent.cohort_id)
    if f.kind is not None:
        stmt = stmt.join(Business, Business.id == EnrolmentEvent.business_id).where(
            Business.kind == f.kind
        )
    return stmt


#: The levels of ``_counts``: per group and state, per group, per state, the whole report
#: (PostgreSQL's GROUPING() of (group, state): a bit set for each one added up).
_CELL, _GROUP, _STATE, _WHOLE = 0, 1, 2, 3


def _counts(f: Filters, by: str, user: User) -> Any:
    """Return one statement of (key, state, level, events, distinct businesses), every level.

    Distinct businesses cannot be added up from the cells, so each level counts its own; the
    events are read once. PostgreSQL: GROUPING SETS over one scan of the covering index;
    SQLite: the four GROUP BYs of one common table expression.
    """
    key = {
        "course": EnrolmentEvent.course_id,
        "cohort": EnrolmentEvent.cohort_id,
        "trainer": Cohort.trainer_id,
        "commune": EnrolmentEvent.commune_code,
        "sector": EnrolmentEvent.sector,
        "month": month_of_instant(EnrolmentEvent.at),
    }[by]
    columns = (
        key.label("key"),
        EnrolmentEvent.state.label("state"),
        EnrolmentEvent.business_id.label("business_id"),
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # A subquery, so that GROUPING SETS and GROUPING() name plain columns (a grouping
        # expression with bound literals, like the month's, would not match itself).
        ev = _enrolment_stmt(f, user, *columns, by=by).subquery("ev")
        return sa.select(
            ev.c.key,
            ev.c.state,
            sa.func.grouping(ev.c.key, ev.c.state),
            sa.func.count(),
            sa.func.count(sa.distinct(ev.c.business_id)),
        ).group_by(
            sa.func.grouping_sets(
                sa.tuple_(ev.c.key, ev.c.state),
                sa.tuple_(ev.c.key),
                sa.tuple_(ev.c.state),
                sa.text("()"),
            )
        )
    ev = _enrolment_stmt(f, user, *columns, by=by).cte("ev")
    counts = (sa.func.count(), sa.func.count(sa.distinct(ev.c.business_id)))
    return sa.union_all(
        sa.select(ev.c.key, ev.c.state, sa.literal(_CELL), *counts).group_by(ev.c.key, ev.c.state),
        sa.select(ev.c.key, sa.null(), sa.literal(_GROUP), *counts).group_by(ev.c.key),
        sa.select(sa.null(), ev.c.state, sa.literal(_STATE), *counts).group_by(ev.c.state),
        sa.select(sa.null(), sa.null(), sa.literal(_WHOLE), *counts),
    )


def enrolment_counts(f: Filters, by: str, user: User, lang: str) -> EnrolmentCounts:
    """Count enrolment events and distinct businesses of the period by one grouping.

    Two queries: every count of the report in one (events and businesses by group and state,
    businesses by group, by state and in all: distinct counts cannot be added up), then labels.
    """
    grouped: dict[Any, CountRow] = {}
    total_businesses, any_businesses = dict.fromkeys(COUNTED_STATES, 0), 0
    for k, state, level, n, businesses in db.session.execute(_counts(f, by, user)):
        if level == _WHOLE:
            any_businesses = businesses
            continue
        if level == _STATE:
            total_businesses[EventState(state)] = businesses
            continue
        row = grouped.get(k)
        if row is None:
            row = grouped[k] = CountRow(
                k, "", dict.fromkeys(COUNTED_STATES, 0), dict.fromkeys(COUNTED_STATES, 0)
            )
        if level == _GROUP:
            row.any_businesses = businesses
        else:
            row.counts[EventState(state)] = n
            row.businesses[EventState(state)] = businesses
    labels = _labels(by, list(grouped), lang)
    rows = list(grouped.values())
    for row in rows:
        row.label = labels.get(row.key, "")
    rows.sort(key=lambda r: (r.key is None, r.label if by != "month" else str(r.key)))
    return EnrolmentCounts(by, rows, total_businesses, any_businesses)


def _labels(by: str, keys: list, lang: str) -> dict[Any, str]:
    if by == "course" and keys:
        courses = db.session.scalars(sa.select(Course).where(Course.id.in_(keys)))
        return {c.id: c.title(lang) for c in courses}
    if by == "cohort" and keys:
        rows = db.session.execute(
            sa.select(Cohort.id, Cohort.enrolment_deadline, Course)
            .join(Course)
            .where(Cohort.id.in_(keys))
        )
        return {cid: f"{course.title(lang)} · #{cid}" for cid, _d, course in rows}
    if by == "trainer":
        names = setters(keys)
        return {k: names.get(k, _("No trainer")) for k in keys}
    if by == "commune":
        return {k: geo.commune_name(k) for k in keys}
    if by == "sector":
        return {k: str(labels.SECTOR_LABELS[Sector(k)]) for k in keys}
    if by == "month":
        return {k: formatting.format_month(k, lang) for k in keys}
    return {k: str(k) for k in keys}
