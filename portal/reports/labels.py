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

#: The enrolment report's columns: events of a state ("lượt"), never to be read as businesses.
EVENT_COUNT_LABELS = {
    EventState.ASSIGNED: _l("Times assigned"),
    EventState.ENROLLED: _l("Times enrolled"),
    EventState.WAITLISTED: _l("Times waitlisted"),
    EventState.DECLINED: _l("Times declined"),
    EventState.CANCELLED: _l("Times cancelled"),
    EventState.COMPLETED: _l("Times completed"),
}

#: ...and distinct businesses with an event of that state.
BUSINESS_COUNT_LABELS = {
    EventState.ASSIGNED: _l("Businesses assigned"),
    EventState.ENROLLED: _l("Businesses enrolled"),
    EventState.WAITLISTED: _l("Businesses waitlisted"),
    EventState.DECLINED: _l("Businesses that declined"),
    EventState.CANCELLED: _l("Businesses that cancelled"),
    EventState.COMPLETED: _l("Businesses that completed"),
}

ANY_BUSINESSES_LABEL = _l("Businesses, each counted once")
