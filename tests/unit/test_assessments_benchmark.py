"""Exact quartiles of peer groups, from all values or from the few ranks a database returns."""

from __future__ import annotations

import statistics
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments import (
    BENCHMARK_MIN_GROUP,
    Position,
    Quartiles,
    benchmark,
    position_of,
    quartile_ranks,
    quartiles_from_ranks,
)

#: Scores as they are stored: 0 to 100 with one decimal.
stored_scores = st.integers(0, 1000).map(lambda tenths: tenths / 10)


def exact_reference(values: list[float]) -> list[float]:
    """Quartiles by the standard library on exact fractions of the decimals read."""
    exact = [Fraction(repr(v)) for v in values]
    return [float(q) for q in statistics.quantiles(exact, n=4, method="inclusive")]


def test_small_groups_stay_hidden() -> None:
    assert BENCHMARK_MIN_GROUP == 10
    assert benchmark([50.0] * 9) is None
    assert benchmark([]) is None
    assert benchmark([50.0] * 10) == Quartiles(50.0, 50.0, 50.0, 10)
    assert benchmark([7.0], min_group=1) == Quartiles(7.0, 7.0, 7.0, 1)
    assert quartiles_from_ranks(9, {r: 1.0 for r in range(9)}) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Eleven values: every quartile falls on a value.
        ([float(v) for v in range(11, 0, -1)], (3.5, 6.0, 8.5)),
        # Ten values: Q1 a quarter of the way from 20 to 30, Q3 three quarters from 60 to 70.
        ([90, 0, 80, 10, 70, 20, 60, 30, 50, 40], (22.5, 45.0, 67.5)),
        # Twelve and thirteen values: the other two remainders of (n - 1) / 4.
        ([float(v) for v in range(12)], (2.75, 5.5, 8.25)),
        ([float(v) for v in range(13)], (3.0, 6.0, 9.0)),
    ],
)
def test_quartiles_interpolate_like_quartile_inc(values, expected) -> None:
    quartiles = benchmark(values)
    assert quartiles is not None
    assert (quartiles.q1, quartiles.median, quartiles.q3) == expected
    assert quartiles.count == len(values)


def test_quartiles_are_exact_on_the_decimals_people_read() -> None:
    # Float arithmetic gives 0.15000000000000002 for the middle of 0.1 and 0.2.
    values = [0.1] * 5 + [0.2] * 5
    quartiles = benchmark(values)
    assert quartiles is not None
    assert quartiles.median == 0.15
    assert (quartiles.q1, quartiles.q3) == (0.1, 0.2)
    thirds = benchmark([33.3, 66.7] * 5 + [0.1, 0.2])
    assert thirds is not None
    assert thirds.median == 33.3 and thirds.q1 == 33.3


@given(st.lists(stored_scores, min_size=BENCHMARK_MIN_GROUP, max_size=80))
def test_quartiles_equal_the_exact_reference(values: list[float]) -> None:
    quartiles = benchmark(values)
    assert quartiles is not None
    assert [quartiles.q1, quartiles.median, quartiles.q3] == exact_reference(values)
    assert min(values) <= quartiles.q1 <= quartiles.median <= quartiles.q3 <= max(values)
    assert quartiles.count == len(values)


@pytest.mark.parametrize(
    ("count", "ranks"),
    [(1, {0}), (2, {0, 1}), (5, {1, 2, 3}), (10, {2, 3, 4, 5, 6, 7}), (13, {3, 6, 9})],
)
def test_quartile_ranks_name_the_values_around_each_quartile(count, ranks) -> None:
    assert quartile_ranks(count) == ranks
    assert quartile_ranks(0) == set()


@given(st.integers(1, 500))
def test_quartile_ranks_match_the_test_the_database_runs(count: int) -> None:
    in_sql = {
        rank for rank in range(count) if any(abs(4 * rank - (count - 1) * k) < 4 for k in (1, 2, 3))
    }
    assert quartile_ranks(count) == in_sql
    assert len(in_sql) <= 6


@given(st.lists(stored_scores, min_size=BENCHMARK_MIN_GROUP, max_size=80))
def test_the_few_ranked_values_give_the_same_quartiles_as_all_values(values: list[float]) -> None:
    ordered = sorted(values)
    few = {rank: ordered[rank] for rank in quartile_ranks(len(values))}
    assert quartiles_from_ranks(len(values), few) == benchmark(values)


def test_missing_ranks_are_an_error_not_a_wrong_answer() -> None:
    with pytest.raises(ValueError, match=r"ranks \[6, 7\] of 10 values are missing"):
        quartiles_from_ranks(10, {2: 1.0, 3: 2.0, 4: 3.0, 5: 4.0})


@pytest.mark.parametrize(
    ("score", "position"),
    [
        (90.0, Position.TOP),
        (70.0, Position.ABOVE_MEDIAN),  # at Q3 is not above it
        (50.1, Position.ABOVE_MEDIAN),
        (50.0, Position.BELOW_MEDIAN),  # at the median
        (30.0, Position.BELOW_MEDIAN),  # at Q1
        (29.9, Position.BOTTOM),
    ],
)
def test_position_of_a_score_in_its_group(score: float, position: Position) -> None:
    assert position_of(score, Quartiles(q1=30.0, median=50.0, q3=70.0, count=10)) == position
