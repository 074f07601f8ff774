"""Recommendation rules: map weak dimensions (by audience and sector) to course topics and
e-commerce listing paths. Pure Python; the rules live in ``recommendations.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from . import _parse
from ._parse import Where
from .errors import DefinitionError
from .model import Text
from .yaml_reader import YAMLError, load_yaml

RULES_FILE = Path(__file__).parent / "recommendations.yaml"
AUDIENCES = ("enterprise", "household")
RULE_AUDIENCES = (*AUDIENCES, "any")

Kind = Literal["course", "listing_path"]


@dataclass(frozen=True)
class Rule:
    """One rule: below ``below`` in ``dimension`` suggests these topics and listing paths."""

    id: str
    audience: str
    dimension: str
    below: float
    sectors: tuple[str, ...]
    courses: tuple[str, ...]
    listing_paths: tuple[str, ...]
    reason: Text

    def applies(self, audience: str, sector: str | None, score: float) -> bool:
        """Tell whether the rule fires for this audience, sector and dimension score."""
        return (
            self.audience in ("any", audience)
            and (not self.sectors or sector in self.sectors)
            and score < self.below
        )


@dataclass(frozen=True)
class RuleSet:
    """Every rule, with the names of dimensions and course topics in both languages."""

    rules: tuple[Rule, ...]
    dimensions: Mapping[str, Mapping[str, Text]]
    topics: Mapping[str, Text]

    def dimension_name(self, dimension: str, lang: str | None, audience: str | None = None) -> str:
        """Return a dimension's name as the audience's questionnaire calls it."""
        for aud in (audience, *AUDIENCES):
            text = self.dimensions.get(aud or "", {}).get(dimension)
            if text is not None:
                return text.get(lang)
        return dimension

    def topic_name(self, topic: str, lang: str | None) -> str:
        text = self.topics.get(topic)
        return text.get(lang) if text else topic

    def all_dimensions(self) -> list[str]:
        """Return every dimension id once, enterprise ones first."""
        seen: dict[str, None] = {}
        for aud in AUDIENCES:
            seen.update(dict.fromkeys(self.dimensions.get(aud, {})))
        return list(seen)


@dataclass(frozen=True)
class Recommendation:
    """A course topic or listing path suggested because ``dimension`` scored ``score``."""

    kind: Kind
    #: A course topic id for kind "course", a listing path id for kind "listing_path".
    target: str
    dimension: str
    score: float
    audience: str
    rule: Rule

    def reason(self, lang: str | None, rules: RuleSet | None = None) -> str:
        """Say why, e.g. 'Your score for “Selling online” is 20/100.'"""
        rules = rules or load_rules()
        return self.rule.reason.get(lang).format(
            dimension=rules.dimension_name(self.dimension, lang, self.audience),
            score=round(self.score),
        )


def recommend(
    audience: str,
    sector: str | None,
    dimension_scores: Mapping[str, float],
    rules: RuleSet | None = None,
) -> list[Recommendation]:
    """Return the recommendations for these scores, weakest dimension first, each target once."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    rules = rules or load_rules()
    found: list[tuple[float, int, Recommendation]] = []
    for order, rule in enumerate(rules.rules):
        score = dimension_scores.get(rule.dimension)
        if score is None or not rule.applies(audience, sector, score):
            continue
        for kind, targets in (("course", rule.courses), ("listing_path", rule.listing_paths)):
            for target in targets:
                rec = Recommendation(kind, target, rule.dimension, score, audience, rule)  # type: ignore[arg-type]
                found.append((score, order, rec))
    found.sort(key=lambda item: (item[0], item[1]))
    seen: set[tuple[str, str]] = set()
    result = []
    for _score, _order, rec in found:
        if (rec.kind, rec.target) not in seen:
            seen.add((rec.kind, rec.target))
            result.append(rec)
    return result


@cache
def load_rules(path: Path = RULES_FILE) -> RuleSet:
    """Load and validate the rules file, raising DefinitionError naming the fault."""
    try:
        raw = load_yaml(path)
    except (OSError, YAMLError) as err:
        raise DefinitionError(Path(path).name, "", f"cannot read rules: {err}") from err
    return parse_rules(raw, Path(path).name)


def parse_rules(raw: Any, source: str) -> RuleSet:
    """Validate already-parsed rules; ``source`` names them in error messages."""
    if not isinstance(raw, Mapping):
        raise DefinitionError(source, "", "the file must be a mapping")
    dimensions = {
        aud: {dim: _parse.text(t, Where(source, f"dimensions: {aud}"), dim) for dim, t in d.items()}
        for aud, d in _mapping(raw.get("dimensions"), source, "dimensions").items()
    }
    topics = {
        topic: _parse.text(t, Where(source, "topics"), topic)
        for topic, t in _mapping(raw.get("topics"), source, "topics").items()
    }
    default_reason = _parse.text(raw.get("reason"), Where(source), "reason")
    rules = []
    ids: set[str] = set()
    for index, item in enumerate(raw.get("rules") or []):
        place = f"rule {item.get('id', index + 1) if isinstance(item, Mapping) else index + 1}"
        rule = _rule(item, source, place, default_reason)
        if rule.id in ids:
            raise DefinitionError(source, place, "duplicate rule id")
        if rule.audience != "any" and rule.dimension not in dimensions.get(rule.audience, {}):
            raise DefinitionError(
                source, place, f"unknown dimension {rule.dimension!r} for {rule.audience}"
            )
        for topic in rule.courses:
            if topic not in topics:
                raise DefinitionError(source, place, f"unknown course topic {topic!r}")
        if not rule.courses and not rule.listing_paths:
            raise DefinitionError(source, place, "names neither courses nor listing_paths")
        ids.add(rule.id)
        rules.append(rule)
    if not rules:
        raise DefinitionError(source, "rules", "there must be at least one rule")
    return RuleSet(tuple(rules), dimensions, topics)


def _rule(item: Any, source: str, place: str, default_reason: Text) -> Rule:
    if not isinstance(item, Mapping):
        raise DefinitionError(source, place, "a rule must be a mapping")
    allowed = {
        "id",
        "audience",
        "dimension",
        "below",
        "sectors",
        "courses",
        "listing_paths",
        "reason",
    }
    for key in item:
        if key not in allowed:
            raise DefinitionError(source, place, f"unknown key {key!r}")
    for key in ("id", "audience", "dimension", "below"):
        if key not in item:
            raise DefinitionError(source, place, f"missing {key!r}")
    if item["audience"] not in RULE_AUDIENCES:
        raise DefinitionError(source, place, f"unknown audience {item['audience']!r}")
    below = item["below"]
    if isinstance(below, bool) or not isinstance(below, int | float) or not 0 < below <= 100:
        raise DefinitionError(source, place, "'below' must be a number from 1 to 100")
    where = Where(source, place)
    reason = _parse.text(item["reason"], where, "reason") if "reason" in item else None
    return Rule(
        id=str(item["id"]),
        audience=item["audience"],
        dimension=str(item["dimension"]),
        below=float(below),
        sectors=_parse.id_list(item.get("sectors"), where, "sectors"),
        courses=_parse.id_list(item.get("courses"), where, "courses"),
        listing_paths=_parse.id_list(item.get("listing_paths"), where, "listing_paths"),
        reason=reason or default_reason,
    )


def _mapping(raw: Any, source: str, place: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping) or not raw:
        raise DefinitionError(source, place, "must be a non-empty mapping")
    return raw
