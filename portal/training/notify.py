"""Mail to the people enrolled in a class when one of its sessions moves or is cancelled."""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import formatting
from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db
from portal.mail import send_mail
from portal.training.models import Cohort, Enrolment, EnrolmentState
from portal.urls import external_url

log = logging.getLogger(__name__)

#: Whoever may still come to the class hears of the change.
NOTIFIED_STATES = (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED, EnrolmentState.ASSIGNED)


def _recipients(cohort_id: int) -> list[User]:
    """Return the owners (with an email address) of the businesses still in the class."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Business, Business.owner_id == User.id)
            .join(Enrolment, Enrolment.business_id == Business.id)
            .where(
                Enrolment.cohort_id == cohort_id,
                Enrolment.state.in_(NOTIFIED_STATES),
                User.email.is_not(None),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def session_changed(cohort: Cohort, old_start: datetime, new_start: datetime | None) -> int:
    """Tell each owner, in their own language, that a session moved (or was cancelled when
    ``new_start`` is None); return how many messages were sent."""
    link = external_url("training.my_training")
    sent = 0
    for user in _recipients(cohort.id):
        locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")
        with force_locale(locale):
            lang = "en" if locale.startswith("en") else "vi"
            values = {
                "course": cohort.course.title(lang),
                "old": formatting.format_datetime(old_start),
                "new": formatting.format_datetime(new_start) if new_start else None,
            }
            subject = (
                _("A session of “%(course)s” has moved", course=values["course"])
                if new_start
                else _("A session of “%(course)s” is cancelled", course=values["course"])
            )
            body = render_template(
                "training/email/session_changed.txt", user=user, link=link, **values
            )
        assert user.email is not None  # _recipients selects owners with an email address
        send_mail(subject, body, [user.email])
        sent += 1
    log.info("cohort %s: %s participants told of a session change", cohort.id, sent)
    return sent
