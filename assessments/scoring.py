"""Score answers to a questionnaire and compare two results."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from .model import Questionnaire, is_answered


@dataclass(frozen=True)
class Result:
    """Scores of one submission: per dimension and overall on 0..100, and the level 0..5."""

    questionnaire_id: str
    version: int
    dimensions: dict[str, float]
    overall: float
    level: int


@dataclass(frozen=True)
class Comparison:
    """Change from a previous result to the current one (positive means better)."""

    dimensions: dict[str, float]
    overall: float
    level: int


def _round1(value: Fraction) -> float:
    """Round half up to one decimal, as people expect (12.25 -> 12.3)."""
    return float(Fraction(math.floor(value * 10 + Fraction(1, 2)), 10))


def score(questionnaire: Questionnaire, answers: Mapping[str, object]) -> Result:
    """Score normalized answers; hidden questions are skipped, unanswered ones earn 0."""
    # Exact fractions: equal answers always give equal scores and more points never
    # round to a lower score, which float sums cannot promise.
    exact: dict[str, Fraction] = {}
    for dimension in questionnaire.dimensions:
        earned = Fraction(0)
        weights = Fraction(0)
        for question in dimension.questions:
            if question.weight == 0 or not questionnaire.is_visible(question, answers):
                continue
            weight = Fraction(question.weight)
            weights += weight
            value = answers.get(question.id)
            if is_answered(value):
                earned += weight * Fraction(question.points(value))
        exact[dimension.id] = earned / weights if weights else Fraction(0)

    total_weight = sum((Fraction(d.weight) for d in questionnaire.dimensions), Fraction(0))
    overall = _round1(
        sum((Fraction(d.weight) * exact[d.id] for d in questionnaire.dimensions), Fraction(0))
        / total_weight
    )
    return Result(
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        dimensions={dimension_id: _round1(value) for dimension_id, value in exact.items()},
        overall=overall,
        level=questionnaire.level_for(overall).number,
    )


def compare(previous: Result, current: Result) -> Comparison:
    """Return the per-dimension, overall and level change between two results."""
    if previous.questionnaire_id != current.questionnaire_id:
        raise ValueError(
            f"cannot compare '{previous.questionnaire_id}' with '{current.questionnaire_id}'"
        )
    # Dimensions added or dropped between versions have nothing to compare with.
    shared = [d for d in current.dimensions if d in previous.dimensions]
    return Comparison(
        dimensions={d: round(current.dimensions[d] - previous.dimensions[d], 1) for d in shared},
        overall=round(current.overall - previous.overall, 1),
        level=current.level - previous.level,
    )
