"""Form pieces shared by several features: the portal's base form (WTForms' own messages in
the person's language), numbers and days as people type them, choices and phone numbers."""

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from babel.numbers import format_decimal
from flask import request
from flask_babel import get_translations, lazy_ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, Field, SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import TextInput

from assessments.numbers import NumberInputError, example, parse_number
from portal.i18n import current_language
from portal.inputs import FIRST_DAY, LAST_DAY, parse_int

PHONE_RE = re.compile(r"^0\d{9}$")
#: What people write after an amount of dong, or a percentage, that the number does not need.
MONEY_UNITS = r"[₫đ]|vnd"
PERCENT = r"%"

#: WTForms' own messages that the portal's fields and validators can show, marked here so that
#: extraction keeps them in the portal's catalog: WTForms ships no Vietnamese, so PortalForm
#: looks them up there. A form field whose message is missing here shows English, and
#: tests/integration/test_form_messages.py fails.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    ),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    ),
    lazy_ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    ),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
)


class _PortalCatalog:
    """WTForms' translations interface, answered from the portal's catalog for the page's
    language (no formatting: WTForms fills in the placeholders itself)."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class PortalForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no types: FlaskForm is Any
    """The base of every form of the portal: WTForms' own messages come translated, and only
    a form body fills it."""

    class Meta:
        def get_translations(self, form: Any) -> _PortalCatalog:
            return _PortalCatalog()

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            # Flask-WTF would read a JSON body as the form, and fail on one that is not an
            # object of strings; the portal's forms are HTML forms, so JSON counts as empty.
            automatic = formdata is not None and not hasattr(formdata, "getlist")
            if automatic and request.is_json and request.method != "GET":
                formdata = request.form
            # WTForms builds the form's Meta class on every parent form's Meta: the super is there.
            return super().wrap_formdata(form, formdata)  # type: ignore[misc]


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _HasData(Protocol[T_co]):
    @property
    def data(self) -> T_co | None: ...


def filled(field: _HasData[T]) -> T:
    """Return the data of a field that its validators require (DataRequired, InputRequired),
    in a form that validated: never None there."""
    if field.data is None:
        raise ValueError("a required field read before its form validated")
    return field.data


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
    """Coerce a select's value to int; anything malformed or out of range becomes None."""
    return parse_int(value)


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


class ChoiceField(SelectField):
    """A select with a placeholder, whose error for a missing or foreign value is our own."""

    #: Always SelectChoice objects here (types-WTForms 3.2 knows only tuples).
    choices: list[SelectChoice] | None

    def __init__(self, *args: Any, invalid_message: Any = None, **kwargs: Any) -> None:
        if kwargs.get("choices") is not None:
            kwargs["choices"] = select_choices(kwargs["choices"])
        kwargs["validate_choice"] = False
        super().__init__(*args, **kwargs)
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


class _ParsedField(Field):
    """A field whose unreadable input has its message already: no second one from a
    validator (range, required...)."""

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()


class LocaleIntegerField(_ParsedField):
    """A whole number typed the way the page's language writes it ("50.000.000" in Vietnamese,
    "50,000,000" in English), shown back the same way.

    ``units`` (a regular expression) are words or signs people add and the number does not
    need, such as "₫" or "%". Input that is not a number, or could be read two ways, gets a
    message showing how to write it in this language (``invalid_message`` replaces it for
    input that is not a number at all). ``grouping=False`` shows a year as 2030, not 2.030.
    """

    widget = TextInput()

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        units: str | None = None,
        invalid_message: Any = None,
        grouping: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.units = re.compile(units, re.IGNORECASE) if units else None
        self.invalid_message = invalid_message
        self.grouping = grouping

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, locale=current_language(), group_separator=self.grouping)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0] or ""
        if self.units:
            text = self.units.sub("", text)
        if not text.strip():
            self.data = None
            return
        self.data = None
        locale = current_language()
        try:
            value = parse_number(text, locale)
        except NumberInputError as error:
            raise ValueError(self._message(error, locale)) from None
        if value != value.to_integral_value():
            raise ValueError(
                _("Enter a whole number, such as %(example)s.", example=_number(value, locale))
            )
        self.data = int(value)

    def _message(self, error: NumberInputError, locale: str) -> str:
        if error.reason == "ambiguous":
            first, second = error.examples
            return _(
                "“%(value)s” can be read two ways: please write %(first)s or %(second)s.",
                value=error.text.strip(),
                first=first,
                second=second,
            )
        if error.reason == "too_long":
            return _("This number has too many digits.")
        if self.invalid_message:
            return str(self.invalid_message)
        return _("Enter a whole number, such as %(example)s.", example=_whole(error, locale))


def _number(value: Decimal, locale: str) -> str:
    """Return ``value`` rounded to a whole number, written the way ``locale`` writes numbers."""
    return example(value.to_integral_value(), locale)


def _whole(error: NumberInputError, locale: str) -> str:
    """Return the error's first whole-number example (what the person probably meant)."""
    for text in error.examples:
        value = parse_number(text, locale)
        if value == value.to_integral_value():
            return text
    return example(1000, locale)


def _check_day(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(
            _(
                "Enter a day from the year %(first)s to the year %(last)s.",
                first=FIRST_DAY.year,
                last=LAST_DAY.year,
            )
        )


class _BoundedDay(_ParsedField):
    """A day (or day and time) within FIRST_DAY and LAST_DAY; empty input is left to the
    field's own "required" validator, if any."""

    def unreadable_message(self) -> str:
        raise NotImplementedError

    def process_formdata(self, valuelist: list[str]) -> None:
        if not any(v.strip() for v in valuelist):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.unreadable_message()) from None
        if self.data is not None:
            value, self.data = self.data, None
            _check_day(value.date() if isinstance(value, datetime) else value)
            self.data = value


class DayField(_BoundedDay, DateField):
    """A day (YYYY-MM-DD, as a date input sends it) within FIRST_DAY and LAST_DAY."""

    def unreadable_message(self) -> str:
        return _("Enter a day such as 2026-01-31.")


class DayTimeField(_BoundedDay, DateTimeLocalField):
    """A day and time (as a datetime-local input sends it) within FIRST_DAY and LAST_DAY."""

    def unreadable_message(self) -> str:
        return _("Enter a day and time such as 2026-01-31 08:30.")
