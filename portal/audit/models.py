"""One row per audited action; rows are only ever added."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.auth.models import Role, User
from portal.clock import utcnow
from portal.extensions import Model


class AuditEvent(Model):
    """A staff member's, trainer's or administrator's action on someone else's data or money.

    The actor's name and role are copied as they were at the time: the log keeps saying who did
    it after the account is renamed or changes role.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        # The province's log, newest first; and one person's actions.
        sa.Index("ix_audit_events_province_at", "province_code", "occurred_at"),
        sa.Index("ix_audit_events_user_at", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Naive UTC.
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    user_role: Mapped[str] = mapped_column(sa.String(16))
    user_name: Mapped[str] = mapped_column(sa.String(120))
    #: What was done, e.g. "business.view" (see portal.audit.labels).
    action: Mapped[str] = mapped_column(sa.String(64))
    #: The record acted on: a table name, and its id (None for lists, searches and exports).
    table_name: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: The province whose data it is; None for an administrator's national list.
    province_code: Mapped[int | None] = mapped_column()
    #: GET for reading; another method when the request meant to change something.
    method: Mapped[str] = mapped_column(sa.String(8))
    #: True when the request changed data (the row was written in the same transaction).
    changed: Mapped[bool] = mapped_column(default=False)
    #: A short fact the view adds, e.g. the province a business moved to.
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The client's address (the real client behind the configured proxies, see PORTAL_PROXIES).
    remote_addr: Mapped[str] = mapped_column(sa.String(45), default="")
    #: The browser's User-Agent, cut to the column's length.
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        """Province staff see their province's log; trainers and owners see none of it."""
        if getattr(user, "role", None) != Role.STAFF:
            return sa.false()
        return cls.province_code == user.province_code
