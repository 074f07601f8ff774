"""For cron and after a bulk import or a restore: ``flask refresh-digital-status``."""

import click
from flask.cli import with_appcontext

from portal import geo, jobs
from portal.extensions import db
from portal.reports import operations


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
