"""The enrolment counts report: events and distinct businesses of a period by one grouping.

Distinct businesses cannot be added up across days, so this report reads the enrolment event
log itself (through its covering index), not the daily aggregates.
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


def enrolment_counts(f: Filters, by: str, user: User, lang: str) -> EnrolmentCounts:
    """Count enrolment events and distinct businesses of the period by one grouping.

    Four queries: events and businesses by group and state, businesses by group, businesses
    of the whole report by state and in all (distinct counts cannot be added up), then labels.
    """
    key = {
        "course": EnrolmentEvent.course_id,
        "cohort": EnrolmentEvent.cohort_id,
        "trainer": Cohort.trainer_id,
        "commune": EnrolmentEvent.commune_code,
        "sector": EnrolmentEvent.sector,
        "month": month_of_instant(EnrolmentEvent.at),
    }[by].label("key")
    distinct = sa.func.count(sa.distinct(EnrolmentEvent.business_id))
    # count(*): ids are never null, and PostgreSQL can then answer from the covering index.
    by_state = _enrolment_stmt(
        f, user, key, EnrolmentEvent.state, sa.func.count(), distinct, by=by
    ).group_by(key, EnrolmentEvent.state)
    grouped: dict[Any, CountRow] = {}
    for k, state, n, businesses in db.session.execute(by_state):
        row = grouped.get(k)
        if row is None:
            row = grouped[k] = CountRow(
                k, "", dict.fromkeys(COUNTED_STATES, 0), dict.fromkeys(COUNTED_STATES, 0)
            )
        row.counts[state] = n
        row.businesses[state] = businesses
    by_group = _enrolment_stmt(f, user, key, distinct, by=by).group_by(key)
    for k, businesses in db.session.execute(by_group):
        grouped[k].any_businesses = businesses
    # One statement for the report's own distinct counts: by state, and any state (NULL).
    whole = sa.union_all(
        _enrolment_stmt(f, user, EnrolmentEvent.state.label("state"), distinct.label("n")).group_by(
            EnrolmentEvent.state
        ),
        _enrolment_stmt(f, user, sa.null().label("state"), distinct.label("n")),
    )
    total_businesses, any_businesses = dict.fromkeys(COUNTED_STATES, 0), 0
    for state, n in db.session.execute(whole):
        if state is None:
            any_businesses = n
        else:
            total_businesses[EventState(state)] = n
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
