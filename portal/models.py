"""Import every feature's models so the metadata (and Alembic) knows all tables."""

from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Course,
    Enrolment,
    EnrolmentEvent,
    TrainingSession,
)

__all__ = [
    "Attendance",
    "Business",
    "BusinessKind",
    "BusinessSize",
    "Certificate",
    "Cohort",
    "Course",
    "Enrolment",
    "EnrolmentEvent",
    "Role",
    "Sector",
    "TrainingSession",
    "User",
]
