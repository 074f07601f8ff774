"""Exporters of the enrolment counts report: a registry of formats (CSV, XLSX, PDF)."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from portal import clock, official
from portal.field.exports import add_field_sheet
from portal.pdf import write_pdf
from portal.reports.labels import (
    ANY_BUSINESSES_LABEL,
    BUSINESS_COUNT_LABELS,
    EVENT_COLUMN_LABELS,
    EVENT_COUNT_LABELS,
)
from portal.reports.queries import COUNTED_STATES, EnrolmentCounts
from portal.spreadsheets import append_text_safe, csv_row
from portal.training.models import EventState


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


def columns() -> list[tuple[str, EventState | None, bool]]:
    """Return the report's columns after the group: (label, state, counts businesses)."""
    result: list[tuple[str, EventState | None, bool]] = []
    for state in COUNTED_STATES:
        result.append((str(EVENT_COUNT_LABELS[state]), state, False))
        result.append((str(BUSINESS_COUNT_LABELS[state]), state, True))
    result.append((str(ANY_BUSINESSES_LABEL), None, True))
    return result


def table(report: EnrolmentCounts, group_label: str) -> list[list]:
    """Return the report as rows of cells: a header, one row per group, then the totals.

    Events of one state add up down a column; businesses never do (one business can be in
    several rows), so the total row's businesses are counted once over the whole report.
    """
    cols = columns()

    def cells(counts: dict, businesses: dict, any_businesses: int) -> list[int]:
        return [
            any_businesses if state is None else (businesses if is_b else counts)[state]
            for _label, state, is_b in cols
        ]

    header = [group_label, *(label for label, _s, _b in cols)]
    rows = [[r.label, *cells(r.counts, r.businesses, r.any_businesses)] for r in report.rows]
    totals = [
        _("Total"),
        *cells(report.totals, report.total_businesses, report.any_businesses),
    ]
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
    sheet = book.worksheets[0]  # the one a new workbook has
    sheet.title = _("Enrolments")[:31]
    append_text_safe(sheet, [context["title"]])
    append_text_safe(sheet, [context["scope"]])
    for row in table(context["report"], context["group_label"]):
        append_text_safe(sheet, row)
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[3], *sheet[sheet.max_row]):
        cell.font = bold
    sheet.column_dimensions["A"].width = 48
    add_field_sheet(book, context["f"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@exporter("pdf", "application/pdf")
def to_pdf(context: dict) -> bytes:
    """Render the working table, or the administrative document when ``official`` is set."""
    if context.get("official"):
        return to_official_pdf(context)
    html = render_template(
        "reports/enrolments_pdf.html",
        rows=table(context["report"], context["group_label"]),
        today=clock.today(),
        **context,
    )
    return write_pdf(html)


def to_official_pdf(context: dict) -> bytes:
    """Render the report in the format of Decree 30/2020/NĐ-CP, in Vietnamese."""
    f = context["f"]
    issuer = official.issuer(f.province_code)
    html = render_template(
        "reports/enrolments_official_pdf.html",
        issuer=issuer,
        national_title=official.NATIONAL_TITLE,
        motto=official.MOTTO,
        date_line=official.place_and_date(issuer.place, clock.today()),
        filters_line=" · ".join(context["filter_parts"]),
        states=COUNTED_STATES,
        state_labels={s: str(EVENT_COLUMN_LABELS[s]) for s in COUNTED_STATES},
        S=EventState,
        **context,
    )
    return write_pdf(html)
