"""Questionnaires, scoring rules and recommendation rules as one JSON-able dict.

The field app scores on the phone with ``static/field/scorer.js``; it reads exactly this
export, which is generated from the same YAML files the Python scorer reads, so both score
the same answers the same way (tests/unit/test_field_scoring_parity.py holds them to it).
Pure Python: no Flask.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from .model import Band, Condition, Dimension, Level, Option, Question, Questionnaire, Text
from .question_types import MultiChoice, Number, Scale, SingleChoice, YesNo
from .recommend import Rule, RuleSet

#: Bump when the shape of the export changes in a way scorer.js must follow.
FORMAT = 1


def text(value: Text | None) -> dict[str, str] | None:
    """Return a text in both languages, or None."""
    return None if value is None else {"vi": value.vi, "en": value.en}


def _option(option: Option) -> dict[str, Any]:
    out: dict[str, Any] = {"id": option.id, "label": text(option.label), "points": option.points}
    if option.exclusive:
        out["exclusive"] = True
    return out


def _condition(condition: Condition) -> dict[str, Any]:
    if condition.at_least is not None:
        return {"question": condition.question, "at_least": condition.at_least}
    return {"question": condition.question, "in": list(condition.any_of)}


def _question(question: Question) -> dict[str, Any]:
    kind = question.kind
    out: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "text": text(question.text),
        "weight": question.weight,
    }
    if question.help is not None:
        out["help"] = text(question.help)
    if question.show_if is not None:
        out["show_if"] = _condition(question.show_if)
    if isinstance(kind, SingleChoice | MultiChoice | Scale | YesNo):
        out["options"] = [_option(option) for option in question.options]
    elif isinstance(kind, Number):
        out.update(
            min=kind.min,
            max=kind.max,
            integer=kind.integer,
            scoring=[{"at_least": s.at_least, "points": s.points} for s in kind.scoring],
        )
        if kind.unit is not None:
            out["unit"] = text(kind.unit)
    else:  # pragma: no cover - a new question type must be taught to the export and scorer.js
        raise TypeError(f"question type {question.type!r} has no JSON export")
    return out


def _band(band: Band) -> dict[str, Any]:
    return {
        "min_score": band.min_score,
        "explanation": text(band.explanation),
        "next_steps": [text(step) for step in band.next_steps],
    }


def _level(level: Level) -> dict[str, Any]:
    return {"level": level.number, "min_score": level.min_score, "name": text(level.name)}


def _dimension(dimension: Dimension) -> dict[str, Any]:
    return {
        "id": dimension.id,
        "weight": dimension.weight,
        "title": text(dimension.title),
        "description": text(dimension.description),
        "bands": [_band(band) for band in dimension.bands],
        "questions": [_question(question) for question in dimension.questions],
    }


def questionnaire_json(questionnaire: Questionnaire) -> dict[str, Any]:
    """Return one questionnaire with everything needed to show, score and explain it."""
    return {
        "id": questionnaire.id,
        "version": questionnaire.version,
        "audience": questionnaire.audience,
        "title": text(questionnaire.title),
        "intro": text(questionnaire.intro),
        "levels": [_level(level) for level in questionnaire.levels],
        "dimensions": [_dimension(dimension) for dimension in questionnaire.dimensions],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "audience": rule.audience,
        "dimension": rule.dimension,
        "below": rule.below,
        "sectors": list(rule.sectors),
        "courses": list(rule.courses),
        "listing_paths": list(rule.listing_paths),
        "reason": text(rule.reason),
    }


def rules_json(rules: RuleSet) -> dict[str, Any]:
    """Return the recommendation rules and the names their reasons use."""
    return {
        "rules": [_rule(rule) for rule in rules.rules],
        "dimensions": {
            audience: {dim: text(name) for dim, name in names.items()}
            for audience, names in rules.dimensions.items()
        },
        "topics": {topic: text(name) for topic, name in rules.topics.items()},
    }


def export(questionnaires: Iterable[Questionnaire], rules: RuleSet) -> dict[str, Any]:
    """Return every questionnaire and the recommendation rules, with a content version.

    ``version`` is a hash of the rest, so a client (and an HTTP ETag) can tell whether
    anything that affects showing or scoring has changed.
    """
    body = {
        "format": FORMAT,
        "questionnaires": [
            questionnaire_json(q) for q in sorted(questionnaires, key=lambda q: q.key)
        ],
        "recommendations": rules_json(rules),
    }
    return {**body, "version": content_version(body)}


def content_version(body: Any) -> str:
    """Return a short stable hash of a JSON-able value."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]
