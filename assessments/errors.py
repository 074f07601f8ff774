"""Errors raised by the assessments package."""

from __future__ import annotations

from typing import Any


class DefinitionError(ValueError):
    """A questionnaire definition file is invalid."""

    def __init__(self, file: str, place: str, fault: str) -> None:
        self.file = file
        self.place = place
        self.fault = fault
        where = f"{file}: {place}" if place else file
        super().__init__(f"{where}: {fault}")


class AnswerError(ValueError):
    """An answer cannot be turned into a valid value.

    `code` is stable (e.g. ``out_of_range``) and `params` holds the values a translated
    message needs (e.g. ``min`` and ``max``), so the web layer never parses the message.
    """

    def __init__(self, code: str, question: str | None = None, **params: Any) -> None:
        self.code = code
        self.question = question
        self.params = params
        details = ", ".join(f"{key}={value!r}" for key, value in sorted(params.items()))
        target = f"question {question!r}: " if question else ""
        super().__init__(f"{target}{code}" + (f" ({details})" if details else ""))
