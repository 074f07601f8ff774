"""Exporters of the enrolment counts report: a registry of formats (CSV, XLSX, PDF)."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from weasyprint import HTML

from portal import clock
from portal.reports.labels import EVENT_COLUMN_LABELS
from portal.reports.queries import COUNTED_STATES, EnrolmentCounts
from portal.spreadsheets import append_text_safe, csv_row


@dataclass(frozen=True)
class Exporter:
    mimetype: str
    render: Callable[[dict], bytes]


EXPORTERS: dict[str, Exporter] = {}


def exporter(name: str, mimetype: str) -> Callable:
    def register(render: Callable[[dict], bytes]) -> Callable[[dict], bytes]:
        EXPORTERS[name] = Exporter(mimetype, render)
        return render

    return register


def table(report: EnrolmentCounts, group_label: str) -> list[list]:
    """Return the report as rows of cells: a header, one row per group, then the totals."""
    header = [group_label, *(str(EVENT_COLUMN_LABELS[s]) for s in COUNTED_STATES), _("Total")]
    rows = [[r.label, *(r.counts[s] for s in COUNTED_STATES), r.total] for r in report.rows]
    totals = [_("Total"), *(report.totals[s] for s in COUNTED_STATES), report.total]
    return [header, *rows, totals]


@exporter("csv", "text/csv")
def to_csv(context: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row([context["title"]]))
    writer.writerow(csv_row([context["scope"]]))
    writer.writerows(csv_row(row) for row in table(context["report"], context["group_label"]))
    # A byte-order mark so that spreadsheet programs read the Vietnamese letters as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@exporter("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def to_xlsx(context: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Enrolments")[:31]
    append_text_safe(sheet, [context["title"]])
    append_text_safe(sheet, [context["scope"]])
    for row in table(context["report"], context["group_label"]):
        append_text_safe(sheet, row)
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[3], *sheet[sheet.max_row]):
        cell.font = bold
    sheet.column_dimensions["A"].width = 48
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@exporter("pdf", "application/pdf")
def to_pdf(context: dict) -> bytes:
    html = render_template(
        "reports/enrolments_pdf.html",
        rows=table(context["report"], context["group_label"]),
        today=clock.today(),
        **context,
    )
    return HTML(string=html, base_url=current_app.root_path).write_pdf()
