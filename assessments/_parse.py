"""Helpers that read raw YAML values and report faults with their location."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from .errors import DefinitionError
from .model import LANGUAGES, Text

_IDENT = re.compile(r"^[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class Where:
    """Location inside a definition file, used to name faults precisely."""

    file: str
    place: str = ""

    def at(self, place: str) -> Where:
        """Return the location of a part nested inside this one."""
        return Where(self.file, f"{self.place}: {place}" if self.place else place)

    def fail(self, fault: str) -> NoReturn:
        """Raise a DefinitionError for this location."""
        raise DefinitionError(self.file, self.place, fault)


def mapping(raw: object, where: Where, what: str) -> Mapping[str, Any]:
    """Return raw as a mapping or fail."""
    if not isinstance(raw, Mapping):
        where.fail(f"{what} must be a mapping")
    return raw


def sequence(raw: object, where: Where, what: str) -> list[Any]:
    """Return raw as a non-empty list or fail."""
    if not isinstance(raw, list) or not raw:
        where.fail(f"'{what}' must be a non-empty list")
    return raw


def check_keys(
    raw: Mapping[str, Any], where: Where, required: Iterable[str], optional: Iterable[str] = ()
) -> None:
    """Fail on missing required keys and on unknown keys (typos would be silently ignored)."""
    required = tuple(required)
    for key in required:
        if key not in raw:
            where.fail(f"missing '{key}'")
    allowed = set(required) | set(optional)
    for key in raw:
        if key not in allowed:
            where.fail(f"unknown key '{key}'")


def text(raw: object, where: Where, field: str) -> Text:
    """Read a translated text {vi: ..., en: ...}."""
    if not isinstance(raw, Mapping):
        where.fail(f"{field} must be a mapping of translations {{vi: ..., en: ...}}")
    for lang in raw:
        if lang not in LANGUAGES:
            where.fail(f"unknown language '{lang}' in {field}")
    values = {}
    for lang in LANGUAGES:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            where.fail(f"missing '{lang}' translation of {field}")
        values[lang] = value.strip()
    return Text(**values)


def id_list(raw: object, where: Where, field: str) -> tuple[str, ...]:
    """Read an optional list of ids (absent: empty)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        where.fail(f"'{field}' must be a list of ids")
    return tuple(raw)


def optional_text(raw: Mapping[str, Any], key: str, where: Where) -> Text | None:
    """Read an optional translated text."""
    return text(raw[key], where, key) if key in raw else None


def number(raw: object, where: Where, field: str) -> float:
    """Read a finite number; YAML booleans are not numbers here."""
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        where.fail(f"'{field}' must be a number")
    return raw


def integer(raw: object, where: Where, field: str) -> int:
    """Read an integer."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        where.fail(f"'{field}' must be an integer")
    return raw


def points(raw: object, where: Where, field: str = "points") -> float:
    """Read a points value in 0..100."""
    value = number(raw, where, field)
    if not 0 <= value <= 100:
        where.fail(f"'{field}' must be between 0 and 100, got {value}")
    return value


def weight(raw: Mapping[str, Any], where: Where, default: float = 1) -> float:
    """Read a non-negative weight."""
    value = number(raw.get("weight", default), where, "weight")
    if value < 0:
        where.fail(f"weight must not be negative, got {value}")
    return value


def ident(raw: object, where: Where, field: str) -> str:
    """Read an identifier (lowercase letters, digits and underscores)."""
    if not isinstance(raw, str) or not _IDENT.match(raw):
        where.fail(f"'{field}' must be a lowercase identifier, got {raw!r}")
    return raw


def boolean(raw: object, where: Where, field: str) -> bool:
    """Read a boolean flag."""
    if not isinstance(raw, bool):
        where.fail(f"'{field}' must be true or false")
    return raw
