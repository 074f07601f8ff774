"""Reading an uploaded list (XLSX or CSV) into rows of text, within bounds.

Nothing here trusts the file: the kind is told from the first bytes, not from the name; an XLSX
(a zip) is refused before opening when its parts would unpack to too much (a zip bomb); formula
cells are refused rather than read through cached values; the number of rows is checked while
reading, so a file of a million rows is refused after the first ``MAX_ROWS`` + 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from portal.failures import OperationError
from portal.imports.labels import FileRefusal

#: Rows of data (besides the header) one file may hold.
MAX_ROWS = 60_000
#: What an XLSX may unpack to, in all, and how much more than its packed size one part may be.
MAX_UNPACKED_BYTES = 300 * 2**20
MAX_RATIO = 200
#: Cells a row may have; text in a cell is cut at this length (names and addresses are short).
MAX_COLUMNS = 30
MAX_CELL = 500

XLSX, CSV = "xlsx", "csv"


class FileRefused(OperationError):
    """A file the portal will not read; ``code`` is one of labels.FileRefusal."""

    codes = FileRefusal


@dataclass
class Sheet:
    """The file's first sheet as text: the header row and the data rows (numbered as in the
    spreadsheet program, the header being row 1)."""

    kind: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def sniff(data: bytes) -> str:
    """Tell an XLSX from a CSV by content; refuse anything else."""
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FileRefused("empty")
    if data.startswith(b"PK\x03\x04"):
        return XLSX
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused("old_excel")
    head = data[:65536]
    if b"\x00" in head:
        raise FileRefused("not_spreadsheet")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is not a reason to refuse.
        if error.start < len(head) - 4:
            raise FileRefused("not_utf8") from None
    return CSV


def read(data: bytes) -> Sheet:
    """Read the first sheet of an XLSX or CSV file, or raise FileRefused."""
    kind = sniff(data)
    sheet = _read_xlsx(data) if kind == XLSX else _read_csv(data)
    if not any(sheet.header) or not sheet.rows:
        raise FileRefused("empty")
    return sheet


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed in a cell: 912345678.0 is 912345678
    return " ".join(str(value).split())[:MAX_CELL]


def _blank(cells: list[str]) -> bool:
    return not any(cells)


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused("not_spreadsheet") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise FileRefused("not_spreadsheet")
    total = 0
    for info in infos:
        total += info.file_size
        packed = max(info.compress_size, 1)
        inflated = info.file_size > 2**20 and info.file_size / packed > MAX_RATIO
        if total > MAX_UNPACKED_BYTES or inflated:
            raise FileRefused("zip_bomb")


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        # read_only streams the sheet; data_only=False keeps formulas as formulas, to refuse them.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file  # noqa: BLE001
        raise FileRefused("not_spreadsheet") from None
    try:
        if not workbook.worksheets:
            raise FileRefused("empty")
        return _sheet(XLSX, _xlsx_rows(workbook.worksheets[0]))
    finally:
        workbook.close()


def _xlsx_rows(worksheet: Any) -> Iterator[tuple[int, list[str]]]:
    from openpyxl.utils import get_column_letter

    for number, row in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS), start=1):
        cells = []
        for index, cell in enumerate(row, start=1):
            if getattr(cell, "data_type", None) == "f":
                raise FileRefused("formula", cell=f"{get_column_letter(index)}{number}")
            cells.append(_text(getattr(cell, "value", None)))
        yield number, cells


def _read_csv(data: bytes) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("not_utf8") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = ((n, [_text(c) for c in raw[:MAX_COLUMNS]]) for n, raw in enumerate(reader, start=1))
    try:
        return _sheet(CSV, rows)
    except csv.Error:
        raise FileRefused("not_spreadsheet") from None


def _sheet(kind: str, rows: Iterable[tuple[int, list[str]]]) -> Sheet:
    """The first non-blank row is the header; blank rows are skipped; at most MAX_ROWS rows."""
    header: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        if _blank(cells):
            continue
        if header is None:
            header = cells
        elif len(body) >= MAX_ROWS:
            raise FileRefused("too_many_rows", max=MAX_ROWS)
        else:
            body.append((number, cells))
    return Sheet(kind, header or [], body)
