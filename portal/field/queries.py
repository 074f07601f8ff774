"""Reads of the field teams: what the app keeps offline, and the staff's team page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from assessments.listing_paths import load_catalog
from portal import clock, geo
from portal.assess.models import Assessment
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.field.models import FieldHousehold, HelperCommune
from portal.training.models import Audience, Cohort, Course, CourseFormat


def communes_of(helper: User) -> list[dict[str, Any]]:
    """The helper's communes, by name."""
    codes = db.session.scalars(
        sa.select(HelperCommune.commune_code).where(HelperCommune.helper_id == helper.id)
    ).all()
    return sorted(
        ({"code": code, "name": geo.commune_name(code)} for code in codes),
        key=lambda c: c["name"],
    )


def courses_for_households(province_code: int) -> list[dict[str, Any]]:
    """The province's active courses for households with a class still taking enrolments,
    each class with where and when it next meets (what the app needs to name the nearest)."""
    now = clock.utcnow()
    courses = db.session.scalars(
        sa.select(Course)
        .where(
            Course.province_code == province_code,
            Course.active.is_(True),
            Course.audience.in_((Audience.HOUSEHOLD, Audience.BOTH)),
        )
        # Only the classes still taking enrolments (not every class the courses ever had).
        .options(
            selectinload(Course.cohorts.and_(Cohort.enrolment_deadline >= clock.today()))
            .selectinload(Cohort.sessions)
        )
        .order_by(Course.id)
    )
    out = []
    for course in courses:
        classes = []
        for cohort in course.cohorts:  # soonest deadline first
            upcoming = next((s for s in cohort.sessions if s.starts_at >= now), None)
            classes.append(
                {
                    "commune": cohort.commune_code,
                    "commune_name": geo.commune_name(cohort.commune_code),
                    "venue": cohort.venue,
                    "next": clock.to_local(upcoming.starts_at).isoformat() if upcoming else None,
                }
            )
        if classes:
            out.append(
                {
                    "id": course.id,
                    "title": {"vi": course.title_vi, "en": course.title_en},
                    "topic": course.topic,
                    "dimensions": list(course.dimensions or []),
                    "sectors": list(course.sectors or []),
                    "online": course.format == CourseFormat.ONLINE,
                    "fee_vnd": course.fee_vnd,
                    "classes": classes,
                }
            )
    return out


def listing_paths() -> list[dict[str, Any]]:
    """Listing paths a household may be pointed to (names and who they are offered to)."""
    return [
        {
            "id": path.id,
            "name": {"vi": path.name.vi, "en": path.name.en},
            "kinds": list(path.kinds),
            "sectors": list(path.sectors),
        }
        for path in load_catalog().paths
    ]


def helpers_of_province(province_code: int) -> list[tuple[User, list[int], int]]:
    """The province's helpers with their commune codes and how many households they sent."""
    helpers = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.HELPER, User.province_code == province_code)
        .order_by(User.name, User.id)
    ).all()
    communes: dict[int, list[int]] = {}
    for helper_id, code in db.session.execute(
        sa.select(HelperCommune.helper_id, HelperCommune.commune_code).where(
            HelperCommune.province_code == province_code
        )
    ):
        communes.setdefault(helper_id, []).append(code)
    counts = dict(
        db.session.execute(
            sa.select(FieldHousehold.helper_id, sa.func.count(FieldHousehold.id))
            .where(FieldHousehold.province_code == province_code)
            .group_by(FieldHousehold.helper_id)
        ).all()
    )
    return [(h, sorted(communes.get(h.id, [])), counts.get(h.id, 0)) for h in helpers]


# ------------------------------------------------------------------------------ figures


def _local_day(column: Any) -> Any:
    """'YYYY-MM-DD' of a stored UTC instant, in local time (the database does the grouping)."""
    offset = clock.utc_offset_hours()
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column + sa.text(f"interval '{offset} hours'"), "YYYY-MM-DD")
    return sa.func.strftime("%Y-%m-%d", column, f"{offset:+d} hours")


@dataclass(frozen=True)
class WeekRow:
    """Households assessed in one week (starting Monday), in one commune, by one helper."""

    week: date
    commune_code: int
    helper_id: int
    households: int


def weekly_counts(province_code: int, start: date, end: date) -> list[WeekRow]:
    """Households assessed from ``start`` to ``end`` (local dates, by when the helper finished
    the assessment), per week, commune and helper: one aggregate query whatever the number of
    households."""
    day = _local_day(FieldHousehold.assessed_at).label("day")
    rows = db.session.execute(
        sa.select(day, FieldHousehold.commune_code, FieldHousehold.helper_id, sa.func.count())
        .where(
            FieldHousehold.province_code == province_code,
            FieldHousehold.assessed_at >= clock.day_start(start),
            FieldHousehold.assessed_at < clock.day_end(end),
        )
        .group_by(day, FieldHousehold.commune_code, FieldHousehold.helper_id)
    ).all()
    weeks: dict[tuple[date, int, int], int] = {}
    for text, commune, helper, count in rows:
        local = date.fromisoformat(text)
        key = (local - timedelta(days=local.weekday()), commune, helper)
        weeks[key] = weeks.get(key, 0) + count
    return [WeekRow(w, c, h, n) for (w, c, h), n in sorted(weeks.items())]


@dataclass(frozen=True)
class WorkRow:
    """A WeekRow with the helper's name (for exports)."""

    week: date
    commune_code: int
    helper_id: int
    helper_name: str
    households: int


def weekly_work(
    province_code: int, start: date, end: date, commune_code: int | None = None
) -> list[WorkRow]:
    """Households assessed per week, commune and helper (named), by commune, week and name:
    one aggregate query whatever the number of households."""
    day = _local_day(FieldHousehold.assessed_at).label("day")
    statement = (
        sa.select(
            day, FieldHousehold.commune_code, FieldHousehold.helper_id, User.name, sa.func.count()
        )
        .join(User, User.id == FieldHousehold.helper_id)
        .where(
            FieldHousehold.province_code == province_code,
            FieldHousehold.assessed_at >= clock.day_start(start),
            FieldHousehold.assessed_at < clock.day_end(end),
        )
        .group_by(day, FieldHousehold.commune_code, FieldHousehold.helper_id, User.name)
    )
    if commune_code is not None:
        statement = statement.where(FieldHousehold.commune_code == commune_code)
    weeks: dict[tuple[date, int, int], list[Any]] = {}
    for text, commune, helper, name, count in db.session.execute(statement):
        local = date.fromisoformat(text)
        key = (local - timedelta(days=local.weekday()), commune, helper)
        weeks.setdefault(key, [name, 0])[1] += count
    rows = [WorkRow(w, c, h, name, n) for (w, c, h), (name, n) in weeks.items()]
    return sorted(rows, key=lambda r: (geo.commune_name(r.commune_code), r.week, r.helper_name))


def helper_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


@dataclass(frozen=True)
class FieldSummary:
    households: int
    helpers: int
    communes: int
    score_mismatches: int
    proposed_matches: int


def summary(
    province_code: int, start: date, end: date, commune_code: int | None = None
) -> FieldSummary:
    """The field work of a period in one aggregate query (the API summary gives it)."""
    conditions = [
        FieldHousehold.province_code == province_code,
        FieldHousehold.assessed_at >= clock.day_start(start),
        FieldHousehold.assessed_at < clock.day_end(end),
    ]
    if commune_code is not None:
        conditions.append(FieldHousehold.commune_code == commune_code)
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.distinct(FieldHousehold.helper_id)),
            sa.func.count(sa.distinct(FieldHousehold.commune_code)),
            sa.func.count().filter(FieldHousehold.score_mismatch.is_(True)),
            sa.func.count().filter(_OPEN_MATCH),
        ).where(*conditions)
    ).one()
    return FieldSummary(*(int(v or 0) for v in row))


#: A proposed match that staff have neither merged nor dismissed.
_OPEN_MATCH = sa.and_(
    FieldHousehold.match_business_id.is_not(None), FieldHousehold.match_decision.is_(None)
)

#: The most open proposals a page lists (the count on the dashboard says how many there are).
MATCH_PAGE = 200


def proposed_matches(
    province_code: int | None, limit: int = MATCH_PAGE
) -> list[tuple[FieldHousehold, Business]]:
    """Open proposed matches (field record, household already in the portal), newest first;
    ``province_code`` None: every province (the national administrator)."""
    statement = (
        sa.select(FieldHousehold, Business)
        .join(Business, Business.id == FieldHousehold.match_business_id)
        .where(_OPEN_MATCH)
        .options(joinedload(FieldHousehold.helper))
        .order_by(FieldHousehold.received_at.desc(), FieldHousehold.id.desc())
        .limit(limit)
    )
    if province_code is not None:
        statement = statement.where(FieldHousehold.province_code == province_code)
    return [(h, b) for h, b in db.session.execute(statement).all()]


def merge_preview(household: FieldHousehold) -> dict[str, Any]:
    """What a merge of this open proposal would carry: the assessments of the field record's
    business, its claim code, and whether the business in the portal has a code already."""
    codes: dict[int | None, str] = dict(
        db.session.execute(
            sa.select(ClaimCode.business_id, ClaimCode.code).where(
                ClaimCode.business_id.in_((household.business_id, household.match_business_id))
            )
        ).all()
    )
    assessments = db.session.scalar(
        sa.select(sa.func.count(Assessment.id)).where(
            Assessment.business_id == household.business_id
        )
    )
    return {
        "assessments": int(assessments or 0),
        "code": codes.get(household.business_id),
        "target_has_code": household.match_business_id in codes,
    }


# ---------------------------------------------------------------------- staff dashboard

#: Communes listed on the staff dashboard (the busiest of the last four weeks).
TOP_COMMUNES = 5


@dataclass(frozen=True)
class DashboardSummary:
    """Field work on a staff member's dashboard: this week, the last four weeks (this week and
    the three before, from Monday), the busiest communes of those weeks, the households whose
    phone score differed from the portal's in those weeks, and the open proposed matches."""

    this_week: int
    four_weeks: int
    since: date
    top_communes: list[tuple[int, int]]
    score_mismatches: int
    open_matches: int

    @property
    def empty(self) -> bool:
        return not (self.four_weeks or self.open_matches)


def dashboard_summary(user: Any) -> DashboardSummary | None:
    """The field figures of the user's dashboard: their province for staff, every province for
    the national administrator, None for anyone else. One aggregate query, grouped by commune,
    whatever the number of households."""
    if getattr(user, "role", None) == Role.STAFF and user.province_code is not None:
        where: list[Any] = [FieldHousehold.province_code == user.province_code]
    elif getattr(user, "role", None) == Role.ADMIN:
        where = []
    else:
        return None
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    since = monday - timedelta(weeks=3)
    week_start, since_start = clock.day_start(monday), clock.day_start(since)
    recent = FieldHousehold.assessed_at >= since_start
    rows = db.session.execute(
        sa.select(
            FieldHousehold.commune_code,
            sa.func.count().filter(FieldHousehold.assessed_at >= week_start),
            sa.func.count().filter(recent),
            sa.func.count().filter(recent, FieldHousehold.score_mismatch.is_(True)),
            sa.func.count().filter(_OPEN_MATCH),
        )
        .where(*where, sa.or_(recent, _OPEN_MATCH))
        .group_by(FieldHousehold.commune_code)
    ).all()
    top = sorted(((r[0], int(r[2])) for r in rows if r[2]), key=lambda c: (-c[1], c[0]))
    return DashboardSummary(
        this_week=sum(int(r[1]) for r in rows),
        four_weeks=sum(int(r[2]) for r in rows),
        since=since,
        top_communes=top[:TOP_COMMUNES],
        score_mismatches=sum(int(r[3]) for r in rows),
        open_matches=sum(int(r[4]) for r in rows),
    )
