"""Class alerts: an owner asks to be told when a class of a course (or of any course on a
topic) opens near their business, in its commune or anywhere in its province.

When a class opens, :func:`note_class_opened` (receiver of ``signals.cohort_opened``, sent by
``operations.create_cohort`` in its transaction) writes one notice per business that asked: the
owner's dashboard shows it until dismissed. :func:`mail_class_opened` then sends the mail,
after the commit, so that no message ever announces a class whose opening was rolled back. An
online class is near every business of the province: nobody travels to it.
"""

import logging
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessments.recommend import load_rules
from portal import formatting, geo, locking, signals
from portal.auth.models import User
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import Model, db
from portal.failures import Code, OperationError
from portal.mail import send_mail
from portal.scoping import OwnersSeeTheirBusinesses
from portal.training.models import Cohort, Course
from portal.urls import external_url

log = logging.getLogger(__name__)


class ClassAlert(OwnersSeeTheirBusinesses, Model):
    """A business's wish to hear of a new class of a course, or of any course on a topic."""

    __tablename__ = "class_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    #: The course asked about; None for a topic alert.
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    #: A topic id of assessments/recommendations.yaml; "" for a course alert.
    topic: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Any class in the province, not only in the business's own commune.
    province_wide: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    business: Mapped[Business] = relationship()
    course: Mapped[Course | None] = relationship()

    def subject(self, lang: str) -> str:
        """Name what the alert is about: the course's title or the topic's name."""
        if self.course is not None:
            return self.course.title(lang)
        return load_rules().topic_name(self.topic, lang)


class ClassAlertNotice(OwnersSeeTheirBusinesses, Model):
    """A class that opened near a business which asked to hear of it (one per business)."""

    __tablename__ = "class_alert_notices"
    __table_args__ = (sa.UniqueConstraint("business_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the owner was mailed; None until then (or when they have no address).
    mailed_at: Mapped[datetime | None] = mapped_column()
    #: When the owner hid it from their dashboard.
    dismissed_at: Mapped[datetime | None] = mapped_column()

    business: Mapped[Business] = relationship()
    cohort: Mapped[Cohort] = relationship()


class AlertCode(Code):
    """Refusals of a class alert (AlertError), each with its message."""

    COURSE_OR_TOPIC = "course_or_topic", _l(
        "An alert is about one course or about one topic: choose one of them."
    )
    OTHER_PROVINCE = "other_province", _l(
        "This course is offered in another province than the business's, so no alert can "
        "be set for it."
    )


class AlertError(OperationError):
    """A refused subscription; ``code`` (an AlertCode) picks the translated message."""

    codes = AlertCode


# ------------------------------------------------------------------------------ writes


def subscribe(
    business: Business, *, course: Course | None = None, topic: str = "", province_wide: bool
) -> ClassAlert:
    """Ask to hear of new classes of ``course`` (or on ``topic``) near ``business``.

    Asking again for the same course or topic changes only how far the alert reaches. The
    business is locked first and its province read under the lock (a move drops the alerts it
    finds: one asked meanwhile is asked where the business is now).
    """
    if (course is None) == (not topic):
        raise AlertError("course_or_topic")
    locked_business = locking.lock(Business, business.id)
    assert locked_business is not None, f"business {business.id} is gone"
    business = locked_business
    if course is not None and course.province_code != business.province_code:
        raise AlertError("other_province")
    match = ClassAlert.course_id == course.id if course is not None else ClassAlert.topic == topic
    alert = db.session.scalar(
        sa.select(ClassAlert).where(ClassAlert.business_id == business.id, match)
    )
    if alert is None:
        alert = ClassAlert(
            business=business,
            province_code=business.province_code,
            course=course,
            topic="" if course is not None else topic,
        )
        db.session.add(alert)
    alert.province_wide = province_wide
    db.session.flush()
    log.info("class alert %s for business %s saved", alert.id, business.id)
    return alert


def unsubscribe(alert: ClassAlert) -> None:
    """Stop the alert (notices already shown stay until dismissed)."""
    log.info("class alert %s of business %s removed", alert.id, alert.business_id)
    db.session.delete(alert)
    db.session.flush()


def dismiss(notice: ClassAlertNotice) -> None:
    notice.dismissed_at = utcnow()
    db.session.flush()


def forget_business(business_id: int) -> None:
    """Delete a business's alerts and notices (it moved province, or its owner left)."""
    for model in (ClassAlertNotice, ClassAlert):
        db.session.execute(
            sa.delete(model)
            .where(model.business_id == business_id)
            .execution_options(synchronize_session=False)
        )


def note_class_opened(cohort: Cohort) -> int:
    """Write a notice for each business whose alert the new class answers; return how many.

    Receives ``signals.cohort_opened`` (sent by ``operations.create_cohort``, in its transaction).
    The businesses are locked (shared) and their province checked under the lock, so that a
    business moving meanwhile gets no notice in the province it leaves: the move waits and drops
    the notice, or the notice waits and is not written.
    """
    course = cohort.course
    near: sa.ColumnElement[bool] = ClassAlert.province_wide.is_(True)
    if cohort.commune_code is None:
        near = sa.true()  # online: near everyone
    else:
        near = sa.or_(near, Business.commune_code == cohort.commune_code)
    answered = (
        sa.select(ClassAlert.id)
        .where(
            ClassAlert.business_id == Business.id,
            ClassAlert.province_code == cohort.province_code,
            sa.or_(ClassAlert.course_id == course.id, ClassAlert.topic == course.topic),
            near,
        )
        .exists()
    )
    business_ids = db.session.scalars(
        locking.locked(
            sa.select(Business.id)
            .where(Business.province_code == cohort.province_code, answered)
            .order_by(Business.id),
            read=True,
        )
    ).all()
    for business_id in business_ids:
        db.session.add(
            ClassAlertNotice(
                business_id=business_id, province_code=cohort.province_code, cohort=cohort
            )
        )
    db.session.flush()
    if business_ids:
        log.info(
            "cohort %s answers the class alerts of %s businesses", cohort.id, len(business_ids)
        )
    return len(business_ids)


# ------------------------------------------------------------------------------- mail


def mail_class_opened(cohort_id: int) -> int:
    """Mail each owner told of the class and not mailed yet, in their language; commit.

    Called after the commit that opened the class; return how many messages were sent.
    """
    rows = db.session.execute(
        sa.select(ClassAlertNotice, User)
        .join(Business, Business.id == ClassAlertNotice.business_id)
        .join(User, User.id == Business.owner_id)
        .where(ClassAlertNotice.cohort_id == cohort_id, ClassAlertNotice.mailed_at.is_(None))
        .order_by(ClassAlertNotice.id)
    ).all()
    sent = 0
    for notice, user in rows:
        if not user.email or not user.active:
            continue
        cohort = notice.cohort
        locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")
        with force_locale(locale):
            lang = "en" if locale.startswith("en") else "vi"
            course = cohort.course.title(lang)
            subject = _("A new class of “%(course)s” is open near you", course=course)
            body = render_template(
                "training/email/class_opened.txt",
                user=user,
                course=course,
                business=notice.business.name,
                place=_place(cohort),
                starts=formatting.format_datetime(cohort.starts_at) if cohort.starts_at else None,
                deadline=formatting.format_date(cohort.enrolment_deadline),
                link=external_url("training.show_course", course_id=cohort.course_id),
                alerts_link=external_url("training.class_alerts"),
            )
        send_mail(subject, body, [user.email])
        notice.mailed_at = utcnow()
        sent += 1
    db.session.commit()
    log.info("cohort %s: %s owners mailed of the new class", cohort_id, sent)
    return sent


def _place(cohort: Cohort) -> str:
    if cohort.commune_code is None:
        return _("Online")
    return f"{cohort.venue}, {geo.commune_name(cohort.commune_code)}"


# ------------------------------------------------------------------------------- reads


def business_alerts(business_ids: list[int]) -> list[ClassAlert]:
    """Return the alerts of these businesses, newest first."""
    if not business_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(ClassAlert)
            .where(ClassAlert.business_id.in_(business_ids))
            .order_by(ClassAlert.created_at.desc(), ClassAlert.id.desc())
        )
    )


def _forget_moved_business(business: Business, **_event: object) -> None:
    # Alerts name the old province's courses and the old commune: they do not move.
    forget_business(business.id)


def connect() -> None:
    """Note new classes for the alerts they answer; drop a moved business's alerts (create_app)."""
    signals.cohort_opened.connect(note_class_opened)
    signals.business_moved.connect(_forget_moved_business)


def open_notices(business_ids: list[int], today: date) -> list[ClassAlertNotice]:
    """Return the notices still to show: not dismissed, the class still taking enrolments."""
    if not business_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(ClassAlertNotice)
            .join(Cohort, Cohort.id == ClassAlertNotice.cohort_id)
            .where(
                ClassAlertNotice.business_id.in_(business_ids),
                ClassAlertNotice.dismissed_at.is_(None),
                Cohort.enrolment_deadline >= today,
            )
            .order_by(ClassAlertNotice.created_at.desc(), ClassAlertNotice.id.desc())
        )
    )
