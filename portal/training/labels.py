"""Translated names of training's fixed choices."""

from flask_babel import lazy_gettext as _l

from portal.training.models import Audience, CourseFormat, EnrolmentState

AUDIENCE_LABELS = {
    Audience.ENTERPRISE: _l("Enterprises and cooperatives"),
    Audience.HOUSEHOLD: _l("Households"),
    Audience.BOTH: _l("Enterprises and households"),
}

FORMAT_LABELS = {
    CourseFormat.IN_PERSON: _l("In person at a commune venue"),
    CourseFormat.ONLINE: _l("Online"),
    CourseFormat.BLENDED: _l("Blended (in person and online)"),
}

STATE_LABELS = {
    EnrolmentState.ASSIGNED: _l("Assigned, waiting for your answer"),
    EnrolmentState.DECLINED: _l("Declined"),
    EnrolmentState.ENROLLED: _l("Enrolled"),
    EnrolmentState.WAITLISTED: _l("On the waitlist"),
    EnrolmentState.CANCELLED: _l("Cancelled"),
    EnrolmentState.COMPLETED: _l("Completed"),
}

ERROR_MESSAGES = {
    "other_province": _l("This business is not in the course's province."),
    "deadline_passed": _l("Enrolment for this class has closed."),
    "already_enrolled": _l("This business is already enrolled or on the waitlist."),
    "not_assigned": _l("This course is no longer waiting for your answer."),
    "not_cancellable": _l("This enrolment can no longer be cancelled."),
    "other_cohort": _l("This person is not in this class."),
    "not_enrolled": _l("Only enrolled participants can be marked present."),
    "no_cohort": _l("This class no longer exists."),
}
