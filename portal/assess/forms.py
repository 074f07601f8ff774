"""Reading a questionnaire page's answers from form input (the questions come from data)."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from assessments import AnswerError, Question
from assessments.numbers import example
from assessments.question_types import Number
from portal.assess.labels import ANSWER_ERRORS, UNKNOWN_ANSWER_ERROR

FIELD_PREFIX = "q_"


def field_name(question: Question) -> str:
    """Return the form field name of a question."""
    return FIELD_PREFIX + question.id


def is_blank(raw: Iterable[str]) -> bool:
    return all(not str(item).strip() for item in raw)


@dataclass
class PageInput:
    """What one page (or one autosaved field) brought: values to keep, answers cleared,
    and the invalid ones with what was typed, to show back."""

    values: dict[str, Any] = field(default_factory=dict)
    cleared: set[str] = field(default_factory=set)
    errors: dict[str, AnswerError] = field(default_factory=dict)
    typed: dict[str, list[str]] = field(default_factory=dict)


def read_answers(questions: Iterable[Question], form: MultiDict, locale: str) -> PageInput:
    """Normalize each question's input, typed on a ``locale`` page; a blank one clears the
    answer (required only on submit)."""
    page = PageInput()
    for question in questions:
        raw = [str(item) for item in form.getlist(field_name(question))]
        if is_blank(raw):
            page.cleared.add(question.id)
            continue
        try:
            page.values[question.id] = question.normalize(raw, locale)
        except AnswerError as error:
            page.errors[question.id] = error
            page.typed[question.id] = raw
    return page


def shown_values(question: Question, value: object, lang: str) -> list[str]:
    """Return an answer value as the strings the form fields hold (numbers as ``lang``
    writes them, so that sending the page back reads the same number)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if question.type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return [example(value, lang)]
    return [str(value)]


def number_hint(question: Question, lang: str) -> str:
    """Say how to write a number on a ``lang`` page ("1.000" or "2,5" in Vietnamese)."""
    if isinstance(question.kind, Number) and question.kind.integer:
        return _("A whole number, written like %(example)s.", example=example(1000, lang))
    return _(
        "A number, written like %(thousand)s or %(decimal)s.",
        thousand=example(1000, lang),
        decimal=example(2.5, lang),
    )


def error_message(error: AnswerError, question: Question, lang: str) -> str:
    """Translate an AnswerError into a sentence for the person answering."""
    params = dict(error.params)
    code = error.code
    examples = list(params.pop("examples", None) or [])
    if code == "not_a_number":
        if len(examples) == 1:
            code = "not_a_number_did_you_mean"
        elif len(examples) < 2:
            examples = [example(1000, lang), example(2.5, lang)]
    message = ANSWER_ERRORS.get(code)
    if message is None:
        return str(UNKNOWN_ANSWER_ERROR)
    if examples:
        params |= {"first": examples[0], "second": examples[-1]}
    if code == "exclusive_conflict":
        labels = {o.id: o.label.get(lang) for o in question.options}
        option = params.get("option")
        params["option"] = labels.get(option, option) if isinstance(option, str) else option
    for key in ("min", "max"):
        if key in params:
            params[key] = format_decimal(params[key])
    return str(message) % params if "%(" in str(message) else str(message)


#: Bounds of one autosave request, far above what one question's answer needs.
AUTOSAVE_MAX_BYTES = 8 * 1024
AUTOSAVE_MAX_ITEMS = 50
AUTOSAVE_MAX_CHARS = 200


class UnreadableAutosave(ValueError):
    """An autosave request whose body is not one question's answer."""


@dataclass
class AutosaveInput:
    """One question's answer as the page's script sends it: its id and the field values."""

    question: str
    values: list[str]


def _is_text(item: object) -> bool:
    return isinstance(item, str) and len(item) <= AUTOSAVE_MAX_CHARS and "\x00" not in item


def read_autosave(body: bytes) -> AutosaveInput:
    """Read ``{"question": id, "value": text | [text, ...] | null}``; raise UnreadableAutosave
    for anything else (other JSON, nesting, numbers, NUL bytes, oversized input)."""
    if len(body) > AUTOSAVE_MAX_BYTES:
        raise UnreadableAutosave("too large")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        # RecursionError: JSON nested deeper than the parser goes.
        raise UnreadableAutosave("not JSON") from None
    if not isinstance(payload, dict) or not _is_text(payload.get("question")):
        raise UnreadableAutosave("not an answer")
    value = payload.get("value")
    values = value if isinstance(value, list) else [] if value is None else [value]
    if len(values) > AUTOSAVE_MAX_ITEMS or not all(_is_text(item) for item in values):
        raise UnreadableAutosave("not an answer")
    return AutosaveInput(question=payload["question"], values=values)
