"""One way for an operation to refuse: ``OperationError(code)``, codes as enums, one flash helper.

A feature declares its refusals as a :class:`Code` enum whose members carry their stable id and
their (lazy) translated message side by side::

    class TrainingCode(Code):
        DEADLINE_PASSED = "deadline_passed", _l("Enrolment for this class has closed.")

and its error as a thin subclass naming that enum (``codes = TrainingCode``). Operations raise
``TrainingError("deadline_passed")`` (or the member itself); an unknown id fails at once, so every
refusal has a message. Views call :func:`flash_error`. tests/integration/test_operation_errors.py
walks every ``Code`` enum and checks each message in English and Vietnamese.

This module is core: it imports no feature. A refusal is announced on :data:`operation_refused`
(the audit feature notes it on the request's audit row; connected in ``create_app``).
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from blinker import Namespace
from flask import flash
from flask_babel import lazy_gettext as _l

operation_refused = Namespace().signal(
    "operation-refused",
    doc="""An operation refused a person's action and the view told them so (flash_error).

    Sender: the :class:`OperationError`. Sent by: :func:`flash_error`.
    Listener: ``audit.recording.note_refusal`` (the audit row says ``refused: <code>``).
    """,
)


class Code(enum.StrEnum):
    """A refusal code: compares equal to its stable id string and carries its message."""

    message: Any

    def __new__(cls, ident: str, message: Any) -> Code:
        member = str.__new__(cls, ident)
        member._value_ = ident
        member.message = message
        return member

    # Enum hashes by name; hash as the id string, so that ``{"not_open": ...}[code]`` works.
    __hash__ = str.__hash__


class GenericCode(Code):
    """Refusals any feature may use."""

    NOT_DONE = "not_done", _l("That could not be done.")


class OperationError(Exception):
    """A refused action: ``code`` (a member of ``codes``) picks the message, ``params`` fill it."""

    codes: ClassVar[type[Code]] = GenericCode

    def __init__(self, code: str | Code, **params: Any) -> None:
        member = next((m for m in self.codes if m == code), None)
        if member is None:  # a code without a message
            raise ValueError(f"{code!r} is not a {self.codes.__name__}")
        super().__init__(member.value)
        self.code: Code = member
        self.params = params

    def message_params(self) -> dict[str, Any]:
        """What fills the message's placeholders; a subclass may format its own fields."""
        return self.params

    @property
    def message(self) -> str:
        """What the person reads, in the current language."""
        params = self.message_params()
        text = str(self.code.message)
        return text % params if params else text


def flash_error(error: OperationError) -> None:
    """Tell the person why their action was refused (and let listeners note the attempt)."""
    operation_refused.send(error)
    flash(error.message, "error")
