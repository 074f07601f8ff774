"""For cron: ``flask billing release-expired`` (every few minutes)."""

import click
from flask.cli import AppGroup

from portal import jobs
from portal.billing import operations
from portal.extensions import db

billing_cli = AppGroup("billing", help="Payments: held seats and owed refunds.")


@billing_cli.command("release-expired")
def release_expired() -> None:
    """Release the seats whose payment time ran out and send refunds still owed (every few
    minutes)."""
    with jobs.single_run("release-expired") as acquired:
        if not acquired:
            return jobs.echo_skipped("release-expired")
        released = operations.release_expired()
        db.session.commit()
        refunds = operations.send_owed_refunds()
    click.echo(f"{released} held seats released")
    click.echo(f"{refunds} owed refunds sent")
