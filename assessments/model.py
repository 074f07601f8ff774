"""Immutable model of a questionnaire: dimensions, questions, options, bands and levels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from .errors import AnswerError

if TYPE_CHECKING:
    from .question_types import AnswerValue, QuestionType

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


@dataclass(frozen=True)
class Text:
    """A person-readable text in every supported language."""

    vi: str
    en: str

    def get(self, lang: str | None = None) -> str:
        """Return the text in lang, falling back to Vietnamese."""
        text: str = getattr(self, lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
        return text


@dataclass(frozen=True)
class Option:
    """One possible choice of a question."""

    id: str
    label: Text
    points: float
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """Show a question only if an earlier answer matches (`any_of` or `at_least`)."""

    question: str
    any_of: tuple[str, ...] = ()
    at_least: float | None = None

    def holds(self, value: object) -> bool:
        """Return whether the controlling answer satisfies this condition."""
        if value is None:
            return False
        if self.at_least is not None:
            if not isinstance(value, int | float) or isinstance(value, bool):
                return False
            return value >= self.at_least
        if isinstance(value, list | tuple | set | frozenset):
            return any(choice in self.any_of for choice in value)
        return value in self.any_of


@dataclass(frozen=True)
class Question:
    """One question; its type-specific behaviour lives in `kind`."""

    id: str
    dimension: str
    kind: QuestionType
    text: Text
    help: Text | None = None
    weight: float = 1
    show_if: Condition | None = None

    @property
    def type(self) -> str:
        """Return the type name, e.g. ``single``."""
        return self.kind.name

    @property
    def options(self) -> tuple[Option, ...]:
        """Return the choices (explicit, or implied for scale and yes/no)."""
        return self.kind.choices

    def normalize(self, raw: object, locale: str | None = None) -> AnswerValue:
        """Turn form input typed on a ``locale`` page into an answer value, naming this
        question on error (None: the stored, language-free form)."""
        try:
            return self.kind.normalize(raw, locale)
        except AnswerError as err:
            raise AnswerError(err.code, question=self.id, **err.params) from None

    def points(self, value: object) -> float:
        """Return the 0..100 points earned by an answer value."""
        return self.kind.points(value)


@dataclass(frozen=True)
class Band:
    """A score band of a dimension with its explanation and next steps."""

    min_score: float
    explanation: Text
    next_steps: tuple[Text, ...]


@dataclass(frozen=True)
class Level:
    """An overall maturity level (0..5) reached from `min_score` on."""

    number: int
    min_score: float
    name: Text


@dataclass(frozen=True)
class Dimension:
    """A group of questions scored together."""

    id: str
    weight: float
    title: Text
    description: Text
    bands: tuple[Band, ...]
    questions: tuple[Question, ...]

    def band_for(self, score: float) -> Band:
        """Return the highest band whose threshold the score reaches."""
        return _highest(self.bands, score)


def is_answered(value: object) -> bool:
    """Return whether an answer value counts as given."""
    if value is None:
        return False
    if isinstance(value, str | list | tuple | set | frozenset):
        return len(value) > 0
    return True


@dataclass(frozen=True)
class Questionnaire:
    """A versioned questionnaire for one audience."""

    id: str
    version: int
    audience: str
    title: Text
    intro: Text
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    source: str = ""
    _by_id: dict[str, Question] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index = {q.id: q for d in self.dimensions for q in d.questions}
        object.__setattr__(self, "_by_id", index)

    @property
    def key(self) -> tuple[str, int]:
        """Return (id, version), the key stored with every submission."""
        return (self.id, self.version)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Return all questions in display order."""
        return tuple(self._by_id.values())

    def question(self, question_id: str) -> Question:
        """Return the question with this id or raise KeyError."""
        return self._by_id[question_id]

    def dimension(self, dimension_id: str) -> Dimension:
        """Return the dimension with this id or raise KeyError."""
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def is_visible(self, question: Question | str, answers: Mapping[str, object]) -> bool:
        """Return whether a question is shown given the answers so far."""
        current = self.question(question) if isinstance(question, str) else question
        # A question hidden behind a hidden question is hidden too, whatever stale answer
        # its controller still has; show_if only points backwards, so this terminates.
        while current.show_if is not None:
            condition = current.show_if
            if not condition.holds(answers.get(condition.question)):
                return False
            current = self.question(condition.question)
        return True

    def visible_questions(self, answers: Mapping[str, object]) -> tuple[Question, ...]:
        """Return the questions shown given the answers, in display order."""
        return tuple(q for q in self.questions if self.is_visible(q, answers))

    def missing(self, answers: Mapping[str, object]) -> tuple[Question, ...]:
        """Return the visible questions that have no answer yet."""
        return tuple(
            q for q in self.visible_questions(answers) if not is_answered(answers.get(q.id))
        )

    def level_for(self, score: float) -> Level:
        """Return the highest level whose threshold the score reaches."""
        return _highest(self.levels, score)


_Step = TypeVar("_Step", Band, Level)


def _highest(steps: tuple[_Step, ...], score: float) -> _Step:
    """Return the last step whose min_score is at most score (the first one if none)."""
    chosen = steps[0]
    for step in steps:
        if score >= step.min_score:
            chosen = step
    return chosen
