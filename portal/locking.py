"""Row locks: the one way to read a row that this transaction is about to change.

``SELECT … FOR UPDATE`` holds the row until commit on PostgreSQL, so a second writer waits for
the first (SQLite has no row locks: it lets one writer at a time into the whole database).
``populate_existing`` reloads the locked rows into the session, so the caller decides on what
the previous writer committed, not on the copy the session read before it waited.
"""

from typing import Any, TypeVar

import sqlalchemy as sa

from portal.extensions import db
from portal.scoping import Identified

M = TypeVar("M", bound=Identified)
S = TypeVar("S", bound=sa.Select[Any])


def locked(stmt: S, *, read: bool = False, of: Any = None) -> S:
    """Return ``stmt`` locking its rows until commit (``read``: shared; ``of``: these tables)."""
    return stmt.with_for_update(read=read, of=of).execution_options(populate_existing=True)


def lock(model: type[M], ident: int, *, read: bool = False) -> M | None:
    """Lock and reload the row of ``model`` with this id; None if there is none."""
    return db.session.scalar(locked(sa.select(model).where(model.id == ident), read=read))
