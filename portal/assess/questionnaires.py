"""Which questionnaire a business answers, and the questionnaire version of an assessment."""

from dataclasses import dataclass
from functools import cache

from assessments import Questionnaire, QuestionnaireRegistry, load_all
from portal.businesses.models import Business, BusinessKind, BusinessSize


@cache
def registry() -> QuestionnaireRegistry:
    """Return every published questionnaire version (loaded once per process)."""
    return load_all()


@dataclass(frozen=True)
class Choice:
    """The questionnaire a business gets, and why (a key of labels.REASONS)."""

    audience: str
    reason: str

    @property
    def questionnaire(self) -> Questionnaire:
        """Return the latest version for the audience."""
        return registry().for_audience(self.audience)


def choose(business: Business) -> Choice:
    """Pick the questionnaire by kind; a household business by whether it employs anyone."""
    if business.kind == BusinessKind.ENTERPRISE:
        return Choice("enterprise", "enterprise")
    if business.kind == BusinessKind.COOPERATIVE:
        return Choice("enterprise", "cooperative")
    if business.kind == BusinessKind.HOUSEHOLD:
        return Choice("household", "household")
    if business.size == BusinessSize.FAMILY:
        return Choice("household", "family_business")
    return Choice("enterprise", "employing_business")


def questionnaire_of(questionnaire_id: str, version: int) -> Questionnaire:
    """Return the exact version an assessment was started (and scored) with."""
    return registry().get(questionnaire_id, version)
