"""Bulk import pages for province staff: template, upload and preview, import, letters, funnel."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import geo
from portal.access import roles_required
from portal.audit import audited, note_audit
from portal.auth.models import Role
from portal.extensions import db
from portal.i18n import current_language
from portal.imports import letters, operations, queries, template
from portal.imports.forms import UploadForm
from portal.imports.labels import COLUMNS, PROBLEMS
from portal.imports.models import BatchStatus, ImportBatch
from portal.imports.parsing import FileRefused
from portal.pdf import pdf_response
from portal.permissions import performs
from portal.reports import funnel_queries
from portal.scoping import get_scoped_or_404
from portal.security import accepts_upload

bp = Blueprint("imports", __name__, url_prefix="/imports")

#: Default largest upload; IMPORT_MAX_BYTES overrides it.
MAX_BYTES = 20 * 2**20
#: Room for the form's other fields and the multipart framing. Bodies up to twice the limit
#: are let in so that a file a little too large gets the page that says so, not a bare 413.
REQUEST_OVERHEAD = 64 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES))


def _province() -> int:
    if current_user.province_code is None:
        abort(403)
    return int(current_user.province_code)


def _index(form: UploadForm, status: int = 200) -> Any:
    return (
        render_template(
            "imports/index.html",
            form=form,
            batches=queries.batches(),
            province=geo.province_name(_province()),
        ),
        status,
    )


@bp.route("/")
@roles_required(Role.STAFF)
def index() -> Any:
    return _index(UploadForm(formdata=None))


@bp.route("/template.xlsx")
@roles_required(Role.STAFF)
def download_template() -> Response:
    lang = request.args.get("lang") or current_language()
    lang = lang if lang in ("vi", "en") else "vi"
    body = template.build(_province(), lang)
    name = "mau-nhap-co-so.xlsx" if lang == "vi" else "business-import-template.xlsx"
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/", methods=["POST"])
@performs("import.run")
@accepts_upload(lambda: 2 * max_bytes() + REQUEST_OVERHEAD)
@audited("import.check", table="import_batches")
def upload() -> Any:
    province = _province()
    form = UploadForm(formdata=None)
    if (request.content_length or 0) > max_bytes() + REQUEST_OVERHEAD:
        form.file.errors = [FileRefused("too_large", mb=max_bytes() // 2**20).message]
        return _index(form, 400)
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    upload = request.files.get("file")
    data = b""
    if upload:
        with upload.stream:  # the spooled temporary file, closed once read
            data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        form.file.errors = [FileRefused("too_large", mb=max_bytes() // 2**20).message]
        return _index(form, 400)
    try:
        name = (upload.filename or "") if upload else ""
        batch = operations.preview(data, name, province, current_user)
    except FileRefused as refusal:
        form.file.errors = [refusal.message]
        return _index(form, 400)
    note_audit(record_id=batch.id)
    db.session.commit()
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.route("/<int:batch_id>")
@roles_required(Role.STAFF)
@audited("import.view", table="import_batches")
def show(batch_id: int) -> Any:
    batch = get_scoped_or_404(ImportBatch, batch_id)
    note_audit(record_id=batch.id)
    return render_template(
        "imports/preview.html",
        batch=batch,
        columns=COLUMNS,
        problems=PROBLEMS,
        imported=batch.status == BatchStatus.IMPORTED,
        letter_parts=letters.parts(batch),
    )


@bp.route("/<int:batch_id>/import", methods=["POST"])
@performs("import.run")
@audited("import.run", table="import_batches")
def run(batch_id: int) -> Any:
    batch = get_scoped_or_404(ImportBatch, batch_id)
    note_audit(record_id=batch.id)
    try:
        result = operations.run(batch, current_user)
    except operations.BatchClosed as closed:
        db.session.commit()  # a list found without its file is now marked expired
        if closed.status == BatchStatus.EXPIRED:
            flash(_("This list was checked too long ago: upload it again."), "info")
            return redirect(url_for("imports.index"))
        flash(_("This list has already been imported."), "info")
        return redirect(url_for("imports.show", batch_id=batch.id))
    db.session.commit()
    invited = operations.send_invitations(batch)
    db.session.commit()
    imported = ngettext(
        "%(num)s business imported.", "%(num)s businesses imported.", len(result.business_ids)
    )
    sent = ngettext("%(num)s invitation sent by e-mail.", "%(num)s invitations sent by e-mail.",
                    invited)  # fmt: skip
    flash(f"{imported} {sent}", "success")
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.route("/<int:batch_id>/letters.pdf")
@roles_required(Role.STAFF)
@audited("import.letters", table="import_batches")
def letters_pdf(batch_id: int) -> Response:
    batch = get_scoped_or_404(ImportBatch, batch_id)
    note_audit(record_id=batch.id)
    part = request.args.get("part", 1, type=int) or 1
    body = letters.render_pdf(batch, part)
    if body is None:
        abort(404)
    return pdf_response(body, f"letters-{batch.id}-{part}.pdf")


@bp.route("/funnel")
@roles_required(Role.STAFF)
def funnel() -> Any:
    province = _province()
    return render_template(
        "imports/funnel.html",
        rows=funnel_queries.funnel(province, current_user),
        province=geo.province_name(province),
    )
