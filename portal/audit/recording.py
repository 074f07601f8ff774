"""``@audited``: one audit row for each request of a staff member, trainer or administrator to
a view that reads or changes someone else's personal data or money.

The row goes into the view's own transaction when the view commits (a change and its audit row
are saved together or not at all); a view that commits nothing (a page, a file, an export, or a
change that was refused) gets its row in a commit of its own once it has answered below 400.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, make_response, request
from flask_login import current_user
from sqlalchemy.orm import Session

from portal import geo
from portal.access import mark_view
from portal.audit.operations import PendingEvent, add_event
from portal.auth.models import Role
from portal.extensions import Model, db
from portal.failures import OperationError, operation_refused
from portal.inputs import int_arg

#: The roles whose reading and changing of other people's data is recorded.
AUDITED_ROLES = (Role.TRAINER, Role.STAFF, Role.ADMIN)

#: The URL argument that names a record, and the table it names. A view audited with
#: ``record=`` names one of these.
RECORD_TABLES = {
    "assessment_id": "assessments",
    "business_id": "businesses",
    "certificate_id": "certificates",
    "cohort_id": "cohorts",
    "course_id": "courses",
    "enrolment_id": "enrolments",
    "evidence_id": "onboarding_evidence",
    "household_id": "field_households",
    "onboarding_id": "onboarding_paths",
    "payment_id": "payments",
    "programme_id": "subsidy_programmes",
    "session_id": "training_sessions",
    "user_id": "users",
}

#: Requests that only read.
READ_METHODS = ("GET", "HEAD")

_PENDING = "audit_pending"
_UNSET: Any = object()


def audited(action: str, record: str | None = None, table: str | None = None) -> Callable:
    """Record ``action`` on the record named by the URL argument ``record`` (or, for a list,
    search or export, on ``table`` as a whole) when a province user or administrator uses the
    view. Put it under the access decorator."""
    if record is not None and record not in RECORD_TABLES:
        raise ValueError(f"@audited: unknown record argument {record!r}")
    if table:
        table_name = table
    elif record is not None:
        table_name = RECORD_TABLES[record]
    else:
        raise ValueError("@audited needs record= or table=")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            pending = _pending_for(action, table_name, kwargs.get(record) if record else None)
            if pending is None:
                return view(*args, **kwargs)
            setattr(g, _PENDING, pending)
            try:
                response = make_response(view(*args, **kwargs))
            finally:
                g.pop(_PENDING, None)
            if not pending.written and response.status_code < 400:
                _write_alone(pending)
            return response

        return mark_view(wrapped, audit_action=action, audit_record=record, audit_table=table_name)

    return decorator


def note_audit(
    *,
    action: str | None = None,
    record_id: int | None = _UNSET,
    province_code: int | None = _UNSET,
    detail: str | None = None,
) -> None:
    """Tell the current request's audit row what the view learnt: the record it created, a
    more precise action, a short detail. Does nothing outside an audited request."""
    pending: PendingEvent | None = g.get(_PENDING) if has_request_context() else None
    if pending is None or pending.written:
        return
    if action is not None:
        pending.action = action
    if record_id is not _UNSET:
        pending.record_id = record_id
    if province_code is not _UNSET:
        pending.province_code = province_code
    if detail is not None:
        pending.detail = detail


def note_refusal(error: OperationError) -> None:
    """Receiver of ``failures.operation_refused``: the audit row tells the attempt from a change."""
    note_audit(detail=f"refused: {error.code}")


def connect() -> None:
    """Connect the audit's receivers (called from ``create_app``)."""
    operation_refused.connect(note_refusal)


def _pending_for(action: str, table_name: str, record_id: int | None) -> PendingEvent | None:
    """Return what to record for this request, or None when nothing is to be recorded."""
    if not current_user.is_authenticated or current_user.role not in AUDITED_ROLES:
        return None  # an owner on their own data
    if table_name == "users" and record_id == current_user.id:
        return None  # one's own account
    if record_id is None:
        province = _list_province()
    else:
        # Read before the view runs: the record may be gone (or moved) once it has.
        model = _model_of(table_name)
        province = db.session.scalar(sa.select(model.province_code).where(model.id == record_id))
    return PendingEvent(action, table_name, record_id, province)


def _list_province() -> int | None:
    """The province a list or export covers: the user's, or the one an administrator asks for."""
    if not current_user.is_admin:
        return current_user.province_code
    code = int_arg("province")
    return code if code is not None and geo.get_province(code) is not None else None


_models: dict[str, type[Any]] = {}


def _model_of(table_name: str) -> type[Any]:
    if not _models:
        for mapper in Model.registry.mappers:
            if isinstance(mapper.local_table, sa.Table):  # every model maps one table
                _models[mapper.local_table.name] = mapper.class_
    return _models[table_name]


def _write_alone(pending: PendingEvent) -> None:
    """Commit the row of a request whose view committed nothing."""
    # Whatever the view left uncommitted would be rolled back when the request ends anyway.
    db.session.rollback()
    add_event(db.session(), pending, changed=False)
    db.session.commit()


def _add_to_commit(session: Session) -> None:
    if session.in_nested_transaction() or not has_request_context():
        return  # a savepoint: the row goes with the outer commit
    pending: PendingEvent | None = g.get(_PENDING)
    if pending is None or pending.written:
        return
    if pending.row is None or pending.row not in session:
        # A page that only reads may commit housekeeping (e.g. releasing expired seats).
        pending.row = add_event(session, pending, changed=request.method not in READ_METHODS)


def _mark_written(session: Session) -> None:
    if session.in_nested_transaction() or not has_request_context():
        return
    pending: PendingEvent | None = g.get(_PENDING)
    if pending is not None and pending.row is not None:
        pending.written = True


def install_hooks() -> None:
    """Put each audited request's row into the view's own commit (installed once per process)."""
    if sa.event.contains(db.session, "before_commit", _add_to_commit):
        return
    sa.event.listen(db.session, "before_commit", _add_to_commit)
    sa.event.listen(db.session, "after_commit", _mark_written)
