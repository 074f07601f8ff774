"""Numbers as people type them, read in the page's language (assessments.numbers)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.numbers import NumberInputError, example, parse_number

LOCALES = ("vi", "en")
#: Decimal sign and thousands sign of each page language.
SIGNS = {"vi": (",", "."), "en": (".", ",")}


@st.composite
def decimals(draw) -> Decimal:
    """A number with up to 12 whole and 4 decimal digits, as answers and amounts have."""
    places = draw(st.integers(min_value=0, max_value=4))
    limit = Decimal(10) ** 12
    return draw(
        st.decimals(
            min_value=-limit,
            max_value=limit,
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )


@settings(max_examples=300, deadline=None, database=None)
@given(value=decimals(), locale=st.sampled_from(LOCALES))
def test_a_number_written_the_locale_way_reads_back_as_the_same_value(value, locale):
    assert parse_number(example(value, locale), locale) == value


@settings(max_examples=200, deadline=None, database=None)
@given(
    whole=st.integers(min_value=1, max_value=999),
    tens=st.integers(min_value=0, max_value=99),
    locale=st.sampled_from(LOCALES),
)
def test_a_thousand_or_a_fraction_with_a_trailing_zero_is_refused_with_both_readings(
    whole, tens, locale
):
    decimal_sign, _group = SIGNS[locale]
    text = f"{whole}{decimal_sign}{tens:02d}0"  # "1,000" or "12,340" on a Vietnamese page
    with pytest.raises(NumberInputError) as refused:
        parse_number(text, locale)
    assert refused.value.reason == "ambiguous"
    thousands, fraction = (parse_number(e, locale) for e in refused.value.examples)
    assert thousands == whole * 1000 + tens * 10
    assert fraction == Decimal(whole) + Decimal(tens) / 100


@settings(max_examples=200, deadline=None, database=None)
@given(value=st.integers(min_value=1_000_000, max_value=10**15), locale=st.sampled_from(LOCALES))
def test_millions_grouped_the_other_way_are_refused(value, locale):
    other = "en" if locale == "vi" else "vi"
    with pytest.raises(NumberInputError):
        parse_number(example(value, other), locale)


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("1.000", "vi", Decimal(1000)),
        ("2,5", "vi", Decimal("2.5")),
        ("10.000.000", "vi", Decimal(10_000_000)),
        ("1.000,5", "vi", Decimal("1000.5")),
        (" 12 ", "vi", Decimal(12)),
        ("1,000", "en", Decimal(1000)),
        ("2.5", "en", Decimal("2.5")),
        ("-3", "en", Decimal(-3)),
        ("1,25", "vi", Decimal("1.25")),
        ("50\u00a0000", "vi", Decimal(50000)),
    ],
)
def test_numbers_as_each_language_writes_them(text, locale, value):
    assert parse_number(text, locale) == value


@pytest.mark.parametrize(
    ("text", "locale", "reason", "examples"),
    [
        ("1,000", "vi", "ambiguous", ["1.000", "1"]),
        ("1.000", "en", "ambiguous", ["1,000", "1"]),
        ("2.5", "vi", "invalid", ["2,5"]),
        ("1,5", "en", "invalid", ["1.5"]),
        ("mười hai", "vi", "invalid", ["1.000", "2,5"]),
        ("", "en", "invalid", ["1,000", "2.5"]),
        ("²", "vi", "invalid", ["1.000", "2,5"]),
        ("١٢", "vi", "invalid", ["1.000", "2,5"]),
        ("１２", "en", "invalid", ["1,000", "2.5"]),
        ("1e3", "en", "invalid", ["1,000", "2.5"]),
        ("nan", "en", "invalid", ["1,000", "2.5"]),
        ("12\x00", "vi", "invalid", ["1.000", "2,5"]),
        ("9" * 19, "vi", "too_long", []),
    ],
)
def test_what_cannot_be_read_for_sure_is_refused_with_the_right_form(
    text, locale, reason, examples
):
    with pytest.raises(NumberInputError) as refused:
        parse_number(text, locale)
    assert refused.value.reason == reason
    assert refused.value.examples == examples
