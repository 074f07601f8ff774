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


#: About how long one question takes to read and answer on a phone.
SECONDS_PER_QUESTION = 20


def minutes_to_answer(audience: str) -> int:
    """Return about how long the audience's latest questionnaire takes, in whole 5 minutes.

    Every question counts, follow-ups too, so the figure errs on the long side.
    """
    questions = len(registry().for_audience(audience).questions)
    return max(5, 5 * round(questions * SECONDS_PER_QUESTION / 300))


def questionnaire_of(questionnaire_id: str, version: int) -> Questionnaire:
    """Return the exact version an assessment was started (and scored) with."""
    return registry().get(questionnaire_id, version)
