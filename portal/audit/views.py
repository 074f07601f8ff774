"""The audit log for province staff (their province) and the national administrator (all)."""

import csv
import io
from datetime import date

from flask import Blueprint, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, formatting, geo
from portal.access import roles_required
from portal.audit import labels, queries
from portal.audit.recording import audited, install_hooks
from portal.auth.models import Role
from portal.extensions import db
from portal.inputs import FIRST_DAY, LAST_DAY, int_arg, page_arg
from portal.labels import ROLE_LABELS
from portal.spreadsheets import csv_row

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.record_once(lambda _state: install_hooks())

READERS = (Role.STAFF, Role.ADMIN)
PAGE_SIZE = 50


def _day_arg(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _filters() -> queries.AuditFilters:
    action = request.args.get("action") or None
    return queries.AuditFilters(
        start=_day_arg("start"),
        end=_day_arg("end"),
        user_id=int_arg("user"),
        action=action if action in labels.ACTION_LABELS else None,
    )


def _query_args(f: queries.AuditFilters) -> dict:
    """The filters as query parameters, for the pager and the export link."""
    args = {
        "start": f.start.isoformat() if f.start else None,
        "end": f.end.isoformat() if f.end else None,
        "user": f.user_id,
        "action": f.action,
    }
    return {k: v for k, v in args.items() if v is not None}


@bp.route("/")
@roles_required(*READERS)
@audited("audit.view", table="audit_events")
def index() -> ResponseReturnValue:
    f = _filters()
    pagination = db.paginate(
        queries.query_events(f, current_user),
        page=page_arg(),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    actions = sorted(labels.ACTION_LABELS, key=labels.action_label)
    return render_template(
        "audit/index.html",
        pagination=pagination,
        f=f,
        query_args=_query_args(f),
        actors=queries.get_actors(current_user),
        actions=actions,
        audit_labels=labels,
    )


@bp.route("/export.csv")
@roles_required(*READERS)
@audited("audit.export", table="audit_events")
def export_csv() -> ResponseReturnValue:
    f = _filters()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        csv_row(
            [
                _("Time (UTC)"),
                _("Time"),
                _("User id"),
                _("Name"),
                _("Role"),
                _("Action"),
                _("Action code"),
                _("Record"),
                _("Record id"),
                _("Province"),
                _("Method"),
                _("Changed data"),
                _("Detail"),
                _("Address"),
                _("Browser"),
            ]
        )
    )
    for e in db.session.scalars(queries.query_events(f, current_user)):
        writer.writerow(
            csv_row(
                [
                    e.occurred_at.isoformat(timespec="seconds") + "Z",
                    formatting.format_datetime(e.occurred_at),
                    e.user_id,
                    e.user_name,
                    str(ROLE_LABELS.get(e.user_role, e.user_role)),
                    labels.action_label(e.action),
                    e.action,
                    labels.table_label(e.table_name),
                    "" if e.record_id is None else e.record_id,
                    geo.province_name(e.province_code),
                    e.method,
                    _("yes") if e.changed else _("no"),
                    e.detail,
                    e.remote_addr,
                    e.user_agent,
                ]
            )
        )
    # A byte-order mark so that spreadsheet programs read the Vietnamese letters as UTF-8.
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    return send_file(
        io.BytesIO(data),
        mimetype="text/csv",
        download_name=f"audit-{clock.today():%Y%m%d}.csv",
        as_attachment=True,
    )
