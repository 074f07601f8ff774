"""Courses, cohorts, sessions, enrolments, attendance, certificates and the enrolment log."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.businesses.models import Business, Sector
from portal.clock import utcnow
from portal.extensions import Model, db
from portal.scoping import OwnersSeeTheirBusinesses, OwnersSeeTheirProvinces


class Audience(enum.StrEnum):
    ENTERPRISE = "enterprise"
    HOUSEHOLD = "household"
    BOTH = "both"


class CourseFormat(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    BLENDED = "blended"


class EnrolmentState(enum.StrEnum):
    """The current state of an enrolment (the event log keeps every change)."""

    ASSIGNED = "assigned"
    DECLINED = "declined"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class EventState(enum.StrEnum):
    """What an enrolment event records; ATTENDED is one per session marked present."""

    ASSIGNED = "assigned"
    DECLINED = "declined"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    #: A trainer corrected a session's attendance from present to absent.
    ATTENDANCE_WITHDRAWN = "attendance_withdrawn"
    COMPLETED = "completed"


class Course(OwnersSeeTheirProvinces, Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(index=True)
    title_vi: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description_vi: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: A topic id from assessments/recommendations.yaml (recommendations match on it).
    topic: Mapped[str] = mapped_column(sa.String(40))
    #: Assessment dimension ids the course strengthens, e.g. ["online_sales", "payments"].
    dimensions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    audience: Mapped[Audience] = mapped_column(sa.Enum(Audience, native_enum=False, length=12))
    #: Sector values the course is meant for; empty means every sector.
    sectors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    format: Mapped[CourseFormat] = mapped_column(
        sa.Enum(CourseFormat, native_enum=False, length=12)
    )
    duration_hours: Mapped[int] = mapped_column()
    #: Fee in VND (no minor unit); 0 means free.
    fee_vnd: Mapped[int] = mapped_column(default=0)
    prerequisites_vi: Mapped[str] = mapped_column(sa.Text, default="")
    prerequisites_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: Completion rule: share of sessions attended, in percent.
    min_attendance_pct: Mapped[int] = mapped_column(default=80)
    #: Completion rule: the trainer must also record a passed short check.
    requires_check: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    cohorts: Mapped[list["Cohort"]] = relationship(
        back_populates="course", order_by="Cohort.enrolment_deadline"
    )

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_vi

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" and self.description_en else self.description_vi

    def prerequisites(self, lang: str) -> str:
        if lang == "en" and self.prerequisites_en:
            return self.prerequisites_en
        return self.prerequisites_vi

    def is_taught_by(self, user_id: int) -> bool:
        """Tell whether the user wrote this course or trains one of its classes (a trainer's OWN
        grant in portal/permissions.py)."""
        if self.created_by_id == user_id:
            return True
        taught = sa.select(Cohort.id).where(
            Cohort.course_id == self.id, Cohort.trainer_id == user_id
        )
        return db.session.scalar(taught.limit(1)) is not None

    @property
    def is_free(self) -> bool:
        return self.fee_vnd == 0


class Cohort(OwnersSeeTheirProvinces, Model):
    """One run of a course."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    trainer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The commune of the venue (in-person and blended courses).
    commune_code: Mapped[int | None] = mapped_column(index=True)
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    online_link: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int] = mapped_column()
    enrolment_deadline: Mapped[date] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(back_populates="cohorts")
    trainer: Mapped[User | None] = relationship()
    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="cohort", order_by="TrainingSession.starts_at"
    )

    @property
    def starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def ends_at(self) -> datetime | None:
        return self.sessions[-1].starts_at if self.sessions else None


class TrainingSession(OwnersSeeTheirProvinces, Model):
    """One meeting of a cohort (named so as not to clash with the database session)."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    #: Naive UTC, like every stored datetime.
    starts_at: Mapped[datetime] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(default=120)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")


class Enrolment(OwnersSeeTheirBusinesses, Model):
    """A business's place in a cohort, from assignment or self-enrolment to completion."""

    __tablename__ = "enrolments"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "business_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    state: Mapped[EnrolmentState] = mapped_column(
        sa.Enum(EnrolmentState, native_enum=False, length=12), index=True
    )
    #: The trainer or staff member who assigned the course, if it was assigned.
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Orders the waitlist: earliest first.
    waitlisted_at: Mapped[datetime | None] = mapped_column()
    #: None until the trainer records the short check (courses with requires_check).
    passed_check: Mapped[bool | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    #: Set by the payment flow (later issue) once the fee is settled or subsidised.
    paid_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort] = relationship()
    business: Mapped[Business] = relationship()
    attendance: Mapped[list["Attendance"]] = relationship(back_populates="enrolment")
    certificate: Mapped["Certificate | None"] = relationship(back_populates="enrolment")

    @property
    def requires_payment(self) -> bool:
        """Tell whether a fee is still owed: the seam for the payment issue.

        A paid course holds the seat like a free one; the billing flow sets ``paid_at``.
        """
        return (
            self.cohort.course.fee_vnd > 0
            and self.paid_at is None
            and self.state in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED)
        )

    @property
    def holds_seat(self) -> bool:
        return self.state in (EnrolmentState.ENROLLED, EnrolmentState.COMPLETED)


class Attendance(Model):
    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_sessions.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    present: Mapped[bool] = mapped_column(default=True)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    enrolment: Mapped[Enrolment] = relationship(back_populates="attendance")

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        if user.is_owner:
            return cls.enrolment_id.in_(sa.select(Enrolment.id).where(Enrolment.visible_to(user)))
        return cls.province_code == user.province_code


class EnrolmentEvent(OwnersSeeTheirBusinesses, Model):
    """Append-only log of enrolment state changes, with copies of what reports group by.

    Copies (not joins) so that counts stay exact even if a business later moves commune or
    changes sector: each event counts where the business stood when it happened. A move to
    another province is the exception: province and commune follow the business (README).
    """

    __tablename__ = "enrolment_events"
    __table_args__ = (
        # Covers the reports' counts of a province's period by any copied column.
        sa.Index(
            "ix_enrolment_events_province_at_state",
            "province_code",
            "at",
            "state",
            "commune_code",
            "sector",
            "course_id",
            "cohort_id",
            "business_id",
        ),
        sa.Index("ix_enrolment_events_province_state_at", "province_code", "state", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), index=True)
    state: Mapped[EventState] = mapped_column(sa.Enum(EventState, native_enum=False, length=24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Who caused the change; None for automatic ones (waitlist promotion has the canceller).
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    province_code: Mapped[int] = mapped_column()
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    commune_code: Mapped[int] = mapped_column()
    sector: Mapped[Sector] = mapped_column(sa.Enum(Sector, native_enum=False, length=24))
    #: The session, for attendance events.
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_sessions.id"))


class Certificate(OwnersSeeTheirBusinesses, Model):
    """Issued on completion; the verification page shows only what it snapshots here."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), unique=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    #: Random, unguessable, 10 characters of a 32-letter alphabet (50 bits).
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    business_name: Mapped[str] = mapped_column(sa.String(200))
    course_title_vi: Mapped[str] = mapped_column(sa.String(200))
    course_title_en: Mapped[str] = mapped_column(sa.String(200))
    completed_on: Mapped[date] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    #: Why the certificate was withdrawn (shown to the owner, not on the public page).
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    enrolment: Mapped[Enrolment] = relationship(back_populates="certificate")

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    def course_title(self, lang: str) -> str:
        if lang == "en" and self.course_title_en:
            return self.course_title_en
        return self.course_title_vi
