"""For cron and after a bulk import or a restore: ``flask refresh-digital-status``; after a
restore or bulk data written around the portal: ``flask rebuild-report-aggregates``."""

import click
from flask.cli import with_appcontext

from portal import geo, jobs
from portal.extensions import db
from portal.reports import aggregates, operations


@click.command("refresh-digital-status")
@click.option("--province", type=int, default=None, help="Only this province's businesses.")
@with_appcontext
def refresh_digital_status(province: int | None) -> None:
    """Re-evaluate every business's digital status (after a bulk import or a restore)."""
    codes = [province] if province else [int(p.code) for p in geo.provinces()]
    with jobs.single_run("refresh-digital-status") as acquired:
        if not acquired:
            return jobs.echo_skipped("refresh-digital-status")
        changed = sum(operations.refresh_province(code) for code in codes)
        db.session.commit()
    click.echo(f"{changed} digital statuses changed")


@click.command("rebuild-report-aggregates")
@with_appcontext
def rebuild_report_aggregates() -> None:
    """Recompute the report aggregates from every row (after a restore, a migration, bulk data)."""
    with jobs.single_run("rebuild-report-aggregates") as acquired:
        if not acquired:
            return jobs.echo_skipped("rebuild-report-aggregates")
        rows = aggregates.rebuild()
        db.session.commit()
    click.echo(", ".join(f"{table}: {n:,} rows" for table, n in rows.items()))
