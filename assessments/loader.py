"""Load and validate questionnaire definitions from YAML files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from . import _parse
from ._parse import Where
from .errors import DefinitionError
from .model import Band, Condition, Dimension, Level, Question, Questionnaire
from .question_types import QUESTION_TYPES
from .yaml_reader import YAMLError, load_yaml

QUESTIONNAIRE_DIR = Path(__file__).parent / "questionnaires"
AUDIENCES = ("enterprise", "household")
LEVEL_COUNT = 6
_QUESTION_KEYS = ("id", "type", "text")
_QUESTION_OPTIONAL_KEYS = ("help", "weight", "show_if")


def load_questionnaire(path: str | PathLike[str]) -> Questionnaire:
    """Load one questionnaire file, raising DefinitionError on any fault."""
    path = Path(path)
    where = Where(path.name)
    try:
        raw = load_yaml(path)
    except OSError as err:
        where.fail(f"cannot read file: {err.strerror}")
    except YAMLError as err:
        where.fail(f"invalid YAML: {err}")
    return parse_questionnaire(raw, path.name)


def parse_questionnaire(raw: object, source: str) -> Questionnaire:
    """Validate an already-parsed definition; source names it in error messages."""
    where = Where(source)
    raw = _parse.mapping(raw, where, "the file")
    top = where.at("questionnaire")
    _parse.check_keys(
        raw, top, ("id", "version", "audience", "title", "intro", "levels", "dimensions")
    )
    version = _parse.integer(raw["version"], top, "version")
    if version < 1:
        top.fail(f"'version' must be at least 1, got {version}")
    if raw["audience"] not in AUDIENCES:
        top.fail(f"unknown audience {raw['audience']!r} (known: {', '.join(AUDIENCES)})")

    dimensions: list[Dimension] = []
    for index, item in enumerate(_parse.sequence(raw["dimensions"], top, "dimensions")):
        dimension = _dimension(item, where, index)
        if any(d.id == dimension.id for d in dimensions):
            where.at(f"dimension '{dimension.id}'").fail("duplicate dimension id")
        dimensions.append(dimension)
    if all(d.weight == 0 for d in dimensions):
        where.at("dimensions").fail("all dimension weights are zero")
    _check_questions(dimensions, where)

    return Questionnaire(
        id=_parse.ident(raw["id"], top, "id"),
        version=version,
        audience=raw["audience"],
        title=_parse.text(raw["title"], top, "title"),
        intro=_parse.text(raw["intro"], top, "intro"),
        levels=_levels(raw["levels"], where.at("levels")),
        dimensions=tuple(dimensions),
        source=source,
    )


def _levels(raw: object, where: Where) -> tuple[Level, ...]:
    items = _parse.sequence(raw, where, "levels")
    if len(items) != LEVEL_COUNT:
        where.fail(f"expected {LEVEL_COUNT} levels (0..{LEVEL_COUNT - 1}), got {len(items)}")
    levels: list[Level] = []
    for index, item in enumerate(items):
        at = where.at(f"level {index}")
        item = _parse.mapping(item, at, "a level")
        _parse.check_keys(item, at, ("level", "min_score", "name"))
        if _parse.integer(item["level"], at, "level") != index:
            at.fail(f"levels must be numbered 0..{LEVEL_COUNT - 1} in order, got {item['level']}")
        min_score = _parse.number(item["min_score"], at, "min_score")
        _check_threshold(min_score, [level.min_score for level in levels], at)
        levels.append(Level(index, min_score, _parse.text(item["name"], at, "name")))
    return tuple(levels)


def _check_threshold(min_score: float, previous: list[float], where: Where) -> None:
    """Fail unless thresholds start at 0, increase strictly and stay within 100."""
    if not previous and min_score != 0:
        where.fail(f"the first threshold must be min_score 0, got {min_score}")
    if previous and min_score <= previous[-1]:
        where.fail(f"thresholds must increase: min_score {min_score} after {previous[-1]}")
    if min_score > 100:
        where.fail(f"min_score must be at most 100, got {min_score}")


def _dimension(raw: object, file: Where, index: int) -> Dimension:
    raw = _parse.mapping(raw, file.at(f"dimension #{index + 1}"), "a dimension")
    dimension_id = _parse.ident(raw.get("id"), file.at(f"dimension #{index + 1}"), "id")
    where = file.at(f"dimension '{dimension_id}'")
    _parse.check_keys(raw, where, ("id", "title", "description", "bands", "questions"), ("weight",))
    questions = tuple(
        _question(item, file, dimension_id, number)
        for number, item in enumerate(_parse.sequence(raw["questions"], where, "questions"))
    )
    if all(q.weight == 0 for q in questions):
        where.fail("all question weights are zero")
    return Dimension(
        id=dimension_id,
        weight=_parse.weight(raw, where),
        title=_parse.text(raw["title"], where, "title"),
        description=_parse.text(raw["description"], where, "description"),
        bands=_bands(raw["bands"], where),
        questions=questions,
    )


def _bands(raw: object, where: Where) -> tuple[Band, ...]:
    bands: list[Band] = []
    for index, item in enumerate(_parse.sequence(raw, where, "bands")):
        at = where.at(f"band #{index + 1}")
        item = _parse.mapping(item, at, "a band")
        _parse.check_keys(item, at, ("min_score", "explanation", "next_steps"))
        min_score = _parse.number(item["min_score"], at, "min_score")
        _check_threshold(min_score, [band.min_score for band in bands], at)
        steps = _parse.sequence(item["next_steps"], at, "next_steps")
        bands.append(
            Band(
                min_score=min_score,
                explanation=_parse.text(item["explanation"], at, "explanation"),
                next_steps=tuple(
                    _parse.text(step, at, f"next step #{n + 1}") for n, step in enumerate(steps)
                ),
            )
        )
    return tuple(bands)


def _question(raw: object, file: Where, dimension_id: str, index: int) -> Question:
    at = file.at(f"dimension '{dimension_id}': question #{index + 1}")
    raw = _parse.mapping(raw, at, "a question")
    question_id = _parse.ident(raw.get("id"), at, "id")
    where = file.at(f"question '{question_id}'")
    type_name = raw.get("type")
    kind_class = QUESTION_TYPES.get(type_name) if isinstance(type_name, str) else None
    if kind_class is None:
        known = ", ".join(QUESTION_TYPES)
        where.fail(f"unknown question type {type_name!r} (known: {known})")
    _parse.check_keys(
        raw, where, _QUESTION_KEYS, (*_QUESTION_OPTIONAL_KEYS, *sorted(kind_class.keys))
    )
    return Question(
        id=question_id,
        dimension=dimension_id,
        kind=kind_class.from_definition(raw, where),
        text=_parse.text(raw["text"], where, "text"),
        help=_parse.optional_text(raw, "help", where),
        weight=_parse.weight(raw, where),
        show_if=_condition(raw["show_if"], where) if "show_if" in raw else None,
    )


def _condition(raw: object, where: Where) -> Condition:
    at = where.at("show_if")
    raw = _parse.mapping(raw, at, "show_if")
    forms = [form for form in ("in", "at_least") if form in raw]
    if len(forms) != 1:
        at.fail("needs exactly one of 'in' or 'at_least'")
    _parse.check_keys(raw, at, ("question", forms[0]))
    if not isinstance(raw["question"], str):
        at.fail("'question' must be a question id")
    if forms[0] == "at_least":
        return Condition(raw["question"], at_least=_parse.number(raw["at_least"], at, "at_least"))
    ids = _parse.sequence(raw["in"], at, "in")
    return Condition(raw["question"], any_of=tuple(_parse.ident(i, at, "in") for i in ids))


def _check_questions(dimensions: list[Dimension], file: Where) -> None:
    """Check question ids are unique and show_if only looks back at existing answers."""
    order: dict[str, int] = {}
    questions = [q for d in dimensions for q in d.questions]
    for index, question in enumerate(questions):
        if question.id in order:
            file.at(f"question '{question.id}'").fail("duplicate question id")
        order[question.id] = index
    by_id = {q.id: q for q in questions}
    for index, question in enumerate(questions):
        condition = question.show_if
        if condition is None:
            continue
        at = file.at(f"question '{question.id}'").at("show_if")
        target = condition.question
        if target not in order:
            at.fail(f"refers to unknown question '{target}'")
        if target == question.id:
            at.fail("refers to the question itself")
        if order[target] > index:
            at.fail(f"refers to later question '{target}' (only earlier answers can be used)")
        controller = by_id[target]
        form = "at_least" if condition.at_least is not None else "in"
        if form not in controller.kind.condition_forms:
            allowed = " or ".join(sorted(controller.kind.condition_forms)) or "nothing"
            at.fail(
                f"'{form}' cannot refer to {controller.type} question '{target}' (use {allowed})"
            )
        known = {option.id for option in controller.options}
        for option_id in condition.any_of:
            if option_id not in known:
                at.fail(f"refers to unknown option '{option_id}' of question '{target}'")


@dataclass(frozen=True)
class QuestionnaireRegistry:
    """All loaded questionnaires, looked up by (id, version)."""

    questionnaires: tuple[Questionnaire, ...]

    def __iter__(self) -> Iterator[Questionnaire]:
        return iter(self.questionnaires)

    def __len__(self) -> int:
        return len(self.questionnaires)

    def get(self, questionnaire_id: str, version: int) -> Questionnaire:
        """Return one version of a questionnaire or raise KeyError."""
        for questionnaire in self.questionnaires:
            if questionnaire.key == (questionnaire_id, version):
                return questionnaire
        raise KeyError((questionnaire_id, version))

    def latest(self, questionnaire_id: str) -> Questionnaire:
        """Return the highest version of a questionnaire or raise KeyError."""
        versions = [q for q in self.questionnaires if q.id == questionnaire_id]
        if not versions:
            raise KeyError(questionnaire_id)
        return max(versions, key=lambda q: q.version)

    def for_audience(self, audience: str) -> Questionnaire:
        """Return the latest questionnaire for an audience or raise KeyError."""
        matching = [q for q in self.questionnaires if q.audience == audience]
        if not matching:
            raise KeyError(audience)
        return max(matching, key=lambda q: (q.version, q.id))


def load_all(directory: str | PathLike[str] = QUESTIONNAIRE_DIR) -> QuestionnaireRegistry:
    """Load every *.yaml questionnaire in a directory."""
    loaded: dict[tuple[str, int], Questionnaire] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        questionnaire = load_questionnaire(path)
        if questionnaire.key in loaded:
            other = loaded[questionnaire.key].source
            raise DefinitionError(
                path.name,
                "questionnaire",
                f"duplicate id '{questionnaire.id}' version {questionnaire.version}"
                f" (also in {other})",
            )
        loaded[questionnaire.key] = questionnaire
    return QuestionnaireRegistry(tuple(loaded.values()))
