"""Work a transaction owes before it commits: stored summaries of the businesses it touched.

Three features keep facts derived from many rows (assess: the latest result and the peer
counts; reports: the status history and the report aggregates). Each one says which businesses a
flush touched and how to refresh a set of them; :class:`TouchedBusinesses` does the rest, the
same way for all three:

- after every flush, the businesses the flush touched are noted in the session;
- before the commit, the session is flushed once more and the noted businesses are refreshed,
  inside the committing transaction (so the summaries and the rows they summarise commit, or
  roll back, together);
- when the transaction rolls back, the notes are forgotten; when only a savepoint rolls back
  (a double click's unique-index race caught with ``begin_nested``: the failed flush inside it
  rolls back too), they are kept: refreshing a
  business that did not change is harmless, missing one that did is not.

Hooks run in the order they were installed (the reports' status history before the aggregates
that count it): ``create_app`` installs them through each feature's ``connect()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from portal.extensions import db


@dataclass(frozen=True, eq=False)
class TouchedBusinesses:
    """The businesses a transaction touched, for one kind of stored summary."""

    #: The key of the noted ids in ``session.info`` (one per kind of summary).
    key: str
    #: After a flush: the ids of the businesses it touched (``session.new/dirty/deleted``).
    collect: Callable[[Session], Iterable[int | None]]
    #: Before the commit: refresh these businesses' summaries (a constant number of statements).
    refresh: Callable[[set[int]], object]

    def note(self, session: Session, business_ids: Iterable[int | None]) -> None:
        """Remember businesses to refresh at this transaction's commit."""
        noted = session.info.setdefault(self.key, set())
        noted.update(b for b in business_ids if b is not None)

    def noted(self, session: Session) -> set[int]:
        """The businesses noted so far (not refreshed yet)."""
        return session.info.get(self.key) or set()

    def discard(
        self, session: Session | scoped_session[Any], business_ids: Iterable[int] | None = None
    ) -> None:
        """Forget the noted businesses (those given, or all): they are up to date already."""
        if business_ids is None:
            session.info.pop(self.key, None)
        elif noted := session.info.get(self.key):
            noted.difference_update(business_ids)

    def install(self) -> None:
        """Listen on the portal's session (once per process, whatever the number of apps)."""
        if sa.event.contains(db.session, "after_flush", self._after_flush):
            return
        sa.event.listen(db.session, "after_flush", self._after_flush)
        sa.event.listen(db.session, "before_commit", self._before_commit)
        sa.event.listen(db.session, "after_soft_rollback", self._after_soft_rollback)

    # ---------------------------------------------------------------- the session's events

    def _after_flush(self, session: Session, _context: Any) -> None:
        self.note(session, self.collect(session))

    def _before_commit(self, session: Session) -> None:
        # Commit flushes only after this hook: flush first so that every change is seen.
        session.flush()
        noted = session.info.pop(self.key, None)
        if noted:
            self.refresh(noted)

    def _after_soft_rollback(
        self, session: Session, previous_transaction: SessionTransaction | None = None
    ) -> None:
        # Only the outermost transaction's rollback loses the writes: a savepoint's, or the
        # inner transaction of a flush that failed inside one, leaves the rest to commit.
        if previous_transaction is None or previous_transaction.parent is None:
            session.info.pop(self.key, None)
