"""Pluggable question types: each reads its definition, normalizes answers and scores them.

A new type is one subclass of `QuestionType` added to `QUESTION_TYPES`.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from . import _parse
from ._parse import Where
from .errors import AnswerError
from .model import Option, Text
from .numbers import NumberInputError, parse_number

AnswerValue = str | int | float | list[str]

# Implied choices are data, not template strings, so the web layer can translate them.
SCALE_LABELS: dict[int, Text] = {
    0: Text(vi="Chưa có", en="Not at all"),
    1: Text(vi="Rất ít", en="Very little"),
    2: Text(vi="Ít", en="A little"),
    3: Text(vi="Trung bình", en="Moderately"),
    4: Text(vi="Nhiều", en="Largely"),
    5: Text(vi="Hoàn toàn", en="Fully"),
}
YESNO_LABELS: dict[str, Text] = {
    "yes": Text(vi="Có", en="Yes"),
    "partly": Text(vi="Một phần", en="Partly"),
    "no": Text(vi="Chưa", en="No"),
}
YESNO_POINTS: dict[str, float] = {"yes": 100, "partly": 50, "no": 0}
SCALE_MAX = 5
#: A number in its stored, language-free form ("1000", "2.5"): what code and data files write.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _blank(raw: object) -> bool:
    """Return whether form input carries no answer at all."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return all(_blank(item) for item in raw)
    return False


def _single_input(raw: object) -> object:
    """Unwrap a one-element list, as `request.form.getlist` gives for single fields."""
    if isinstance(raw, list | tuple):
        values = [item for item in raw if not _blank(item)]
        if len(values) > 1:
            raise AnswerError("too_many_choices")
        raw = values[0]
    return raw.strip() if isinstance(raw, str) else raw


class QuestionType(ABC):
    """Behaviour shared by every question of one type."""

    name: ClassVar[str]
    # Type-specific keys allowed in the YAML question mapping.
    keys: ClassVar[frozenset[str]] = frozenset()
    # Forms of show_if (`in` / `at_least`) that may refer to a question of this type.
    condition_forms: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    @abstractmethod
    def from_definition(cls, raw: Mapping[str, Any], where: Where) -> Self:
        """Build the type-specific part of a question from its YAML mapping."""

    @property
    def choices(self) -> tuple[Option, ...]:
        """Return the options a respondent picks from (empty for free input)."""
        return ()

    @abstractmethod
    def normalize(self, raw: object, locale: str | None = None) -> AnswerValue:
        """Turn form input into an answer value or raise AnswerError.

        ``locale`` ("vi", "en") is the language of the page the person typed into; None
        means text in the stored, language-free form.
        """

    @abstractmethod
    def points(self, value: object) -> float:
        """Return the 0..100 points of a normalized answer value."""

    def _require(self, raw: object) -> None:
        if _blank(raw):
            raise AnswerError("required")


def _read_options(raw: Mapping[str, Any], where: Where) -> tuple[Option, ...]:
    """Read explicit options with unique ids."""
    options: list[Option] = []
    for index, item in enumerate(_parse.sequence(raw.get("options"), where, "options")):
        item = _parse.mapping(item, where, f"option #{index + 1}")
        option_id = _parse.ident(item.get("id"), where.at(f"option #{index + 1}"), "id")
        at = where.at(f"option '{option_id}'")
        _parse.check_keys(item, at, ("id", "label", "points"), ("exclusive",))
        if any(option.id == option_id for option in options):
            where.fail(f"duplicate option id '{option_id}'")
        options.append(
            Option(
                id=option_id,
                label=_parse.text(item["label"], at, "label"),
                points=_parse.points(item["points"], at),
                exclusive=_parse.boolean(item.get("exclusive", False), at, "exclusive"),
            )
        )
    return tuple(options)


def _read_labels(
    raw: Mapping[str, Any], where: Where, defaults: Mapping[Any, Text]
) -> dict[Any, Text]:
    """Read optional per-question labels that override the implied defaults."""
    labels = dict(defaults)
    overrides = raw.get("labels", {})
    overrides = _parse.mapping(overrides, where, "'labels'")
    for key, label in overrides.items():
        if key not in defaults:
            allowed = ", ".join(str(k) for k in defaults)
            where.fail(f"unknown label key {key!r} (allowed: {allowed})")
        labels[key] = _parse.text(label, where, f"label {key}")
    return labels


@dataclass(frozen=True)
class SingleChoice(QuestionType):
    """Pick exactly one option; the answer is its id."""

    name: ClassVar[str] = "single"
    keys: ClassVar[frozenset[str]] = frozenset({"options"})
    condition_forms: ClassVar[frozenset[str]] = frozenset({"in"})
    options: tuple[Option, ...]

    @classmethod
    def from_definition(cls, raw: Mapping[str, Any], where: Where) -> Self:
        """Build from the YAML mapping."""
        options = _read_options(raw, where)
        if any(option.exclusive for option in options):
            where.fail("'exclusive' only applies to multi questions")
        return cls(options)

    @property
    def choices(self) -> tuple[Option, ...]:
        """Return the options."""
        return self.options

    def normalize(self, raw: object, locale: str | None = None) -> str:
        """Return the chosen option id."""
        self._require(raw)
        value = _single_input(raw)
        if not isinstance(value, str) or value not in {o.id for o in self.options}:
            raise AnswerError("unknown_option", value=value)
        return value

    def points(self, value: object) -> float:
        """Return the points of the chosen option."""
        for option in self.options:
            if option.id == value:
                return option.points
        raise AnswerError("unknown_option", value=value)


@dataclass(frozen=True)
class MultiChoice(QuestionType):
    """Pick one or more options; points add up to at most 100."""

    name: ClassVar[str] = "multi"
    keys: ClassVar[frozenset[str]] = frozenset({"options"})
    condition_forms: ClassVar[frozenset[str]] = frozenset({"in"})
    options: tuple[Option, ...]

    @classmethod
    def from_definition(cls, raw: Mapping[str, Any], where: Where) -> Self:
        """Build from the YAML mapping."""
        return cls(_read_options(raw, where))

    @property
    def choices(self) -> tuple[Option, ...]:
        """Return the options."""
        return self.options

    def normalize(self, raw: object, locale: str | None = None) -> list[str]:
        """Return the chosen option ids in definition order, without duplicates."""
        self._require(raw)
        items = raw if isinstance(raw, list | tuple | set | frozenset) else [raw]
        chosen = set()
        for item in items:
            if _blank(item):
                continue
            value = item.strip() if isinstance(item, str) else item
            if value not in {o.id for o in self.options}:
                raise AnswerError("unknown_option", value=value)
            chosen.add(value)
        self._check_exclusive(chosen)
        return [o.id for o in self.options if o.id in chosen]

    def _check_exclusive(self, chosen: set[object]) -> None:
        if len(chosen) > 1:
            for option in self.options:
                if option.exclusive and option.id in chosen:
                    raise AnswerError("exclusive_conflict", option=option.id)

    def points(self, value: object) -> float:
        """Return the summed points of the chosen options, capped at 100."""
        if not isinstance(value, list | tuple | set | frozenset):
            raise AnswerError("unknown_option", value=value)
        chosen = set(value)
        unknown = chosen - {o.id for o in self.options}
        if unknown:
            raise AnswerError("unknown_option", value=sorted(map(str, unknown))[0])
        self._check_exclusive(chosen)
        return min(100, sum(o.points for o in self.options if o.id in chosen))


@dataclass(frozen=True)
class Scale(QuestionType):
    """Rate from 0 to 5; each step is worth 20 points."""

    name: ClassVar[str] = "scale"
    keys: ClassVar[frozenset[str]] = frozenset({"labels"})
    condition_forms: ClassVar[frozenset[str]] = frozenset({"at_least"})
    labels: tuple[Text, ...]

    @classmethod
    def from_definition(cls, raw: Mapping[str, Any], where: Where) -> Self:
        """Build from the YAML mapping."""
        labels = _read_labels(raw, where, SCALE_LABELS)
        return cls(tuple(labels[step] for step in range(SCALE_MAX + 1)))

    @property
    def choices(self) -> tuple[Option, ...]:
        """Return the implied steps 0..5 as options with ids "0".."5"."""
        return tuple(
            Option(str(step), label, step * 100 / SCALE_MAX)
            for step, label in enumerate(self.labels)
        )

    def normalize(self, raw: object, locale: str | None = None) -> int:
        """Return the step as an int 0..5."""
        self._require(raw)
        value = _single_input(raw)
        if isinstance(value, bool):
            raise AnswerError("not_a_number", value=value)
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise AnswerError("not_a_number", value=value) from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise AnswerError("not_a_number", value=value)
        if not 0 <= value <= SCALE_MAX:
            raise AnswerError("out_of_range", value=value, min=0, max=SCALE_MAX)
        return value

    def points(self, value: object) -> float:
        """Return 20 points per step."""
        return self.normalize(value) * 100 / SCALE_MAX


@dataclass(frozen=True)
class YesNo(QuestionType):
    """Answer yes, partly or no."""

    name: ClassVar[str] = "yesno"
    keys: ClassVar[frozenset[str]] = frozenset({"labels"})
    condition_forms: ClassVar[frozenset[str]] = frozenset({"in"})
    labels: tuple[Text, ...]

    @classmethod
    def from_definition(cls, raw: Mapping[str, Any], where: Where) -> Self:
        """Build from the YAML mapping."""
        labels = _read_labels(raw, where, YESNO_LABELS)
        return cls(tuple(labels[key] for key in YESNO_POINTS))

    @property
    def choices(self) -> tuple[Option, ...]:
        """Return the implied options yes (100), partly (50) and no (0)."""
        return tuple(
            Option(key, label, points)
            for (key, points), label in zip(YESNO_POINTS.items(), self.labels, strict=True)
        )

    def normalize(self, raw: object, locale: str | None = None) -> str:
        """Return "yes", "partly" or "no"."""
        self._require(raw)
        value = _single_input(raw)
        value = value.lower() if isinstance(value, str) else value
        if value not in YESNO_POINTS:
            raise AnswerError("unknown_option", value=value)
        return value

    def points(self, value: object) -> float:
        """Return 100, 50 or 0."""
        if value not in YESNO_POINTS:
            raise AnswerError("unknown_option", value=value)
        return YESNO_POINTS[value]


def _read_number(text: str, locale: str | None) -> float:
    """Read typed text as a number, in ``locale`` or (None) in the stored form."""
    if locale is None:
        if not _DECIMAL.fullmatch(text):
            raise AnswerError("not_a_number", value=text)
        return float(text)
    try:
        return float(parse_number(text, locale))
    except NumberInputError as error:
        if error.reason == "ambiguous":
            raise AnswerError("ambiguous_number", value=text, examples=error.examples) from None
        if error.reason == "too_long":
            raise AnswerError("number_too_long", value=text) from None
        raise AnswerError("not_a_number", value=text, examples=error.examples) from None


@dataclass(frozen=True)
class Step:
    """Points earned from a numeric answer of at least `at_least`."""

    at_least: float
    points: float


@dataclass(frozen=True)
class Number(QuestionType):
    """Enter a number between min and max, scored by steps."""

    name: ClassVar[str] = "number"
    keys: ClassVar[frozenset[str]] = frozenset({"min", "max", "scoring", "integer", "unit"})
    condition_forms: ClassVar[frozenset[str]] = frozenset({"at_least"})
    min: float
    max: float
    scoring: tuple[Step, ...] = ()
    integer: bool = False
    unit: Text | None = None

    @classmethod
    def from_definition(cls, raw: Mapping[str, Any], where: Where) -> Self:
        """Build from the YAML mapping."""
        for key in ("min", "max"):
            if key not in raw:
                where.fail(f"missing '{key}'")
        low = _parse.number(raw["min"], where, "min")
        high = _parse.number(raw["max"], where, "max")
        if low >= high:
            where.fail(f"min ({low}) must be less than max ({high})")
        steps: list[Step] = []
        for index, item in enumerate(raw.get("scoring", [])):
            at = where.at(f"scoring step #{index + 1}")
            item = _parse.mapping(item, at, "a scoring step")
            _parse.check_keys(item, at, ("at_least", "points"))
            step = Step(
                _parse.number(item["at_least"], at, "at_least"), _parse.points(item["points"], at)
            )
            if steps and step.at_least <= steps[-1].at_least:
                at.fail("scoring steps must have increasing 'at_least'")
            steps.append(step)
        if raw.get("weight", 1) != 0 and not steps:
            where.fail("a weighted number question needs 'scoring' steps")
        return cls(
            min=low,
            max=high,
            scoring=tuple(steps),
            integer=_parse.boolean(raw.get("integer", False), where, "integer"),
            unit=_parse.optional_text(raw, "unit", where),
        )

    def normalize(self, raw: object, locale: str | None = None) -> int | float:
        """Return the number, checked against min and max.

        Typed text is read in the page's ``locale`` ("1.000" is a thousand in Vietnamese, one
        in English is refused as ambiguous); stored values (JSON numbers) load as they are.
        """
        self._require(raw)
        value = _single_input(raw)
        if isinstance(value, bool):
            raise AnswerError("not_a_number", value=value)
        if isinstance(value, str):
            value = _read_number(value, locale)
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise AnswerError("not_a_number", value=raw)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if self.integer and not isinstance(value, int):
            raise AnswerError("not_an_integer", value=value)
        if not self.min <= value <= self.max:
            raise AnswerError("out_of_range", value=value, min=self.min, max=self.max)
        return value

    def points(self, value: object) -> float:
        """Return the points of the highest step reached (0 below the first step)."""
        number = self.normalize(value)
        earned: float = 0
        for step in self.scoring:
            if number >= step.at_least:
                earned = step.points
        return earned


QUESTION_TYPES: dict[str, type[QuestionType]] = {
    kind.name: kind for kind in (SingleChoice, MultiChoice, Scale, YesNo, Number)
}
