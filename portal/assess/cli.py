"""After a bulk load or a restore: ``flask rebuild-assessment-summaries``."""

import click
from flask.cli import with_appcontext

from portal.assess import operations
from portal.extensions import db


@click.command("rebuild-assessment-summaries")
@with_appcontext
def rebuild_assessment_summaries() -> None:
    """Recompute each business's latest assessment and the peer-group score counts.

    Safe while the portal runs: on PostgreSQL the rebuild holds both tables, so a second rebuild
    or a submission waits for it and then builds on what it wrote.
    """
    latest, counts = operations.rebuild_summaries()
    db.session.commit()
    click.echo(f"{latest} latest assessments, {counts} peer score counts")
