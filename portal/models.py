"""Import every feature's models so the metadata (and Alembic) knows all tables."""

from portal.api.models import ApiToken
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.billing.models import Payment, PaymentStatus, StripeEvent, SubsidyProgramme
from portal.businesses.models import Business, BusinessKind, BusinessSize, Sector
from portal.claims.models import ClaimCode
from portal.field.models import FieldAnswer, FieldHousehold, HelperCommune
from portal.imports.models import ImportBatch, ImportedBusiness
from portal.onboarding.models import Evidence, EvidenceStatus, OnboardingPath, StepProgress
from portal.paysign.models import PaymentSign
from portal.privacy.models import PrivacyConsent
from portal.reports.models import (
    DigitalStatus,
    ProvinceSettings,
    ProvinceSettingsChange,
    ProvinceTarget,
)
from portal.training.alerts import ClassAlert, ClassAlertNotice
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
    "ApiToken",
    "Assessment",
    "AssessmentScore",
    "AssessmentStatus",
    "AuditEvent",
    "Attendance",
    "Business",
    "BusinessKind",
    "BusinessSize",
    "Certificate",
    "ClassAlert",
    "ClassAlertNotice",
    "ClaimCode",
    "Cohort",
    "Course",
    "DigitalStatus",
    "Enrolment",
    "EnrolmentEvent",
    "Evidence",
    "FieldAnswer",
    "FieldHousehold",
    "HelperCommune",
    "ImportBatch",
    "ImportedBusiness",
    "EvidenceStatus",
    "OnboardingPath",
    "Payment",
    "PrivacyConsent",
    "PaymentSign",
    "PaymentStatus",
    "ProvinceSettings",
    "ProvinceSettingsChange",
    "ProvinceTarget",
    "Role",
    "Sector",
    "StepProgress",
    "StripeEvent",
    "SubsidyProgramme",
    "TrainingSession",
    "User",
]
