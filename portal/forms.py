"""Form pieces shared by several features."""

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

PHONE_RE = re.compile(r"^0\d{9}$")


def normalize_phone(raw: str | None) -> str | None:
    """Return a Vietnamese phone number as 10 digits starting with 0, or None if empty."""
    if not raw:
        return None
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def int_or_none(value: Any) -> int | None:
    """Coerce a select's value to int; anything malformed becomes None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


class ChoiceField(SelectField):
    """A select with a placeholder, whose error for a missing or foreign value is our own."""

    def __init__(self, *args: Any, invalid_message: Any = None, **kwargs: Any) -> None:
        if kwargs.get("choices") is not None:
            kwargs["choices"] = select_choices(kwargs["choices"])
        super().__init__(*args, validate_choice=False, **kwargs)
        self.invalid_message = invalid_message or _l("Please choose one of the options.")

    def set_choices(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self.choices = select_choices(pairs)

    def process_formdata(self, valuelist: list[str]) -> None:
        # A malformed value becomes None instead of a WTForms coercion error.
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None

    def pre_validate(self, form: Any) -> None:
        allowed = {self.coerce(c.value) for c in self.choices or [] if c.value not in ("", None)}
        if self.data in (None, "") or self.data not in allowed:
            raise ValidationError(self.invalid_message)


def validate_phone(form: Any, field: Field) -> None:
    field.data = normalize_phone(field.data)
    if field.data and not PHONE_RE.match(field.data):
        raise ValidationError(
            _l("Enter a Vietnamese phone number of 10 digits, such as 0912345678.")
        )
