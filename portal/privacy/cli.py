"""Retention, for cron: ``flask privacy purge [--dry-run]``."""

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from portal import clock, jobs
from portal.extensions import db
from portal.privacy import operations

privacy_cli = AppGroup("privacy", help="Personal data: retention.")


def _when(instant: datetime | None) -> str:
    return clock.to_local(instant).strftime("%Y-%m-%d %H:%M") if instant else "-"


@privacy_cli.command()
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
def purge(dry_run: bool) -> None:
    """Delete unsubmitted drafts and rejected evidence files older than the retention settings."""
    with jobs.single_run("privacy-purge") as acquired:
        if not acquired:
            return jobs.echo_skipped("privacy purge")
        _purge(dry_run)


def _purge(dry_run: bool) -> None:
    config = current_app.config
    expired = operations.find_expired()
    click.echo(
        f"Drafts never submitted, unchanged for {config['RETENTION_DRAFT_DAYS']} days: "
        f"{len(expired.drafts)}"
    )
    for draft in expired.drafts:
        click.echo(
            f"  assessment {draft.id}  business {draft.business_id}  "
            f"last changed {_when(draft.updated_at)}"
        )
    click.echo(
        f"Files of evidence rejected over {config['RETENTION_REJECTED_EVIDENCE_DAYS']} days "
        f"ago: {len(expired.evidence)}"
    )
    for evidence in expired.evidence:
        click.echo(
            f"  evidence {evidence.id}  business {evidence.business_id}  "
            f"rejected {_when(evidence.verified_at)}  {evidence.file_path}"
        )
    if dry_run:
        click.echo("Dry run: nothing was deleted.")
        return
    done = operations.purge(expired)
    db.session.commit()
    removed = operations.remove_files(done.files)
    click.echo(f"Deleted {len(done.drafts)} drafts and {removed} files.")
