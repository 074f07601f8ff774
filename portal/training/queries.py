"""Reads for training: catalog, rosters, owners' enrolments, group selection, invitations."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from portal import clock, signals
from portal.assess.models import Assessment, AssessmentScore
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, Sector
from portal.clock import utcnow
from portal.extensions import db
from portal.scoping import scoped_select, visible
from portal.training import alerts
from portal.training.alerts import ClassAlert, ClassAlertNotice
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Course,
    CourseFormat,
    Enrolment,
    EnrolmentState,
    TrainingSession,
)

SEAT_STATES = (EnrolmentState.ENROLLED, EnrolmentState.COMPLETED)


# ----------------------------------------------------------------------------- catalog


@dataclass
class CatalogFilters:
    commune: int | None = None
    format: str | None = None
    dimension: str | None = None
    #: "free", "paid" or None.
    fee: str | None = None


def query_catalog(user: User, filters: CatalogFilters, include_inactive: bool = False) -> list:
    """Return the courses the user may see that match the filters, by title."""
    stmt = scoped_select(Course, user)
    if not include_inactive:
        stmt = stmt.where(Course.active.is_(True))
    if filters.format in {f.value for f in CourseFormat}:
        stmt = stmt.where(Course.format == CourseFormat(filters.format))
    if filters.fee == "free":
        stmt = stmt.where(Course.fee_vnd == 0)
    elif filters.fee == "paid":
        stmt = stmt.where(Course.fee_vnd > 0)
    if filters.commune:
        stmt = stmt.where(
            Course.id.in_(sa.select(Cohort.course_id).where(Cohort.commune_code == filters.commune))
        )
    courses = db.session.scalars(stmt.order_by(Course.title_vi, Course.id)).all()
    if filters.dimension:
        # A JSON list: filtered here, portable across SQLite and PostgreSQL (catalogs are small).
        courses = [c for c in courses if filters.dimension in (c.dimensions or [])]
    return list(courses)


#: Finished classes per page of a course's page (its managers see every class it ever had).
PAST_CLASSES_PER_PAGE = 10


def _classes_of(course: Course) -> sa.Select:
    """The course's classes with their sessions (the page shows when each meets)."""
    return (
        scoped_select(Cohort)
        .where(Cohort.course_id == course.id)
        .options(selectinload(Cohort.sessions))
    )


def _finished() -> sa.ColumnElement[bool]:
    """A class is finished once its enrolment deadline and its last session's day are past
    (a class without sessions: its deadline)."""
    today = clock.today()
    last_session = (
        sa.select(sa.func.max(TrainingSession.starts_at))
        .where(TrainingSession.cohort_id == Cohort.id)
        .scalar_subquery()
    )
    return sa.and_(
        Cohort.enrolment_deadline < today,
        sa.or_(last_session.is_(None), last_session < clock.day_start(today)),
    )


def open_cohorts(course: Course) -> list[Cohort]:
    """Return the course's cohorts still taking enrolments, soonest deadline first."""
    stmt = _classes_of(course).where(Cohort.enrolment_deadline >= clock.today())
    return list(db.session.scalars(stmt.order_by(Cohort.enrolment_deadline, Cohort.id)))


def current_cohorts(course: Course) -> list[Cohort]:
    """Return the course's classes not finished yet (taking enrolments or still meeting),
    soonest deadline first."""
    stmt = _classes_of(course).where(sa.not_(_finished()))
    return list(db.session.scalars(stmt.order_by(Cohort.enrolment_deadline, Cohort.id)))


def finished_cohorts(course: Course, page: int) -> Pagination:
    """Return one page of the course's finished classes, the latest first."""
    stmt = _classes_of(course).where(_finished())
    stmt = stmt.order_by(Cohort.enrolment_deadline.desc(), Cohort.id.desc())
    return db.paginate(stmt, page=page, per_page=PAST_CLASSES_PER_PAGE, error_out=False)


def seat_counts(cohort_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return {cohort id: {"taken": n, "waiting": n}}."""
    counts: dict[int, dict[str, int]] = {i: {"taken": 0, "waiting": 0} for i in cohort_ids}
    if not cohort_ids:
        return counts
    rows = db.session.execute(
        sa.select(Enrolment.cohort_id, Enrolment.state, sa.func.count(Enrolment.id))
        .where(Enrolment.cohort_id.in_(cohort_ids))
        .group_by(Enrolment.cohort_id, Enrolment.state)
    ).all()
    for cohort_id, state, n in rows:
        if state in SEAT_STATES:
            counts[cohort_id]["taken"] += n
        elif state == EnrolmentState.WAITLISTED:
            counts[cohort_id]["waiting"] += n
    return counts


def cohort_roster(cohort: Cohort) -> dict[EnrolmentState, list[Enrolment]]:
    """Return the cohort's enrolments grouped by state, waitlist in its order."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.business), selectinload(Enrolment.certificate))
        .order_by(Enrolment.waitlisted_at, Enrolment.id)
    ).all()
    roster: dict[EnrolmentState, list[Enrolment]] = {s: [] for s in EnrolmentState}
    for enrolment in enrolments:
        roster[enrolment.state].append(enrolment)
    for state in roster:
        if state != EnrolmentState.WAITLISTED:
            roster[state].sort(key=lambda e: e.business.name)
    return roster


def session_attendance(session: TrainingSession) -> list[tuple[Enrolment, bool]]:
    """Return who is expected at a session and whether each was marked present, by name."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(Business, Business.id == Enrolment.business_id)
        .where(Enrolment.cohort_id == session.cohort_id, Enrolment.state.in_(SEAT_STATES))
        .options(selectinload(Enrolment.business))
        .order_by(Business.name, Enrolment.id)
    ).all()
    present = set(
        db.session.scalars(
            sa.select(Attendance.enrolment_id).where(
                Attendance.session_id == session.id, Attendance.present.is_(True)
            )
        )
    )
    return [(e, e.id in present) for e in enrolments]


def attendance_counts(cohort: Cohort) -> dict[int, int]:
    """Return {enrolment id: sessions attended} for a cohort."""
    return dict(
        db.session.execute(
            sa.select(Attendance.enrolment_id, sa.func.count(Attendance.id))
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(TrainingSession.cohort_id == cohort.id, Attendance.present.is_(True))
            .group_by(Attendance.enrolment_id)
        ).all()
    )


def query_premature_certificates() -> list[sa.Row]:
    """Return certificates issued before their class's last session started, oldest first.

    Completion is allowed from the start of the last session on, so these were issued too soon
    (or a session was added or moved later since). A class without sessions counts too. Each row
    is (certificate, cohort, course, start of the last session or None).
    """
    last = (
        sa.select(
            TrainingSession.cohort_id,
            sa.func.max(TrainingSession.starts_at).label("last_start"),
        )
        .group_by(TrainingSession.cohort_id)
        .subquery()
    )
    return list(
        db.session.execute(
            sa.select(Certificate, Cohort, Course, last.c.last_start)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .outerjoin(last, last.c.cohort_id == Cohort.id)
            .where(sa.or_(last.c.last_start.is_(None), Certificate.issued_at < last.c.last_start))
            .order_by(Cohort.province_code, Course.title_vi, Cohort.id, Certificate.issued_at)
        ).all()
    )


def province_trainers(province_code: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.province_code == province_code,
                User.role == Role.TRAINER,
                User.active.is_(True),
            )
            .order_by(User.name)
        )
    )


# ------------------------------------------------------------------------------ owners


def owner_enrolments(owner: User, states: tuple[EnrolmentState, ...] | None = None) -> list:
    stmt = (
        scoped_select(Enrolment, owner)
        .options(
            selectinload(Enrolment.business),
            selectinload(Enrolment.cohort).selectinload(Cohort.course),
            selectinload(Enrolment.cohort).selectinload(Cohort.sessions),
            selectinload(Enrolment.certificate),
        )
        .order_by(Enrolment.updated_at.desc(), Enrolment.id.desc())
    )
    if states:
        stmt = stmt.where(Enrolment.state.in_(states))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class SeatHold:
    """A seat of a paid course held while its fee is awaited."""

    #: A card was given and the payment is being confirmed: the seat stays held meanwhile.
    confirming: bool
    #: When the hold ends unless paid (naive UTC); None when no end is set.
    until: datetime | None

    @property
    def minutes_left(self) -> int:
        """Whole minutes (rounded up) until the hold ends; 0 once it has."""
        if self.until is None:
            return 0
        return max(0, math.ceil((self.until - utcnow()).total_seconds() / 60))


def seat_holds(enrolments: Iterable[Enrolment]) -> dict[int, SeatHold]:
    """Return {enrolment id: hold} for those enrolled but not yet paid.

    Billing says until when each seat is held (``signals.seat_holds_asked``, one query); a
    seat it says nothing of is held with no end set.
    """
    unpaid = [e for e in enrolments if e.state == EnrolmentState.ENROLLED and e.requires_payment]
    if not unpaid:
        return {}
    holds = {e.id: SeatHold(confirming=False, until=None) for e in unpaid}
    for _receiver, known in signals.seat_holds_asked.send(unpaid):
        holds.update(known or {})
    return holds


def upcoming_sessions(owner: User, limit: int = 10) -> list[tuple[TrainingSession, Enrolment]]:
    """Return the next sessions of the cohorts the owner's businesses hold a seat in."""
    rows = db.session.execute(
        sa.select(TrainingSession, Enrolment)
        .join(Enrolment, Enrolment.cohort_id == TrainingSession.cohort_id)
        .where(
            visible(Enrolment, owner),
            Enrolment.state == EnrolmentState.ENROLLED,
            TrainingSession.starts_at >= utcnow(),
        )
        .order_by(TrainingSession.starts_at)
        .limit(limit)
    ).all()
    return [(s, e) for s, e in rows]


def owner_certificates(owner: User) -> list[Certificate]:
    return list(
        db.session.scalars(scoped_select(Certificate, owner).order_by(Certificate.issued_at.desc()))
    )


def pending_reassessment_invites(owner: User) -> list[Enrolment]:
    """Return the completed enrolments whose business has not submitted an assessment since.

    Each is an invitation to re-assess; it goes away once the business submits a new one.
    """
    stmt = (
        scoped_select(Enrolment, owner)
        .where(Enrolment.state == EnrolmentState.COMPLETED)
        .options(
            selectinload(Enrolment.business),
            selectinload(Enrolment.cohort).selectinload(Cohort.course),
        )
        .order_by(Enrolment.completed_at.desc())
    )
    assessments = Assessment.__table__
    stmt = stmt.where(
        ~sa.exists().where(
            assessments.c.business_id == Enrolment.business_id,
            assessments.c.status == "submitted",
            assessments.c.submitted_at > Enrolment.completed_at,
        )
    )
    # One invitation per business: the latest completion.
    seen: set[int] = set()
    invites = []
    for enrolment in db.session.scalars(stmt):
        if enrolment.business_id not in seen:
            seen.add(enrolment.business_id)
            invites.append(enrolment)
    return invites


@dataclass
class OwnerTraining:
    """What the owner's dashboard shows about training."""

    upcoming: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    reassess: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.upcoming or self.assignments or self.certificates or self.reassess)


def owner_training_summary(owner: User) -> OwnerTraining:
    """Collect the dashboard's training panel for an owner."""
    if not owner.is_authenticated or not owner.is_owner:
        return OwnerTraining()
    return OwnerTraining(
        upcoming=upcoming_sessions(owner, limit=5),
        assignments=owner_enrolments(owner, (EnrolmentState.ASSIGNED,)),
        certificates=owner_certificates(owner),
        reassess=pending_reassessment_invites(owner),
    )


def owner_businesses_in(owner: User, province_code: int) -> list[Business]:
    """Return the owner's businesses in a province, by name (those a class there may take)."""
    return list(
        db.session.scalars(
            scoped_select(Business, owner)
            .where(Business.province_code == province_code)
            .order_by(Business.name, Business.id)
        )
    )


def owner_province_codes(owner: User) -> list[int]:
    """Return the provinces whose courses the owner sees: those of their businesses."""
    return list(
        db.session.scalars(
            sa.select(Business.province_code).where(Business.owner_id == owner.id).distinct()
        )
    )


def owner_course_enrolments(owner: User, course: Course) -> list[Enrolment]:
    """Return the owner's enrolments (any state) in the classes of a course."""
    return list(
        db.session.scalars(
            scoped_select(Enrolment, owner)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Cohort.course_id == course.id)
        )
    )


def businesses_by_ids(user: User, ids: list[int], province_code: int) -> list[Business]:
    """Return those of these businesses the user may see that are in the province."""
    return list(
        db.session.scalars(
            scoped_select(Business, user).where(
                Business.id.in_(ids), Business.province_code == province_code
            )
        )
    )


def certificate_by_code(code: str) -> Certificate | None:
    """Return the certificate a verification code names (any case, spaces around), if any."""
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code.strip().upper()))


# -------------------------------------------------------------------------- class alerts


def owner_business_ids(owner: User) -> list[int]:
    """Return the ids of every business the owner may see (their own)."""
    return list(db.session.scalars(scoped_select(Business, owner).with_only_columns(Business.id)))


def class_alert_notices(owner: User) -> list[ClassAlertNotice]:
    """Return the owner's notices of classes opened near their businesses, still to show."""
    if not owner.is_authenticated or not owner.is_owner:
        return []
    return alerts.open_notices(owner_business_ids(owner), clock.today())


def course_class_alerts(owner: User, course: Course) -> list[ClassAlert]:
    """Return the owner's alerts this course answers (of the course itself or its topic)."""
    return [
        a
        for a in alerts.business_alerts(owner_business_ids(owner))
        if a.course_id == course.id or (a.course_id is None and a.topic == course.topic)
    ]


# --------------------------------------------------------------------- group selection


@dataclass
class GroupFilters:
    commune: int | None = None
    sector: str | None = None
    kind: str | None = None
    #: Businesses whose latest submitted level is at most this.
    max_level: int | None = None
    dimension: str | None = None
    #: With ``dimension``: latest submitted score for it strictly below this.
    below: float | None = None

    @property
    def uses_assessments(self) -> bool:
        return self.max_level is not None or (self.dimension is not None and self.below is not None)


def query_group(user: User, province_code: int, filters: GroupFilters, limit: int = 500) -> list:
    """Return the province's businesses matching the filters (the latest submitted assessment
    decides level and dimension scores; businesses never assessed do not match those)."""
    stmt = scoped_select(Business, user).where(Business.province_code == province_code)
    if filters.commune:
        stmt = stmt.where(Business.commune_code == filters.commune)
    if filters.sector in {s.value for s in Sector}:
        stmt = stmt.where(Business.sector == Sector(filters.sector))
    if filters.kind in {k.value for k in BusinessKind}:
        stmt = stmt.where(Business.kind == BusinessKind(filters.kind))
    if filters.uses_assessments:
        assessments, scores = Assessment.__table__, AssessmentScore.__table__
        latest_at = (
            sa.select(
                assessments.c.business_id.label("business_id"),
                sa.func.max(assessments.c.submitted_at).label("submitted_at"),
            )
            .where(assessments.c.status == "submitted")
            .group_by(assessments.c.business_id)
            .subquery()
        )
        latest = (
            sa.select(assessments.c.id, assessments.c.business_id, assessments.c.level)
            .join(
                latest_at,
                sa.and_(
                    latest_at.c.business_id == assessments.c.business_id,
                    latest_at.c.submitted_at == assessments.c.submitted_at,
                ),
            )
            .where(assessments.c.status == "submitted")
            .subquery()
        )
        stmt = stmt.join(latest, latest.c.business_id == Business.id)
        if filters.max_level is not None:
            stmt = stmt.where(latest.c.level <= filters.max_level)
        if filters.dimension is not None and filters.below is not None:
            stmt = stmt.where(
                sa.exists().where(
                    scores.c.assessment_id == latest.c.id,
                    scores.c.dimension == filters.dimension,
                    scores.c.score < filters.below,
                )
            )
    return list(db.session.scalars(stmt.order_by(Business.name, Business.id).limit(limit)))
