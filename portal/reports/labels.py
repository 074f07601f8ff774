"""Translated column names of the reports."""

from flask_babel import lazy_gettext as _l

from portal.training.models import EventState

EVENT_COLUMN_LABELS = {
    EventState.ASSIGNED: _l("Assigned"),
    EventState.ENROLLED: _l("Enrolled"),
    EventState.WAITLISTED: _l("Waitlisted"),
    EventState.DECLINED: _l("Declined"),
    EventState.CANCELLED: _l("Cancelled"),
    EventState.COMPLETED: _l("Completed"),
}
