"""Scheduled jobs on several servers: a job another server is running is skipped, not run twice."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal.billing.models import Payment, PaymentStatus
from portal.clock import utcnow
from portal.extensions import db
from portal.jobs import JOB_KEYS
from portal.training.models import EnrolmentState
from tests.conftest import QUANG_NINH
from tests.factories import owner_with_held_seat, payment_of, state_of

pytestmark = pytest.mark.postgres_only

COMMANDS = {
    "release-expired": ["billing", "release-expired"],
    "privacy-purge": ["privacy", "purge"],
    "refresh-digital-status": ["refresh-digital-status", "--province", str(QUANG_NINH)],
}


@pytest.fixture(autouse=True)
def _needs_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("advisory locks are PostgreSQL's; SQLite serves one machine")


@contextmanager
def held_elsewhere(app, job: str) -> Iterator[None]:
    """Hold the job's lock from another connection, as a second server running it would."""
    with app.app_context(), db.engine.connect() as connection:
        key = sa.literal(JOB_KEYS[job], sa.BigInteger)
        connection.scalar(sa.select(sa.func.pg_advisory_lock(key)))
        connection.commit()
        try:
            yield
        finally:
            connection.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
            connection.commit()


@pytest.mark.parametrize("job", sorted(COMMANDS))
def test_job_running_on_another_server_is_skipped(app, runner, job):
    with held_elsewhere(app, job):
        result = runner.invoke(args=COMMANDS[job])
    assert result.exit_code == 0, result.output
    assert "already running elsewhere" in result.output


def test_release_expired_skips_while_held_and_runs_once_released(
    app, runner, make_user, make_business, trainer
):
    _owner, _business, held = owner_with_held_seat(app, make_user, make_business, trainer)
    with app.app_context():
        db.session.get(Payment, held.payment_id).hold_expires_at = utcnow()
        db.session.commit()
    with held_elsewhere(app, "release-expired"):
        skipped = runner.invoke(args=COMMANDS["release-expired"])
    assert skipped.exit_code == 0 and "already running elsewhere" in skipped.output
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.AWAITING
    ran = runner.invoke(args=COMMANDS["release-expired"])
    assert ran.exit_code == 0 and "1 held seats released" in ran.output
    assert payment_of(app, held.enrolment_id).status == PaymentStatus.EXPIRED
    assert state_of(app, held.enrolment_id) == EnrolmentState.CANCELLED
    # The lock was given back: the next run works (and finds nothing left).
    again = runner.invoke(args=COMMANDS["release-expired"])
    assert "0 held seats released" in again.output
