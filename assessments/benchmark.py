"""Peer benchmarks: exact quartiles of a group's scores, and where one score stands among them.

Quartiles follow the inclusive method (spreadsheets' QUARTILE.INC): quartile ``k`` lies at
position ``(count - 1) * k / 4`` of the sorted values, between the two values around it. The
database only has to return those few ranked values (see ``quartile_ranks``), not the whole group.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

#: The smallest group whose quartiles are shown, so no single business can be recognised.
BENCHMARK_MIN_GROUP = 10


@dataclass(frozen=True)
class Quartiles:
    """Quartiles of a peer group's scores."""

    q1: float
    median: float
    q3: float
    count: int


class Position(enum.StrEnum):
    """Where a score stands in its peer group."""

    TOP = "top"
    ABOVE_MEDIAN = "above_median"
    BELOW_MEDIAN = "below_median"
    BOTTOM = "bottom"


def _exact(value: float) -> Fraction:
    # The decimal a person reads (0.1), not its binary neighbour: 0.1 and 0.2 average to 0.15.
    return Fraction(repr(float(value)))


def _steps(count: int) -> list[tuple[int, Fraction]]:
    """Return, for Q1, the median and Q3, the 0-based rank below it and the share of the gap."""
    steps = []
    for k in (1, 2, 3):
        lower, rest = divmod((count - 1) * k, 4)
        steps.append((lower, Fraction(rest, 4)))
    return steps


def quartile_ranks(count: int) -> set[int]:
    """Return the 0-based ranks (smallest value first) the quartiles of ``count`` values need.

    That is every rank ``r`` with ``|4 r - (count - 1) k| < 4`` for k = 1, 2, 3, the test a
    database can run on a row number without dividing.
    """
    if count < 1:
        return set()
    ranks = set()
    for lower, share in _steps(count):
        ranks.add(lower)
        if share:
            ranks.add(lower + 1)
    return ranks


def quartiles_from_ranks(
    count: int, ranked: Mapping[int, float], min_group: int = BENCHMARK_MIN_GROUP
) -> Quartiles | None:
    """Return the exact quartiles of ``count`` values from the values at ``quartile_ranks``.

    None if the group is too small to stay anonymous. ``ranked`` maps a 0-based rank in the
    ascending order to its value; other ranks may be present and are ignored.
    """
    if count < max(min_group, 1):
        return None
    missing = quartile_ranks(count) - ranked.keys()
    if missing:
        raise ValueError(f"ranks {sorted(missing)} of {count} values are missing")
    q1, median, q3 = (
        float(_exact(ranked[lower]) + share * (_exact(ranked[lower + 1]) - _exact(ranked[lower])))
        if share
        else float(_exact(ranked[lower]))
        for lower, share in _steps(count)
    )
    return Quartiles(q1=q1, median=median, q3=q3, count=count)


def benchmark(values: Sequence[float], min_group: int = BENCHMARK_MIN_GROUP) -> Quartiles | None:
    """Return the exact quartiles of a peer group, or None if it is too small to stay anonymous."""
    ordered = sorted(values)
    return quartiles_from_ranks(len(ordered), dict(enumerate(ordered)), min_group)


def position_of(score: float, quartiles: Quartiles) -> Position:
    """Return where ``score`` stands: above Q3, above the median, from Q1 up to it, below Q1."""
    if score > quartiles.q3:
        return Position.TOP
    if score > quartiles.median:
        return Position.ABOVE_MEDIAN
    if score >= quartiles.q1:
        return Position.BELOW_MEDIAN
    return Position.BOTTOM
