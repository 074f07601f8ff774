"""The downloadable template: the columns to fill in, and a sheet of the allowed values."""

from __future__ import annotations

import io

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal import geo
from portal.imports.labels import COLUMNS
from portal.labels import KIND_LABELS, SECTOR_LABELS, SIZE_LABELS
from portal.spreadsheets import append_text_safe


def build(province_code: int, lang: str) -> bytes:
    """Return the XLSX template in ``lang`` for the communes of ``province_code``."""
    from flask_babel import gettext as _

    with force_locale(lang):
        workbook = Workbook()
        sheet = workbook.worksheets[0]  # the one a new workbook has
        sheet.title = _("Businesses")[:31]
        append_text_safe(sheet, [str(label) for label in COLUMNS.values()])
        for column, cell in enumerate(sheet[1], start=1):
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(column)].width = 24
        values = workbook.create_sheet(_("Allowed values")[:31])
        append_text_safe(
            values,
            [
                str(COLUMNS["kind"]),
                "",
                str(COLUMNS["sector"]),
                "",
                str(COLUMNS["size"]),
                "",
                str(COLUMNS["commune"]),
                _("Code"),
            ],
        )
        labels = [
            [str(v) for v in KIND_LABELS.values()],
            [str(v) for v in SECTOR_LABELS.values()],
            [str(v) for v in SIZE_LABELS.values()],
        ]
        communes = [(w.name, int(w.code)) for w in geo.communes(province_code)]
        for index in range(max(len(communes), *(len(x) for x in labels))):
            row: list[object] = []
            for names in labels:
                row += [names[index] if index < len(names) else "", ""]
            commune = communes[index] if index < len(communes) else ("", "")
            append_text_safe(values, row + list(commune))
        for cell in values[1]:
            cell.font = Font(bold=True)
        for letter in "ACEG":
            values.column_dimensions[letter].width = 34
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()
