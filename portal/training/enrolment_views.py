"""Enrolling, cancelling, answering an assigned course, and the owner's training page: on the
training blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal import formatting
from portal.access import roles_required
from portal.audit import audited
from portal.auth.models import Role
from portal.extensions import db
from portal.failures import flash_error
from portal.i18n import current_language
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404
from portal.training import operations, queries
from portal.training.blueprint import bp, moved_up_message
from portal.training.forms import ActionForm, EnrolForm
from portal.training.models import Cohort, Enrolment, EnrolmentState


@bp.route("/training/cohorts/<int:cohort_id>/enrol", methods=["POST"])
@performs("enrolment.join")
def enrol(cohort_id: int) -> ResponseReturnValue:
    cohort = get_scoped_or_404(Cohort, cohort_id)
    if not cohort.course.active:
        abort(404)
    form = EnrolForm()
    businesses = queries.owner_businesses_in(current_user, cohort.province_code)
    form.business.set_choices([(b.id, b.name) for b in businesses])
    back = redirect(url_for("training.show_course", course_id=cohort.course_id))
    if not form.validate_on_submit():
        flash(_("Choose one of your businesses."), "error")
        return back
    business = next(b for b in businesses if b.id == form.business.data)
    require("enrolment.join", business)
    try:
        operations.request_seat(cohort, business)
        enrolment = operations.enrol(cohort, business, current_user)
    except operations.TrainingError as error:
        db.session.rollback()
        flash_error(error)
        return back
    db.session.commit()
    if enrolment.state == EnrolmentState.ENROLLED and enrolment.requires_payment:
        flash(_("%(name)s has a place held: pay the fee to keep it.", name=business.name), "info")
        return redirect(url_for("billing.show_price", enrolment_id=enrolment.id))
    if enrolment.state == EnrolmentState.ENROLLED:
        flash(_("%(name)s is enrolled.", name=business.name), "success")
    else:
        flash(
            _(
                "The class is full: %(name)s is on the waitlist and will move up automatically "
                "when a place frees up.",
                name=business.name,
            ),
            "info",
        )
    return redirect(url_for("training.my_training"))


@bp.route("/training/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@performs("enrolment.cancel")
@audited("enrolment.cancel", record="enrolment_id")
def cancel_enrolment(enrolment_id: int) -> ResponseReturnValue:
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    require("enrolment.cancel", enrolment)
    if request.method == "GET":
        return _confirm_cancel(enrolment)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        promoted = operations.cancel(enrolment, current_user)
    except operations.TrainingError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        flash(_("The enrolment has been cancelled."), "success")
        if promoted and not current_user.is_owner:
            flash(moved_up_message(len(promoted)), "info")
    if current_user.is_owner:
        return redirect(url_for("training.my_training"))
    return redirect(url_for("training.show_cohort", cohort_id=enrolment.cohort_id))


def _confirm_cancel(enrolment: Enrolment) -> ResponseReturnValue:
    """Say what cancelling changes before it is done (the POST of the same URL does it)."""
    if enrolment.state not in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        abort(404)
    cohort, business = enrolment.cohort, enrolment.business
    if cohort.course.fee_vnd:
        # A course with a fee: the billing page says what happens to the money, and who may.
        return redirect(url_for("billing.cancel_enrolment", enrolment_id=enrolment.id))
    title = cohort.course.title(current_language())
    if enrolment.state == EnrolmentState.WAITLISTED:
        effects = [
            _(
                "%(business)s leaves the waiting list of this class and loses its turn.",
                business=business.name,
            ),
        ]
        heading, button = _("Leave the waiting list?"), _("Leave the waiting list")
    else:
        effects = [
            _("%(business)s loses its place in this class.", business=business.name),
            _(
                "If anyone is on the waiting list, the first of them takes the place; "
                "otherwise it is free for others."
            ),
        ]
        heading, button = _("Cancel the enrolment?"), _("Cancel the enrolment")
    effects.append(_("To take part later, the business has to enrol again while places are left."))
    if current_user.is_owner:
        back = url_for("training.my_training")
    else:
        back = url_for("training.show_cohort", cohort_id=cohort.id)
    subject = title
    if cohort.starts_at:
        subject = f"{title} · {formatting.format_datetime(cohort.starts_at)}"
    return render_template(
        "confirm.html",
        title=heading,
        subject=f"{subject} · {business.name}",
        effects=effects,
        action=url_for("training.cancel_enrolment", enrolment_id=enrolment.id),
        button=button,
        back=back,
        back_label=_("Keep the place"),
    )


@bp.route("/training/enrolments/<int:enrolment_id>/accept", methods=["POST"])
@performs("enrolment.join")
def accept_assignment(enrolment_id: int) -> ResponseReturnValue:
    return _answer_assignment(enrolment_id, accept=True)


@bp.route("/training/enrolments/<int:enrolment_id>/decline", methods=["POST"])
@performs("enrolment.join")
def decline_assignment(enrolment_id: int) -> ResponseReturnValue:
    return _answer_assignment(enrolment_id, accept=False)


def _answer_assignment(enrolment_id: int, accept: bool) -> ResponseReturnValue:
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    require("enrolment.join", enrolment)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if accept:
            operations.request_seat(enrolment.cohort, enrolment.business)
            operations.accept_assignment(enrolment, current_user)
        else:
            operations.decline_assignment(enrolment, current_user)
    except operations.TrainingError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for("training.my_training"))
    db.session.commit()
    if not accept:
        flash(_("You have declined the course."), "success")
    elif enrolment.state == EnrolmentState.ENROLLED and enrolment.requires_payment:
        return redirect(url_for("billing.show_price", enrolment_id=enrolment.id))
    elif enrolment.state == EnrolmentState.ENROLLED:
        flash(_("You are enrolled."), "success")
    else:
        flash(_("The class is full: you are on the waitlist."), "info")
    return redirect(url_for("training.my_training"))


@bp.route("/training/mine")
@roles_required(Role.OWNER)
def my_training() -> ResponseReturnValue:
    enrolments = queries.owner_enrolments(current_user)
    return render_template(
        "training/mine.html",
        enrolments=enrolments,
        holds=queries.seat_holds(enrolments),
        summary=queries.owner_training_summary(current_user),
        notices=queries.class_alert_notices(current_user),
    )
