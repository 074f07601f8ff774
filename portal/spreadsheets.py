"""Cells that stay text: a name or title a person typed never becomes a live formula.

A spreadsheet program runs a CSV cell starting with = + - @ (or a tab or carriage return
before one) as a formula: a course called "=HYPERLINK(...)" would run on the computer of the
staff member who opens the export. CSV cells get a leading apostrophe (OWASP's advice: shown,
never run); XLSX cells are written as plain strings, so the text stays exactly as typed.
"""

from collections.abc import Iterable
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value: Any) -> Any:
    """Return ``value`` made safe for a CSV cell (numbers pass unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def append_text_safe(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row whose strings are stored as strings, never as formulas."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"
