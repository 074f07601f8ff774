"""The only write of the audit log: adding a row. Nothing in the portal updates or deletes one,
and the database refuses to (PostgreSQL: UPDATE and DELETE; SQLite: UPDATE; migration k1_audit)."""

from dataclasses import dataclass, field

from flask import request
from flask_login import current_user
from sqlalchemy.orm import Session

from portal import clock
from portal.audit.models import AuditEvent


@dataclass
class PendingEvent:
    """What an audited request will record, filled in before its view runs."""

    action: str
    table_name: str
    record_id: int | None
    province_code: int | None
    detail: str = ""
    #: The row added to the view's transaction, until that transaction commits.
    row: AuditEvent | None = field(default=None, repr=False)
    #: True once the row is committed.
    written: bool = False


def add_event(session: Session, pending: PendingEvent, changed: bool) -> AuditEvent:
    """Add the row for ``pending`` to ``session``: the current user, now, from this client.

    ``changed``: the row goes into a commit of the request that changes data.
    """
    row = AuditEvent(
        occurred_at=clock.utcnow(),
        user_id=current_user.id,
        user_role=str(current_user.role.value),
        user_name=(current_user.name or "")[:120],
        action=pending.action,
        table_name=pending.table_name,
        record_id=pending.record_id,
        province_code=pending.province_code,
        method=request.method[:8],
        changed=changed,
        detail=pending.detail[:200],
        remote_addr=(request.remote_addr or "")[:45],
        user_agent=request.headers.get("User-Agent", "")[:200],
    )
    session.add(row)
    return row
