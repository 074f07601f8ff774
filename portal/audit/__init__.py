"""The audit log: who among the staff, trainers and administrators read or changed someone
else's personal data or money, what, which record, when and from where.

Views declare it with ``@audited(action, record=...)``; the rows live in ``audit_events``, a table
the code only ever appends to (the database refuses UPDATE and DELETE, see migration k1_audit).
It is not the application log: nothing here goes through Python logging.
"""

from portal.audit.recording import audited, note_audit

__all__ = ["audited", "note_audit"]
