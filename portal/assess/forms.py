"""Reading a questionnaire page's answers from form input (the questions come from data)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from werkzeug.datastructures import MultiDict

from assessments import AnswerError, Question
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


def read_answers(questions: Iterable[Question], form: MultiDict) -> PageInput:
    """Normalize each question's input; a blank one clears the answer (required only on submit)."""
    page = PageInput()
    for question in questions:
        raw = [str(item) for item in form.getlist(field_name(question))]
        if is_blank(raw):
            page.cleared.add(question.id)
            continue
        try:
            page.values[question.id] = question.normalize(raw)
        except AnswerError as error:
            page.errors[question.id] = error
            page.typed[question.id] = raw
    return page


def shown_values(question: Question, value: object) -> list[str]:
    """Return an answer value as the strings the form fields hold."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return [str(value)]


def error_message(error: AnswerError, question: Question, lang: str) -> str:
    """Translate an AnswerError into a sentence for the person answering."""
    message = ANSWER_ERRORS.get(error.code)
    if message is None:
        return str(UNKNOWN_ANSWER_ERROR)
    params = dict(error.params)
    if error.code == "exclusive_conflict":
        labels = {o.id: o.label.get(lang) for o in question.options}
        params["option"] = labels.get(params.get("option"), params.get("option"))
    for key in ("min", "max"):
        if key in params:
            params[key] = format_decimal(params[key])
    return str(message) % params if "%(" in str(message) else str(message)
