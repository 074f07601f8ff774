"""Finding the commune a row names: official name or code, or a name from before July 2025.

Official names and codes come from ``vietnam-provinces`` (portal.geo). The old-to-new mapping
comes from ``vietnam-address-converter`` (its table "admin_mapping_old_to_new", one row per old
ward and each new ward it went into); ``vietnam-provinces`` ships only the current divisions.
Names are compared without diacritics, case or the type word (xã, phường, thị trấn, đặc khu).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from portal import geo

_TYPE_WORDS = re.compile(r"^(xa|phuong|thi tran|dac khu|thi xa)\s+")


def fold(text: str) -> str:
    """Lower case, no diacritics (đ is d), one space between words."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def key(name: str) -> str:
    """A commune name as compared: folded, without its type word."""
    return _TYPE_WORDS.sub("", fold(name))


@dataclass
class Match:
    """The commune a text names: ``code`` when exactly one; else ``suggestions`` (names)."""

    code: int | None = None
    #: The old name the text gave, when it was mapped to the current commune.
    old_name: str | None = None
    suggestions: list[str] = field(default_factory=list)
    #: True when an old name went into several communes (the row must say which).
    split: bool = False


@dataclass(frozen=True)
class ProvinceCommunes:
    """The lookup tables of one province."""

    by_key: dict[str, list[int]]
    names: dict[int, str]
    #: Old commune (folded, no type word) -> (old name as written, codes of the new communes).
    old: dict[str, tuple[str, tuple[int, ...]]]

    def find(self, text: str) -> Match:
        text = text.strip()
        if text.isdigit():
            code = int(text)
            return Match(code=code) if code in self.names else Match()
        wanted = key(text)
        current = self.by_key.get(wanted, [])
        if len(current) == 1:
            return Match(code=current[0])
        if wanted in self.old:
            old_name, codes = self.old[wanted]
            if len(codes) == 1:
                return Match(code=codes[0], old_name=old_name)
            return Match(old_name=old_name, suggestions=[self.names[c] for c in codes], split=True)
        close = difflib.get_close_matches(wanted, list(self.by_key), n=3, cutoff=0.6)
        return Match(suggestions=[self.names[self.by_key[k][0]] for k in close])


@cache
def for_province(province_code: int) -> ProvinceCommunes:
    by_key: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    for ward in geo.communes(province_code):
        code = int(ward.code)
        names[code] = ward.name
        by_key.setdefault(key(ward.name), []).append(code)
    return ProvinceCommunes(by_key, names, _old_names(province_code, by_key))


def _old_names(
    province_code: int, by_key: dict[str, list[int]]
) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Old communes of the province (by their folded name) and the current communes they went
    into. An old name shared by communes of two former districts maps to all their successors."""
    from vietnam_address_converter.data import mapping

    province = geo.get_province(province_code)
    if province is None:
        return {}
    province_key = _province_key(province.name)
    old: dict[str, tuple[str, set[int]]] = {}
    for row in mapping["rows"]:
        new = row["new"]
        if _province_key(new["province_name"]) != province_key:
            continue
        codes = by_key.get(key(new["ward_name"]))
        if not codes or len(codes) != 1:
            continue
        name = row["old"]["ward_name"]
        entry = old.setdefault(key(name), (name, set()))
        entry[1].add(codes[0])
    return {k: (name, tuple(sorted(codes))) for k, (name, codes) in old.items()}


def _province_key(name: str) -> str:
    return re.sub(r"^(tinh|thanh pho)\s+", "", fold(name))
