"""Command-line checks of training data: ``flask training audit-certificates``."""

from collections.abc import Sequence
from datetime import datetime

import click
from flask.cli import AppGroup

from portal import clock, geo
from portal.training import queries

training_cli = AppGroup("training", help="Check the training records.")

#: Longer cells are cut so that a row fits a terminal.
MAX_CELL = 40


def _when(instant: datetime | None) -> str:
    """Return a stored instant as local date and time, the one form read the same everywhere."""
    return clock.to_local(instant).strftime("%Y-%m-%d %H:%M") if instant else "-"


def _cell(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return rows as a plain-text table with a header line, columns padded to their widest."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join(
        [line(headers), line(["-" * w for w in widths]), *(line(row) for row in cells)]
    )


@training_cli.command("audit-certificates")
def audit_certificates() -> None:
    """List certificates issued before their class's last session started.

    Completion is allowed from the start of the class's last session; a certificate issued
    earlier records something that had not happened yet. Withdraw or confirm each one listed.
    """
    rows = queries.query_premature_certificates()
    if not rows:
        click.echo("No certificate was issued before its class's last session started.")
        return
    headers = (
        "Province",
        "Course",
        "Class",
        "Business",
        "Certificate",
        "Issued",
        "Last session starts",
        "Status",
    )
    table = [
        (
            geo.province_name(cohort.province_code),
            course.title_vi,
            f"#{cohort.id}",
            certificate.business_name,
            certificate.code,
            _when(certificate.issued_at),
            _when(last_start) if last_start else "no session",
            "valid" if certificate.is_valid else "withdrawn",
        )
        for certificate, cohort, course, last_start in rows
    ]
    click.echo(format_table(headers, table))
    click.echo(
        f"\n{len(rows)} certificate(s) issued before their class's last session started "
        f"(times in {clock.zone().key})."
    )
