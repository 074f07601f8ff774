"""Translated names and messages of onboarding's fixed choices."""

from flask_babel import lazy_gettext as _l

from portal.failures import Code
from portal.onboarding.models import EvidenceStatus

STATUS_LABELS = {
    EvidenceStatus.PENDING: _l("Waiting for verification"),
    EvidenceStatus.VERIFIED: _l("Verified"),
    EvidenceStatus.REJECTED: _l("Rejected"),
}

CHANNEL_LABELS = {
    "sales": _l("Online sales channel"),
    "payment": _l("Digital payment acceptance"),
}



class OnboardingCode(Code):
    """Refusals of onboarding writes (operations.OnboardingError), each with its message."""

    NOT_OFFERED = "not_offered", _l(
        "This listing path is not offered to this kind of business or sector."
    )
    OTHER_PROVINCE = "other_province", _l("This evidence belongs to another province.")
    REASON_REQUIRED = "reason_required", _l(
        "Say why the evidence is rejected, so the owner can fix it."
    )
