"""Aggregate reads of the province reports: a fixed number of GROUP BY queries per page."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from assessments.digital_status import Definition
from portal import clock, formatting, geo, labels
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.auth.models import User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus, OnboardingPath
from portal.reports.models import (
    DigitalStatus,
    ProvinceSettings,
    ProvinceSettingsChange,
    ProvinceTarget,
)
from portal.reports.targets import METRICS, Progress, TargetMetric
from portal.scoping import visible
from portal.training.models import (
    Certificate,
    Cohort,
    Course,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    EventState,
)


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


def _month(column: Any) -> Any:
    """Return 'YYYY-MM' of a UTC datetime column, shifted to local time."""
    offset = clock.utc_offset_hours()
    if db.engine.dialect.name == "postgresql":
        shifted = column + sa.text(f"interval '{offset} hours'")
        return sa.func.to_char(shifted, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column, f"{offset:+d} hours")


def _business_filters(
    f: Filters, commune: Any, sector: Any, kind: Any, business_id: Any = None
) -> list:
    """Return the conditions of the commune, sector, kind and size filters.

    Rows that copy commune, sector or kind are filtered on their own columns; size is read
    from the business through ``business_id`` (one indexed sub-select, not a loop).
    """
    conditions = []
    if f.commune_code is not None and commune is not None:
        conditions.append(commune == f.commune_code)
    if f.sector is not None and sector is not None:
        conditions.append(sector == f.sector)
    if f.kind is not None and kind is not None:
        conditions.append(kind == f.kind)
    if f.size is not None and business_id is not None:
        conditions.append(
            business_id.in_(
                sa.select(Business.id).where(
                    Business.province_code == f.province_code, Business.size == f.size
                )
            )
        )
    return conditions


def _has_business_filter(f: Filters) -> bool:
    return any(v is not None for v in (f.commune_code, f.sector, f.kind, f.size))


def _in_filtered_businesses(f: Filters, business_id: Any) -> list:
    """Return the condition that ``business_id`` passes the business filters, if any are set.

    One sub-select of the few matching businesses rather than a join, so that the planner
    (SQLite has no statistics) never walks every business of the period to test them.
    """
    if not _has_business_filter(f):
        return []
    matching = sa.select(Business.id).where(
        Business.province_code == f.province_code,
        *_business_filters(f, Business.commune_code, Business.sector, Business.kind),
    )
    if f.size is not None:
        matching = matching.where(Business.size == f.size)
    return [business_id.in_(matching)]


def _status_conditions(f: Filters, user: User) -> list:
    return [
        visible(DigitalStatus, user),
        DigitalStatus.province_code == f.province_code,
        *_business_filters(
            f,
            DigitalStatus.commune_code,
            DigitalStatus.sector,
            DigitalStatus.kind,
            DigitalStatus.business_id,
        ),
    ]


# ------------------------------------------------------------------ digital businesses


def count_digital_at(f: Filters, day: date, user: User) -> int:
    """Count the businesses that were digital at the end of ``day`` (exact for past days)."""
    moment = clock.day_end(day)
    return (
        db.session.scalar(
            sa.select(sa.func.count(DigitalStatus.id)).where(
                *_status_conditions(f, user),
                DigitalStatus.became_digital_at < moment,
                sa.or_(DigitalStatus.ceased_at.is_(None), DigitalStatus.ceased_at >= moment),
            )
        )
        or 0
    )


#: What ``digital_by`` can group the businesses digital on a day by.
DIGITAL_GROUPINGS = {
    "commune": DigitalStatus.commune_code,
    "sector": DigitalStatus.sector,
    "kind": DigitalStatus.kind,
}


def digital_by(f: Filters, day: date, by: str, user: User) -> dict[Any, int]:
    """Count the businesses digital at the end of ``day`` by commune, sector or kind (one query)."""
    key, moment = DIGITAL_GROUPINGS[by], clock.day_end(day)
    rows = db.session.execute(
        sa.select(key, sa.func.count(DigitalStatus.id))
        .where(
            *_status_conditions(f, user),
            DigitalStatus.became_digital_at < moment,
            sa.or_(DigitalStatus.ceased_at.is_(None), DigitalStatus.ceased_at >= moment),
        )
        .group_by(key)
    )
    return dict(rows.all())


def monthly_digital(f: Filters, months: list[str], user: User) -> dict[str, int]:
    """Return the count at the end of each 'YYYY-MM' month, from two GROUP BY queries."""
    became = _by_month(DigitalStatus.became_digital_at, f, user)
    ceased = _by_month(DigitalStatus.ceased_at, f, user)
    result, running, keys = {}, 0, sorted(set(became) | set(ceased) | set(months))
    for key in keys:
        running += became.get(key, 0) - ceased.get(key, 0)
        result[key] = running
    return {m: result[m] for m in months}


def _by_month(column: Any, f: Filters, user: User) -> dict[str, int]:
    month = _month(column).label("month")
    rows = db.session.execute(
        sa.select(month, sa.func.count())
        .where(*_status_conditions(f, user), column.is_not(None))
        .group_by(month)
    )
    return dict(rows.all())


def months_between(start: date, end: date) -> list[str]:
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


# -------------------------------------------------------------------- definition, target


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


# --------------------------------------------------------------------- target metrics

HOUSEHOLD_KINDS = (BusinessKind.HOUSEHOLD, BusinessKind.HOUSEHOLD_BUSINESS)


def _count(what: Any, *conditions: Any) -> Any:
    return sa.select(sa.func.count(what)).where(*conditions).scalar_subquery()


def _with_verified_channel(province_code: int, user: User, channel: str, moment: datetime) -> Any:
    """Return the ids of the businesses with evidence of ``channel`` verified before ``moment``."""
    return (
        sa.select(OnboardingPath.business_id)
        .join(Evidence, Evidence.onboarding_id == OnboardingPath.id)
        .where(
            visible(Evidence, user),
            Evidence.province_code == province_code,
            Evidence.status == EvidenceStatus.VERIFIED,
            OnboardingPath.channel == channel,
            sa.func.coalesce(Evidence.verified_at, Evidence.submitted_at) < moment,
        )
    )


def _metric_columns(metric: TargetMetric, province_code: int, user: User, moment: datetime):
    """Return the numerator and the denominator (None for a count) of a metric at ``moment``."""
    if metric == TargetMetric.DIGITAL_BUSINESSES:
        return _count(
            DigitalStatus.id,
            visible(DigitalStatus, user),
            DigitalStatus.province_code == province_code,
            DigitalStatus.became_digital_at < moment,
            sa.or_(DigitalStatus.ceased_at.is_(None), DigitalStatus.ceased_at >= moment),
        ), None
    if metric == TargetMetric.HOUSEHOLDS_DIGITAL_PAYMENTS:
        households = (
            visible(Business, user),
            Business.province_code == province_code,
            Business.kind.in_(HOUSEHOLD_KINDS),
            Business.created_at < moment,
        )
        paying = Business.id.in_(_with_verified_channel(province_code, user, "payment", moment))
        return _count(Business.id, *households, paying), _count(Business.id, *households)
    if metric == TargetMetric.BUSINESSES_TRAINED:
        return _count(
            sa.distinct(Enrolment.business_id),
            visible(Enrolment, user),
            Enrolment.province_code == province_code,
            Enrolment.state == EnrolmentState.COMPLETED,
            sa.func.coalesce(Enrolment.completed_at, Enrolment.updated_at) < moment,
        ), None
    if metric == TargetMetric.LISTINGS_VERIFIED:
        selling = _with_verified_channel(province_code, user, "sales", moment).subquery()
        return sa.select(sa.func.count(sa.distinct(selling.c.business_id))).scalar_subquery(), None
    return _count(
        sa.distinct(Assessment.business_id),
        visible(Assessment, user),
        Assessment.province_code == province_code,
        Assessment.status == AssessmentStatus.SUBMITTED,
        sa.func.coalesce(Assessment.submitted_at, Assessment.updated_at) < moment,
    ), None


def metric_values(
    province_code: int, user: User, wanted: dict[Any, tuple[TargetMetric, date]]
) -> dict[Any, float]:
    """Return the value of each (metric, at the end of a day) asked for, in one query.

    Counts are whole numbers; a percentage has one decimal and is 0 when nothing is counted.
    """
    if not wanted:
        return {}
    columns, layout = [], {}
    for n, (key, (metric, day)) in enumerate(wanted.items()):
        numerator, denominator = _metric_columns(metric, province_code, user, clock.day_end(day))
        columns.append(numerator.label(f"n{n}"))
        if denominator is not None:
            columns.append(denominator.label(f"d{n}"))
        layout[key] = (f"n{n}", f"d{n}" if denominator is not None else None)
    row = db.session.execute(sa.select(*columns)).one()._mapping
    values: dict[Any, float] = {}
    for key, (num, den) in layout.items():
        if den is None:
            values[key] = row[num] or 0
        else:
            values[key] = round(100 * (row[num] or 0) / row[den], 1) if row[den] else 0.0
    return values


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

    The baselines of the targets (their value on their start day) come in the same query.
    """
    wanted: dict[Any, tuple[TargetMetric, date]] = {m: (m, on) for m in METRICS}
    for metric, target in targets.items():
        wanted[("baseline", metric)] = (metric, target.start_on)
    values = metric_values(province_code, user, wanted)
    rows = []
    for metric in METRICS:
        target = targets.get(metric)
        progress = None
        if target is not None:
            progress = Progress(
                metric=metric,
                target=target.target,
                by_year=target.by_year,
                start_on=target.start_on,
                baseline=values[("baseline", metric)],
                current=values[metric],
                on=on,
            )
        rows.append(MetricRow(metric, values[metric], progress, target))
    return rows


def setters(ids: Iterable[int | None]) -> dict[int, str]:
    """Return the names of the users who made changes (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).all())


# ------------------------------------------------------------------------- activity


@dataclass(frozen=True)
class Activity:
    assessments: int
    enrolments: int
    completions: int
    certificates: int
    listings_verified: int


def activity(f: Filters, user: User) -> Activity:
    """Count what happened in the period (five aggregate queries)."""
    start, end = clock.day_start(f.start), clock.day_end(f.end)
    # count(*) rather than count(id): ids are never null, and PostgreSQL then answers from
    # the index alone.
    assessments = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Assessment)
        .where(
            *_assessment_conditions(f, user), *_in_filtered_businesses(f, Assessment.business_id)
        )
    )
    events_stmt = (
        sa.select(EnrolmentEvent.state, sa.func.count())
        .where(
            *_event_conditions(f, user),
            EnrolmentEvent.state.in_([EventState.ENROLLED, EventState.COMPLETED]),
        )
        .group_by(EnrolmentEvent.state)
    )
    if f.kind is not None:
        # Events copy commune and sector, not kind.
        events_stmt = events_stmt.join(Business, Business.id == EnrolmentEvent.business_id).where(
            Business.kind == f.kind
        )
    events = dict(db.session.execute(events_stmt).all())
    certificates = db.session.scalar(
        sa.select(sa.func.count(Certificate.id)).where(
            visible(Certificate, user),
            Certificate.province_code == f.province_code,
            Certificate.issued_at >= start,
            Certificate.issued_at < end,
            *_in_filtered_businesses(f, Certificate.business_id),
        )
    )
    listings = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(OnboardingPath.id)))
        .join(Evidence, Evidence.onboarding_id == OnboardingPath.id)
        .where(
            visible(Evidence, user),
            Evidence.province_code == f.province_code,
            Evidence.status == EvidenceStatus.VERIFIED,
            OnboardingPath.channel == "sales",
            Evidence.verified_at >= start,
            Evidence.verified_at < end,
            *_in_filtered_businesses(f, OnboardingPath.business_id),
        )
    )
    return Activity(
        assessments=assessments or 0,
        enrolments=events.get(EventState.ENROLLED, 0),
        completions=events.get(EventState.COMPLETED, 0),
        certificates=certificates or 0,
        listings_verified=listings or 0,
    )


def _assessment_conditions(f: Filters, user: User) -> list:
    return [
        visible(Assessment, user),
        Assessment.province_code == f.province_code,
        Assessment.status == AssessmentStatus.SUBMITTED,
        Assessment.submitted_at >= clock.day_start(f.start),
        Assessment.submitted_at < clock.day_end(f.end),
    ]


def _event_conditions(f: Filters, user: User) -> list:
    return [
        visible(EnrolmentEvent, user),
        EnrolmentEvent.province_code == f.province_code,
        EnrolmentEvent.at >= clock.day_start(f.start),
        EnrolmentEvent.at < clock.day_end(f.end),
        *_business_filters(
            f, EnrolmentEvent.commune_code, EnrolmentEvent.sector, None, EnrolmentEvent.business_id
        ),
    ]


def average_scores(f: Filters, user: User) -> list[tuple[str, float, int]]:
    """Return (dimension, average score, assessments) of the period's submitted assessments.

    Scores exist only for submitted assessments and copy their province and submission time,
    so without a business filter one covering index answers (no join, no status test); with
    one, the few matching assessments lead to their scores.
    """
    stmt = (
        sa.select(
            AssessmentScore.dimension,
            sa.func.avg(AssessmentScore.score),
            sa.func.count(AssessmentScore.score),
        )
        .group_by(AssessmentScore.dimension)
        .order_by(AssessmentScore.dimension)
    )
    if _has_business_filter(f):
        stmt = stmt.join(Assessment, Assessment.id == AssessmentScore.assessment_id).where(
            *_assessment_conditions(f, user), *_in_filtered_businesses(f, Assessment.business_id)
        )
    else:
        stmt = stmt.where(
            visible(AssessmentScore, user),
            AssessmentScore.province_code == f.province_code,
            AssessmentScore.submitted_at >= clock.day_start(f.start),
            AssessmentScore.submitted_at < clock.day_end(f.end),
        )
    rows = db.session.execute(stmt)
    return [(d, float(avg), n) for d, avg, n in rows]


# --------------------------------------------------------------- every province (admin)


@dataclass(frozen=True)
class ProvinceRow:
    province_code: int
    digital: int
    target: int | None
    by_year: int | None
    assessments: int
    enrolments: int
    completions: int


def all_provinces(start: date, end: date, user: User) -> list[ProvinceRow]:
    """Return one row per province with any data (four GROUP BY province queries)."""
    moment, since = clock.day_end(end), clock.day_start(start)
    digital = dict(
        db.session.execute(
            sa.select(DigitalStatus.province_code, sa.func.count(DigitalStatus.id))
            .where(
                visible(DigitalStatus, user),
                DigitalStatus.became_digital_at < moment,
                sa.or_(DigitalStatus.ceased_at.is_(None), DigitalStatus.ceased_at >= moment),
            )
            .group_by(DigitalStatus.province_code)
        ).all()
    )
    targets = {
        t.province_code: t
        for t in db.session.scalars(
            sa.select(ProvinceTarget).where(
                visible(ProvinceTarget, user),
                ProvinceTarget.metric == TargetMetric.DIGITAL_BUSINESSES,
            )
        )
    }
    assessments = dict(
        db.session.execute(
            sa.select(Assessment.province_code, sa.func.count(Assessment.id))
            .where(
                visible(Assessment, user),
                Assessment.status == AssessmentStatus.SUBMITTED,
                Assessment.submitted_at >= since,
                Assessment.submitted_at < moment,
            )
            .group_by(Assessment.province_code)
        ).all()
    )
    events: dict[int, dict] = {}
    for code, state, n in db.session.execute(
        sa.select(EnrolmentEvent.province_code, EnrolmentEvent.state, sa.func.count())
        .where(
            visible(EnrolmentEvent, user),
            EnrolmentEvent.state.in_([EventState.ENROLLED, EventState.COMPLETED]),
            EnrolmentEvent.at >= since,
            EnrolmentEvent.at < moment,
        )
        .group_by(EnrolmentEvent.province_code, EnrolmentEvent.state)
    ):
        events.setdefault(code, {})[state] = n
    codes = sorted(set(digital) | set(targets) | set(assessments) | set(events))
    return [
        ProvinceRow(
            province_code=code,
            digital=digital.get(code, 0),
            target=targets[code].target if code in targets else None,
            by_year=targets[code].by_year if code in targets else None,
            assessments=assessments.get(code, 0),
            enrolments=events.get(code, {}).get(EventState.ENROLLED, 0),
            completions=events.get(code, {}).get(EventState.COMPLETED, 0),
        )
        for code in codes
    ]


# ---------------------------------------------------------------------- enrolment counts

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
        "month": _month(EnrolmentEvent.at),
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
