"""The digital-business rule: level, completed courses, and a verified channel."""

import pytest

from assessments.digital_status import Definition, Facts, is_digital


def facts(level=3, courses=1, sales=True, payment=False) -> Facts:
    return Facts(
        latest_level=level,
        completed_courses=courses,
        verified_sales_channel=sales,
        verified_digital_payment=payment,
    )


def test_default_definition_is_level_three_one_course_and_a_channel():
    assert Definition() == Definition(min_level=3, min_courses=1)
    assert is_digital(facts())


@pytest.mark.parametrize(
    "kwargs",
    [{"level": 2}, {"level": None}, {"courses": 0}, {"sales": False, "payment": False}],
)
def test_missing_any_condition_is_not_digital(kwargs):
    assert not is_digital(facts(**kwargs))


def test_verified_payment_alone_is_enough_as_the_channel():
    assert is_digital(facts(sales=False, payment=True))


def test_province_thresholds_change_the_outcome():
    strict = Definition(min_level=4, min_courses=2)
    assert not is_digital(facts(level=3, courses=2), strict)
    assert not is_digital(facts(level=4, courses=1), strict)
    assert is_digital(facts(level=5, courses=2), strict)
    lenient = Definition(min_level=1, min_courses=0)
    assert is_digital(facts(level=1, courses=0), lenient)


def test_a_channel_is_needed_even_with_zero_thresholds():
    assert not is_digital(facts(level=5, courses=9, sales=False), Definition(0, 0))


@pytest.mark.parametrize("kwargs", [{"min_level": 6}, {"min_level": -1}, {"min_courses": -1}])
def test_definition_refuses_impossible_thresholds(kwargs):
    with pytest.raises(ValueError):
        Definition(**kwargs)
