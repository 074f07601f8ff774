"""Checking every row of a list before anything is imported.

``validate(sheet, province_code)`` returns every row with its problems per cell (as codes and
parameters, so the preview shows them in the reader's language), its cleaned values, and the
commune an old name was mapped to. Duplicates are looked for in the file and in the portal in
a fixed number of queries per chunk of rows, never one per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale

from portal.auth.models import User
from portal.businesses.forms import (
    KINDS_WITH_PERSONAL_ID,
    KINDS_WITH_TAX_CODE,
    PERSONAL_ID_RE,
    TAX_CODE_RE,
    normalize_tax_code,
)
from portal.businesses.models import Business, BusinessKind, BusinessSize
from portal.extensions import db
from portal.forms import normalize_phone
from portal.imports import communes
from portal.imports.labels import COLUMNS
from portal.imports.models import ImportedBusiness
from portal.imports.parsing import FileRefused, Sheet
from portal.labels import KIND_LABELS, SECTOR_LABELS, SIZE_LABELS

REQUIRED = ("name", "kind", "sector", "commune")
LENGTHS = {"name": 200, "address": 300, "email": 254}
_PHONE = re.compile(r"0[0-9]{9}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: Rows per duplicate look-up query (within every database's limit of parameters).
CHUNK = 900


@dataclass
class Problem:
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    number: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: (old name as the file wrote it, current official name) when an old name was mapped.
    mapped: tuple[str, str] | None = None

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def known(self) -> bool:
        """Refused only because the portal already has it."""
        return bool(self.problems) and all(p.code == "in_portal" for p in self.problems)


def _labels_in_both_languages(labels: dict) -> dict[str, str]:
    """Folded label (vi and en) or value -> value."""
    found: dict[str, str] = {}
    for value, label in labels.items():
        found[communes.fold(value.value)] = value.value
        found[communes.fold(value.value.replace("_", " "))] = value.value
        for locale in ("vi", "en"):
            with force_locale(locale):
                found[communes.fold(str(label))] = value.value
    return found


def header_keys() -> dict[str, str]:
    """Folded header (key, English or Vietnamese column name) -> column key."""
    found: dict[str, str] = {}
    for column, label in COLUMNS.items():
        found[communes.fold(column)] = column
        for locale in ("vi", "en"):
            with force_locale(locale):
                found[communes.fold(str(label))] = column
    return found


def columns_of(header: list[str]) -> dict[str, int]:
    """Map column keys to their index in the file; refuse a file missing a required column."""
    keys = header_keys()
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        column = keys.get(communes.fold(title))
        if column and column not in found:
            found[column] = index
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        raise FileRefused("no_columns", columns=", ".join(str(COLUMNS[k]) for k in missing))
    return found


def validate(sheet: Sheet, province_code: int) -> list[Row]:
    """Check every row of ``sheet`` for ``province_code``; nothing is written."""
    index = columns_of(sheet.header)
    kinds = _labels_in_both_languages(KIND_LABELS)
    sectors = _labels_in_both_languages(SECTOR_LABELS)
    sizes = _labels_in_both_languages(SIZE_LABELS)
    places = communes.for_province(province_code)
    rows = []
    for number, cells in sheet.rows:
        raw = {k: (cells[i] if i < len(cells) else "") for k, i in index.items()}
        row = Row(number, raw)
        _check_row(row, kinds, sectors, sizes, places)
        rows.append(row)
    _find_duplicates(rows, province_code)
    return rows


def _check_row(row: Row, kinds: dict, sectors: dict, sizes: dict, places: Any) -> None:
    raw, values, add = row.raw, row.values, row.problems.append
    for column in REQUIRED:
        if not raw.get(column):
            add(Problem(column, "required"))
    for column, limit in LENGTHS.items():
        if len(raw.get(column, "")) > limit:
            add(Problem(column, "too_long", {"max": limit}))
    values["name"] = raw.get("name", "")
    values["address"] = raw.get("address", "")
    for column, known, code in (
        ("kind", kinds, "unknown_kind"),
        ("sector", sectors, "unknown_sector"),
        ("size", sizes, "unknown_size"),
    ):
        text = raw.get(column, "")
        if text:
            value = known.get(communes.fold(text))
            if value is None:
                add(Problem(column, code))
            values[column] = value
    kind = values.get("kind")
    if not values.get("size"):
        household = kind in (BusinessKind.HOUSEHOLD.value, BusinessKind.HOUSEHOLD_BUSINESS.value)
        values["size"] = (BusinessSize.FAMILY if household else BusinessSize.MICRO).value
    if raw.get("commune"):
        _check_commune(row, places)
    _check_tax_code(row, kind)
    phone = normalize_phone(raw.get("phone"))
    if phone and not _PHONE.fullmatch(phone):
        add(Problem("phone", "bad_phone"))
    values["phone"] = phone
    email = raw.get("email") or None
    if email and not _EMAIL.fullmatch(email):
        add(Problem("email", "bad_email"))
    values["email"] = email.lower() if email else None
    values["name_key"] = f"{values.get('commune_code')}:{communes.fold(values['name'])}"[:240]


def _check_commune(row: Row, places: Any) -> None:
    text = row.raw["commune"]
    match = places.find(text)
    if match.code is not None:
        row.values["commune_code"] = match.code
        if match.old_name is not None:
            row.mapped = (text, places.names[match.code])
        return
    names = ", ".join(match.suggestions)
    if match.split:
        row.problems.append(Problem("commune", "split_commune", {"old": text, "names": names}))
    elif match.suggestions:
        row.problems.append(Problem("commune", "unknown_commune_suggest", {"names": names}))
    else:
        row.problems.append(Problem("commune", "unknown_commune"))


def _check_tax_code(row: Row, kind: str | None) -> None:
    """The business form's rules (portal.businesses.forms), for one cell."""
    code = normalize_tax_code(row.raw.get("tax_code"))
    row.values["tax_code"] = code
    if code and PERSONAL_ID_RE.match(code) and kind not in KINDS_WITH_PERSONAL_ID:
        row.problems.append(Problem("tax_code", "personal_id_not_household"))
    elif code and not (TAX_CODE_RE.match(code) or PERSONAL_ID_RE.match(code)):
        row.problems.append(Problem("tax_code", "bad_tax_code"))
    elif not code and kind in KINDS_WITH_TAX_CODE:
        row.problems.append(Problem("tax_code", "tax_code_required"))


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _existing(column: Any, values: Iterable[str], *where: Any) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(values):
        found.update(db.session.scalars(sa.select(column).where(column.in_(chunk), *where)))
    return found


def _find_duplicates(rows: list[Row], province_code: int) -> None:
    """Refuse a row whose tax code or phone an earlier row has, or the portal already has."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for column in ("tax_code", "phone"):
            value = row.values.get(column)
            if not value or any(p.column == column for p in row.problems):
                continue
            first = seen.setdefault((column, value), row.number)
            if first != row.number:
                row.problems.append(Problem(column, "duplicate_in_file", {"row": first}))
    candidates = [r for r in rows if "commune_code" in r.values]
    taxes = {r.values["tax_code"] for r in candidates if r.values.get("tax_code")}
    phones = {r.values["phone"] for r in candidates if r.values.get("phone")}
    keyless = {
        r.values["name_key"]
        for r in candidates
        if not r.values.get("tax_code") and not r.values.get("phone")
    }
    known_taxes = _existing(Business.tax_code, taxes)
    known_phones = _existing(User.phone, phones) | _existing(ImportedBusiness.phone, phones)
    known_names = _existing(
        ImportedBusiness.name_key, keyless, ImportedBusiness.province_code == province_code
    )
    for row in candidates:
        values = row.values
        if (
            values.get("tax_code") in known_taxes
            or values.get("phone") in known_phones
            or (not values.get("tax_code") and not values.get("phone")
                and values["name_key"] in known_names)
        ):  # fmt: skip
            row.problems.append(Problem("name", "in_portal"))


def summary(rows: list[Row], limit: int = 1000) -> dict[str, Any]:
    """What the preview shows: counts, the first ``limit`` refused rows, the old names mapped."""
    refused = [r for r in rows if not r.accepted and not r.known]
    mapped: dict[str, str] = {}
    for row in rows:
        if row.mapped and row.accepted:
            mapped.setdefault(row.mapped[0], row.mapped[1])
    return {
        "refused": [
            {
                "row": r.number,
                "name": r.raw.get("name", ""),
                "problems": [
                    {"column": p.column, "value": r.raw.get(p.column, ""), "code": p.code,
                     "params": p.params}
                    for p in r.problems
                ],
            }
            for r in refused[:limit]
        ],
        "mapped": sorted(mapped.items())[:500],
        "mapped_rows": sum(1 for r in rows if r.mapped and r.accepted),
    }
