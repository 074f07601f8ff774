"""Scheduled jobs that every app server's cron may start: one run of a job at a time.

A job takes a PostgreSQL advisory lock with its own fixed key for as long as it runs; a second
server starting the same job meanwhile finds it taken and skips. The lock is a session lock on a
connection of its own, so it lasts across the job's commits and goes if the process dies. SQLite
serves a single machine, so it needs no lock.
"""

import contextlib
import logging
from collections.abc import Iterator

import click
import sqlalchemy as sa

from portal.extensions import db

log = logging.getLogger(__name__)

#: Advisory lock keys ("port" in the high bits keeps them apart from other applications').
JOB_KEYS = {
    "release-expired": 0x706F7274_00000001,
    "privacy-purge": 0x706F7274_00000002,
    "refresh-digital-status": 0x706F7274_00000003,
    "rebuild-report-aggregates": 0x706F7274_00000004,
}


@contextlib.contextmanager
def single_run(job: str) -> Iterator[bool]:
    """Run the block holding ``job``'s lock; yield False if another process holds it."""
    key = sa.literal(JOB_KEYS[job], sa.BigInteger)
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        acquired = bool(connection.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
        connection.commit()  # the lock outlives the transaction; no transaction stays open
        if not acquired:
            log.info("job %s is already running elsewhere: skipped", job)
        try:
            yield acquired
        finally:
            if acquired:
                connection.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
                connection.commit()


def echo_skipped(job: str) -> None:
    """Tell the operator (cron's mail) that the job was left to the server already running it."""
    click.echo(f"{job} is already running elsewhere: skipped")
