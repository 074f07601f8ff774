"""Reading the audit log, always through the province scoping."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal import clock
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.scoping import scoped_select, visible


@dataclass(frozen=True)
class AuditFilters:
    """The page's filters; None means "any"."""

    start: date | None = None
    end: date | None = None
    user_id: int | None = None
    action: str | None = None


def query_events(filters: AuditFilters, user: User) -> sa.Select:
    """Return the rows ``user`` may see that match ``filters``, newest first."""
    stmt = scoped_select(AuditEvent, user)
    if filters.start is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= clock.day_start(filters.start))
    if filters.end is not None:
        stmt = stmt.where(AuditEvent.occurred_at < clock.day_end(filters.end))
    if filters.user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == filters.user_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    return stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def get_actors(user: User) -> list[tuple[int, str]]:
    """Return (id, latest recorded name) of everyone in the log ``user`` may see, by name."""
    latest = (
        sa.select(AuditEvent.user_id, sa.func.max(AuditEvent.id).label("last_id"))
        .where(visible(AuditEvent, user))
        .group_by(AuditEvent.user_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(AuditEvent.user_id, AuditEvent.user_name).join(
            latest, AuditEvent.id == latest.c.last_id
        )
    ).all()
    return sorted(((r.user_id, r.user_name) for r in rows), key=lambda r: (r[1], r[0]))
