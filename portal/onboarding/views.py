"""Listing paths: owners start them for a business, tick steps off and give evidence; the
province's trainers and staff verify or reject the evidence."""

from collections.abc import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from assessments.listing_paths import load_catalog
from portal.access import PROVINCE_ROLES, login_required, roles_required
from portal.audit import audited
from portal.businesses.models import Business
from portal.extensions import db
from portal.failures import flash_error
from portal.i18n import current_language
from portal.onboarding import files, labels, operations, queries
from portal.onboarding.forms import ActionForm, EvidenceForm, ReviewForm
from portal.onboarding.models import Evidence, EvidenceKind, EvidenceStatus, OnboardingPath
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404, scoped_select
from portal.security import accepts_upload
from portal.storage import storage
from portal.training.recommendations import listing_path_recommendations

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")

#: Room for the form fields and multipart framing around the largest allowed file.
REQUEST_OVERHEAD = 256 * 1024


@bp.app_context_processor
def inject_onboarding_names() -> dict:
    return {"onboarding_labels": labels, "EvidenceStatus": EvidenceStatus}


@bp.route("/")
@login_required
def catalog() -> ResponseReturnValue:
    businesses: Sequence[Business] = []
    if current_user.is_owner:
        businesses = db.session.scalars(scoped_select(Business).order_by(Business.name)).all()
    return render_template(
        "onboarding/catalog.html", paths=load_catalog().paths, businesses=businesses
    )


@bp.route("/businesses/<int:business_id>")
@login_required
@audited("onboarding.business", record="business_id")
def business_paths(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    progress = queries.business_progress(business)
    started = {p.path.id for p in progress}
    offered = [
        p
        for p in load_catalog().offered_to(business.kind.value, business.sector.value)
        if p.id not in started
    ]
    # Paths the latest assessment suggests come first, each with its reason.
    scores = queries.latest_dimension_scores(business.id)
    reasons = {
        r.path.id: r.reason
        for r in (listing_path_recommendations(business, scores) if scores else [])
    }
    offered.sort(key=lambda p: p.id not in reasons)
    return render_template(
        "onboarding/business.html",
        business=business,
        progress=progress,
        offered=offered,
        reasons=reasons,
    )


@bp.route("/businesses/<int:business_id>/start", methods=["POST"])
@performs("onboarding.follow")
def start_path(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    require("onboarding.follow", business)
    if not ActionForm().validate_on_submit():
        abort(400)
    path = load_catalog().get(request.form.get("path", ""))
    if path is None:
        abort(404)
    try:
        onboarding = operations.start_path(business, path, current_user)
    except operations.OnboardingError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for("onboarding.business_paths", business_id=business.id))
    db.session.commit()
    flash(_("You have started “%(path)s”.", path=path.name.get(current_language())), "success")
    return redirect(url_for("onboarding.show_path", onboarding_id=onboarding.id))


def _path_page(onboarding: OnboardingPath, evidence_form: EvidenceForm | None = None) -> str:
    path = load_catalog().get(onboarding.path_id)
    if path is None:
        abort(404)
    lang = current_language()
    if current_user.is_owner and evidence_form is None:
        evidence_form = EvidenceForm(
            formdata=None, steps=[(s.id, s.title.get(lang)) for s in path.steps]
        )
    return render_template(
        "onboarding/path.html",
        onboarding=onboarding,
        business=onboarding.business,
        path=path,
        progress=queries.Progress(onboarding, path),
        evidence_form=evidence_form,
        review_form=ReviewForm(formdata=None),
        can_review=current_user.role in PROVINCE_ROLES,
        max_mb=files.max_bytes() // 2**20,
    )


@bp.route("/<int:onboarding_id>")
@login_required
@audited("onboarding.view", record="onboarding_id")
def show_path(onboarding_id: int) -> ResponseReturnValue:
    return _path_page(get_scoped_or_404(OnboardingPath, onboarding_id))


@bp.route("/<int:onboarding_id>/steps", methods=["POST"])
@performs("onboarding.follow")
def tick_step(onboarding_id: int) -> ResponseReturnValue:
    onboarding = get_scoped_or_404(OnboardingPath, onboarding_id)
    require("onboarding.follow", onboarding)
    if not ActionForm().validate_on_submit():
        abort(400)
    path = load_catalog().get(onboarding.path_id)
    step = path.step(request.form.get("step", "")) if path else None
    if step is None:
        abort(404)
    operations.set_step_done(onboarding, step.id, request.form.get("done") == "1", current_user)
    db.session.commit()
    return redirect(url_for("onboarding.show_path", onboarding_id=onboarding.id, _anchor=step.id))


@bp.route("/<int:onboarding_id>/evidence", methods=["POST"])
@performs("onboarding.follow")
@accepts_upload(lambda: 2 * files.max_bytes() + REQUEST_OVERHEAD)
def add_evidence(onboarding_id: int) -> ResponseReturnValue:
    onboarding = get_scoped_or_404(OnboardingPath, onboarding_id)
    require("onboarding.follow", onboarding)
    path = load_catalog().get(onboarding.path_id)
    if path is None:
        abort(404)
    steps = [(s.id, s.title.get(current_language())) for s in path.steps]
    if (request.content_length or 0) > files.max_bytes() + REQUEST_OVERHEAD:
        # Refuse before reading the body; the page says why instead of a bare 413.
        form = EvidenceForm(formdata=None, steps=steps)
        form.file.errors = [
            _("The file is too large: at most %(mb)d MB.", mb=files.max_bytes() // 2**20)
        ]
        return _path_page(onboarding, form), 400
    form = EvidenceForm(steps=steps)
    if not form.validate_on_submit():
        return _path_page(onboarding, form), 400
    stored = {}
    if form.file_type is not None:
        upload = form.file.data
        stored = {
            "file_path": files.save(upload.stream, form.file_type, onboarding.province_code),
            "file_name": upload.filename,
            "content_type": form.file_type.mimetype,
            "file_size": form.file_size,
        }
    operations.add_evidence(
        onboarding,
        current_user,
        step_id=form.step.data or None,
        url=form.url.data or "",
        note=form.note.data or "",
        **stored,
    )
    db.session.commit()
    flash(_("Thank you. A trainer or staff member will check your evidence."), "success")
    return redirect(
        url_for("onboarding.show_path", onboarding_id=onboarding.id, _anchor="evidence")
    )


@bp.route("/evidence/<int:evidence_id>/file")
@login_required
@audited("evidence.file", record="evidence_id")
def evidence_file(evidence_id: int) -> ResponseReturnValue:
    evidence = get_scoped_or_404(Evidence, evidence_id)
    if evidence.kind != EvidenceKind.FILE or not evidence.file_path:
        abort(404)  # not a file, or deleted by retention or account closure
    try:
        stored = storage().open(evidence.file_path)
    except (ValueError, FileNotFoundError):
        abort(404)
    # Streamed through the portal from the folder or the bucket, never a public link: the
    # check above is the only way to a file. The response closes the stream once sent.
    response = send_file(
        stored.stream,
        mimetype=evidence.content_type,
        download_name=evidence.file_name or f"evidence-{evidence.id}",
        # PDFs open in a new tab; nothing is ever served as HTML.
        as_attachment=False,
        max_age=0,
        conditional=False,
        etag=False,
    )
    if stored.size is not None:
        response.content_length = stored.size
    return response


@bp.route("/evidence/<int:evidence_id>/review", methods=["POST"])
@performs("evidence.review")
@audited("evidence.review", record="evidence_id")
def review_evidence(evidence_id: int) -> ResponseReturnValue:
    evidence = get_scoped_or_404(Evidence, evidence_id)
    require("evidence.review", evidence)
    form = ReviewForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(
            url_for(
                "onboarding.show_path",
                onboarding_id=evidence.onboarding_id,
                _anchor=f"e{evidence.id}",
            )
        )
    try:
        operations.review_evidence(
            evidence, current_user, form.decision.data == "verify", form.reason.data or ""
        )
    except operations.OnboardingError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        if evidence.status == EvidenceStatus.VERIFIED:
            flash(_("The evidence is verified."), "success")
        else:
            flash(_("The evidence is rejected; the owner will see your reason."), "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("onboarding.review_queue"))
    return redirect(url_for("onboarding.show_path", onboarding_id=evidence.onboarding_id))


@bp.route("/review")
@roles_required(*PROVINCE_ROLES)
@audited("evidence.queue", table="onboarding_evidence")
def review_queue() -> ResponseReturnValue:
    return render_template(
        "onboarding/review.html",
        evidence=queries.pending_evidence(current_user),
        catalog=load_catalog(),
        review_form=ReviewForm(formdata=None),
    )
