"""The field work sheet of the reports' spreadsheet exports: households assessed by field
helpers per commune, helper and week (Monday to Sunday, by the day of the assessment)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from openpyxl.styles import Font
from openpyxl.workbook import Workbook

from portal import geo
from portal.field import queries
from portal.spreadsheets import append_text_safe


def add_field_sheet(book: Workbook, f: Any) -> None:
    """Add the "Field work" sheet for the report's filters ``f`` (province, period and, when
    chosen, commune): one aggregate query whatever the number of households."""
    rows = queries.weekly_work(f.province_code, f.start, f.end, f.commune_code)
    sheet = book.create_sheet(_("Field work")[:31])
    append_text_safe(
        sheet, [_("Households assessed by field helpers, per commune, helper and week")]
    )
    header = [_("Week from"), _("Commune code"), _("Commune"), _("Helper"), _("Households")]
    append_text_safe(sheet, header)
    for row in rows:
        append_text_safe(
            sheet,
            [row.week, row.commune_code, geo.commune_name(row.commune_code), row.helper_name,
             row.households],
        )  # fmt: skip
    append_text_safe(sheet, [_("Total"), None, None, None, sum(r.households for r in rows)])
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[2], *sheet[sheet.max_row]):
        cell.font = bold
    for cell in sheet["A"][2:]:
        cell.number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["C"].width = 32
    sheet.column_dimensions["D"].width = 32
