"""The completion rule: attended share of sessions, and the short check when a course has one."""

import pytest

from portal.training.rules import CompletionRule, attendance_pct


@pytest.mark.parametrize(
    "total,attended,expected",
    [(5, 4, True), (5, 3, False), (5, 5, True), (10, 8, True), (10, 7, False), (3, 3, True)],
)
def test_attendance_at_or_above_the_threshold_completes(total, attended, expected):
    assert CompletionRule(min_attendance_pct=80).is_met(total, attended, None) is expected


def test_two_of_three_meets_a_two_thirds_rule_without_rounding_trouble():
    assert CompletionRule(min_attendance_pct=66).is_met(3, 2, None)
    assert not CompletionRule(min_attendance_pct=67).is_met(3, 2, None)


def test_no_sessions_means_nothing_can_be_completed():
    assert not CompletionRule(min_attendance_pct=1).is_met(0, 0, True)


def test_a_course_with_a_check_needs_it_passed():
    rule = CompletionRule(min_attendance_pct=50, requires_check=True)
    assert rule.is_met(4, 4, True)
    assert not rule.is_met(4, 4, False)
    assert not rule.is_met(4, 4, None)  # not recorded yet
    assert not rule.is_met(4, 1, True)


def test_a_course_without_a_check_ignores_its_result():
    assert CompletionRule(min_attendance_pct=50).is_met(2, 1, False)


def test_attendance_percentage_rounds_down():
    assert attendance_pct(3, 2) == 66
    assert attendance_pct(0, 0) == 0
    assert attendance_pct(4, 4) == 100
