"""Reads for trainers' own pages: their day and week, their classes, a class's contacts and a
session's check-ins. Each runs a fixed number of queries, whatever the number of classes."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db
from portal.scoping import visible
from portal.training.models import (
    Attendance,
    Cohort,
    Course,
    Enrolment,
    EnrolmentState,
    TrainingSession,
)
from portal.training.queries import SEAT_STATES, seat_counts

#: How far ahead the trainer's home looks, after today.
WEEK_AHEAD_DAYS = 7


@dataclass
class SessionLine:
    """A session on the trainer's home, with what it needs to show without more queries."""

    session: TrainingSession
    cohort: Cohort
    course: Course
    expected: int
    present: int

    @property
    def ends_at(self) -> datetime:
        return self.session.starts_at + timedelta(minutes=self.session.duration_minutes)


@dataclass
class ClassLine:
    cohort: Cohort
    course: Course
    taken: int
    waiting: int
    sessions: int
    held: int
    next_start: datetime | None
    last_start: datetime | None


@dataclass
class TrainerHome:
    today: list[SessionLine]
    week: list[SessionLine]
    current: list[ClassLine]
    finished: list[ClassLine]


def trainer_home(trainer: User) -> TrainerHome:
    """Collect the trainer's sessions of today and the next days, and their classes."""
    now = clock.utcnow()
    today = clock.today()
    today_start, today_end = clock.day_start(today), clock.day_end(today)
    week_end = clock.day_end(today + timedelta(days=WEEK_AHEAD_DAYS))
    classes = db.session.execute(
        sa.select(Cohort, Course)
        .join(Course, Course.id == Cohort.course_id)
        .where(visible(Cohort, trainer), Cohort.trainer_id == trainer.id)
        .order_by(Cohort.id)
    ).all()
    cohorts = {cohort.id: (cohort, course) for cohort, course in classes}
    ids = list(cohorts)
    seats = seat_counts(ids)
    stats = {
        row.cohort_id: row
        for row in db.session.execute(
            sa.select(
                TrainingSession.cohort_id,
                sa.func.count(TrainingSession.id).label("total"),
                sa.func.count(sa.case((TrainingSession.starts_at <= now, 1))).label("held"),
                sa.func.min(
                    sa.case((TrainingSession.starts_at > now, TrainingSession.starts_at))
                ).label("next_start"),
                sa.func.max(TrainingSession.starts_at).label("last_start"),
            )
            .where(TrainingSession.cohort_id.in_(ids))
            .group_by(TrainingSession.cohort_id)
        )
    }
    sessions = db.session.scalars(
        sa.select(TrainingSession)
        .where(
            TrainingSession.cohort_id.in_(ids),
            TrainingSession.starts_at >= today_start,
            TrainingSession.starts_at < week_end,
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ).all()
    present = dict(
        db.session.execute(
            sa.select(Attendance.session_id, sa.func.count(Attendance.id))
            .where(
                Attendance.session_id.in_([s.id for s in sessions]),
                Attendance.present.is_(True),
            )
            .group_by(Attendance.session_id)
        ).all()
    )
    lines = [
        SessionLine(
            session=s,
            cohort=cohorts[s.cohort_id][0],
            course=cohorts[s.cohort_id][1],
            expected=seats[s.cohort_id]["taken"],
            present=present.get(s.id, 0),
        )
        for s in sessions
    ]
    current, finished = [], []
    for cohort_id, (cohort, course) in cohorts.items():
        stat = stats.get(cohort_id)
        line = ClassLine(
            cohort=cohort,
            course=course,
            taken=seats[cohort_id]["taken"],
            waiting=seats[cohort_id]["waiting"],
            sessions=stat.total if stat else 0,
            held=stat.held if stat else 0,
            next_start=stat.next_start if stat else None,
            last_start=stat.last_start if stat else None,
        )
        if line.last_start is not None and line.last_start < today_start:
            finished.append(line)
        else:
            current.append(line)
    current.sort(key=lambda c: (c.next_start is None, c.next_start or now, c.cohort.id))
    finished.sort(key=lambda c: (c.last_start, c.cohort.id), reverse=True)
    return TrainerHome(
        today=[line for line in lines if line.session.starts_at < today_end],
        week=[line for line in lines if line.session.starts_at >= today_end],
        current=current,
        finished=finished,
    )


#: The roster's order: those who come first, the rest after.
ROSTER_ORDER = (
    EnrolmentState.ENROLLED,
    EnrolmentState.COMPLETED,
    EnrolmentState.WAITLISTED,
    EnrolmentState.ASSIGNED,
    EnrolmentState.DECLINED,
    EnrolmentState.CANCELLED,
)


def class_contacts(cohort: Cohort) -> list[tuple[EnrolmentState, list[Enrolment]]]:
    """Return the class's enrolments with their business and its owner, by state then name."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(Business, Business.id == Enrolment.business_id)
        .where(Enrolment.cohort_id == cohort.id)
        .options(contains_eager(Enrolment.business).joinedload(Business.owner))
        .order_by(Business.name, Enrolment.id)
    ).all()
    groups: dict[EnrolmentState, list[Enrolment]] = {state: [] for state in ROSTER_ORDER}
    for enrolment in enrolments:
        groups[enrolment.state].append(enrolment)
    return [(state, groups[state]) for state in ROSTER_ORDER if groups[state]]


@dataclass
class CheckInRow:
    enrolment_id: int
    name: str
    present: bool
    #: Marked present by the business's owner, through the session's QR code.
    by_self: bool
    marked_at: datetime | None


def check_in_rows(session: TrainingSession) -> list[CheckInRow]:
    """Return who is expected at the session and who has been marked present, by name."""
    rows = db.session.execute(
        sa.select(
            Enrolment.id,
            Business.name,
            Business.owner_id,
            Attendance.present,
            Attendance.marked_by_id,
            Attendance.marked_at,
        )
        .join(Business, Business.id == Enrolment.business_id)
        .outerjoin(
            Attendance,
            sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.session_id == session.id),
        )
        .where(Enrolment.cohort_id == session.cohort_id, Enrolment.state.in_(SEAT_STATES))
        .order_by(Business.name, Enrolment.id)
    ).all()
    return [
        CheckInRow(
            enrolment_id=row.id,
            name=row.name,
            present=bool(row.present),
            by_self=bool(row.present) and row.marked_by_id == row.owner_id,
            marked_at=row.marked_at if row.present else None,
        )
        for row in rows
    ]
