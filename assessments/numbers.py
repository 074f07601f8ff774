"""Numbers as people type them: parsed by the page's language, refused when ambiguous.

Vietnamese groups thousands with "." and writes decimals with "," ("1.000" is one thousand,
"2,5" two and a half); English does the opposite. A number is read strictly in the page's
locale (Babel), ASCII digits only. Input whose reading depends on which habit the person has,
such as "1,000" on a Vietnamese page (one, with needless zeros, or an English thousand?), is
refused rather than guessed, with the two unambiguous ways to write it.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

_SHAPE = re.compile(r"[+-]?[0-9.,]*[0-9][0-9.,]*")
#: Digits allowed in all (ids and money in VND stay far below this).
MAX_DIGITS = 18


@dataclass
class NumberInputError(ValueError):
    """The text is not a number in this locale; ``examples`` are right ways to write one."""

    text: str
    reason: str  #: "invalid", "ambiguous" or "too_long"
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.text!r} is not a number ({self.reason}); try {', '.join(self.examples)}"


def parse_number(text: str, locale: str) -> Decimal:
    """Return the number ``text`` means in ``locale``; raise NumberInputError otherwise."""
    raw = str(text).strip().replace("\u00a0", "").replace("\u202f", "")
    if raw.startswith("+"):
        raw = raw[1:]
    if not raw or not _SHAPE.fullmatch(raw):
        raise NumberInputError(str(text), "invalid", [example(1000, locale), example(2.5, locale)])
    if sum(ch.isdigit() for ch in raw) > MAX_DIGITS:
        raise NumberInputError(str(text), "too_long", [])
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    if _is_ambiguous(raw, decimal, group):
        whole, _, frac = raw.partition(decimal)
        thousands = Decimal(whole + frac)
        small = Decimal(whole + "." + frac)
        raise NumberInputError(
            str(text), "ambiguous", [example(thousands, locale), example(small, locale)]
        )
    try:
        value = parse_decimal(raw, locale, strict=True)
    except (NumberFormatError, InvalidOperation):
        suggestions = _suggestions(raw, locale)
        raise NumberInputError(str(text), "invalid", suggestions) from None
    if not value.is_finite():
        raise NumberInputError(str(text), "invalid", [example(1000, locale)])
    return value


def example(value: Decimal | float | int, locale: str) -> str:
    """Return ``value`` written the way ``locale`` writes numbers."""
    return format_decimal(value, locale=locale, decimal_quantization=False)


def _is_ambiguous(raw: str, decimal: str, group: str) -> bool:
    """Tell whether a decimal part could be a thousands group written the other way.

    "1,000" on a Vietnamese page: three digits after the decimal sign, no grouping sign, and a
    trailing zero that no one writes in a fraction. Canonical fractions ("1,25", "1,234") pass.
    """
    if group in raw or raw.count(decimal) != 1:
        return False
    whole, _, frac = raw.lstrip("-").partition(decimal)
    return len(frac) == 3 and frac.endswith("0") and 1 <= len(whole) <= 3 and whole != "0"


def _suggestions(raw: str, locale: str) -> list[str]:
    """Return the value the other habit would read, written this locale's way, if any."""
    for other in ("en", "vi"):
        if other == locale:
            continue
        try:
            return [example(parse_decimal(raw, other, strict=True), locale)]
        except (NumberFormatError, InvalidOperation):
            continue
    return [example(1000, locale), example(2.5, locale)]
