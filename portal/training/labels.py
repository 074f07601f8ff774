"""Translated names of training's fixed choices."""

from flask_babel import lazy_gettext as _l

from portal.failures import Code
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

class TrainingCode(Code):
    """Refusals of training actions (operations.TrainingError), each with its message."""

    OTHER_PROVINCE = "other_province", _l("This business is not in the course's province.")
    DEADLINE_PASSED = "deadline_passed", _l("Enrolment for this class has closed.")
    ALREADY_ENROLLED = "already_enrolled", _l(
        "This business is already enrolled or on the waitlist."
    )
    NOT_ASSIGNED = "not_assigned", _l("This course is no longer waiting for your answer.")
    NOT_CANCELLABLE = "not_cancellable", _l("This enrolment can no longer be cancelled.")
    OTHER_COHORT = "other_cohort", _l("This person is not in this class.")
    NOT_ENROLLED = "not_enrolled", _l("Only enrolled participants can be marked present.")
    NO_COHORT = "no_cohort", _l("This class no longer exists.")
    # The session and certificate actions.
    NO_SESSION = "no_session", _l("This session no longer exists.")
    SESSION_HAS_ATTENDANCE = "session_has_attendance", _l(
        "Attendance has been taken for this session, so it cannot be removed: it counts in "
        "the participants' completion. You can reschedule it instead."
    )
    ALREADY_WITHDRAWN = "already_withdrawn", _l("This certificate has already been withdrawn.")
    NO_SESSIONS = "no_sessions", _l("This class has no sessions yet, so nobody can complete it.")
    ATTENDED_SESSION_TO_FUTURE = "attended_session_to_future", _l(
        "Attendance has been taken for this session, so it cannot be moved to a time that "
        "has not come yet."
    )
    # Refusals that name a moment (``error.at``, shown in the portal's time zone as %(time)s).
    SESSION_NOT_STARTED = "session_not_started", _l(
        "This session has not started yet. Attendance opens when it starts, at %(time)s."
    )
    CLASS_NOT_OVER = "class_not_over", _l(
        "The class is not over yet. Completion and certificates open when its last session "
        "starts, at %(time)s."
    )
    CLASS_HAS_CERTIFICATES = "class_has_certificates", _l(
        "Certificates of this class were issued at %(time)s, so no session can take place "
        "after that. Open a new class for further sessions."
    )


class CheckInCode(Code):
    """Refusals of a participant's own check-in (checkin.CheckInError); the result page shows
    the message under its heading and fills %(opens)s and %(closes)s from the session."""

    NOT_OPEN = "not_open", _l(
        "This session takes check-ins from %(opens)s to %(closes)s only. Ask your trainer "
        "to mark you present."
    )
    NOT_ENROLLED = "not_enrolled", _l(
        "None of your businesses holds a place in this class, so you cannot check in. If "
        "you think you should, ask your trainer."
    )
    MARKED_ABSENT = "marked_absent", _l(
        "Your trainer recorded you as absent for this session. Please speak to them."
    )
