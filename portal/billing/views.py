"""The price and payment page, cancellation with or without refund, receipts, the Stripe
webhook, and the province's money report."""

import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.access import PROVINCE_ROLES, roles_required
from portal.audit import audited
from portal.auth.models import Role
from portal.billing import operations, queries, receipts
from portal.billing import stripe_gateway as gateway
from portal.billing.forms import (
    ConfirmForm,
    PayForm,
    PeriodForm,
    ProgrammeForm,
    ProvincePickForm,
)
from portal.billing.models import Payment, PaymentStatus, SubsidyProgramme
from portal.extensions import csrf, db, limiter
from portal.failures import flash_error
from portal.forms import filled
from portal.i18n import current_language, format_vnd
from portal.pdf import pdf_response
from portal.permissions import performs, require
from portal.scoping import can_manage_province, get_scoped_or_404
from portal.security import allow_sources
from portal.training import operations as training_operations
from portal.training.models import Course, Enrolment, EnrolmentState

log = logging.getLogger(__name__)

bp = Blueprint("billing", __name__, url_prefix="/billing")

STAFF = (Role.STAFF, Role.ADMIN)


@bp.app_context_processor
def inject_billing_names() -> dict:
    return {"PaymentStatus": PaymentStatus, "stripe_js_url": current_app.config["STRIPE_JS_URL"]}


def _allow_stripe_js() -> None:
    origins = gateway.browser_origins()
    for directive in ("script-src", "connect-src", "frame-src"):
        allow_sources(directive, *origins)


# ---------------------------------------------------------------------------- price, pay


@bp.route("/enrolments/<int:enrolment_id>")
@roles_required(Role.OWNER, *PROVINCE_ROLES)
@audited("payment.view", record="enrolment_id")
def show_price(enrolment_id: int) -> ResponseReturnValue:
    # Read-only, as every GET: a hold that ran out shows released; the cron (or the next
    # enrolment or payment in the class) releases it, and asks Stripe what it must.
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    course = enrolment.cohort.course
    payment = operations.current_payment(enrolment)
    shown = queries.price_state(enrolment, payment, clock.utcnow())
    price = operations.quote(course, enrolment.business)
    can_pay = (
        current_user.is_owner
        and shown.payment_status == PaymentStatus.AWAITING
        and gateway.is_enabled()
    )
    if can_pay:
        _allow_stripe_js()
    return render_template(
        "billing/price.html",
        enrolment=enrolment,
        course=course,
        payment=payment,
        status=shown.payment_status,
        state=shown.enrolment_state,
        price=price,
        can_pay=can_pay,
        payments_enabled=gateway.is_enabled(),
        form=PayForm(formdata=None),
        refundable=operations.is_refundable_now(enrolment),
        deadline=operations.cancellation_deadline(enrolment.cohort),
    )


@bp.route("/enrolments/<int:enrolment_id>/pay", methods=["POST"])
@performs("payment.pay")
@limiter.limit("20 per minute")
def pay(enrolment_id: int) -> ResponseReturnValue:
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    require("payment.pay", enrolment)
    back = redirect(url_for("billing.show_price", enrolment_id=enrolment.id))
    form = PayForm()
    if not form.validate_on_submit():
        flash(_("Enter your card details."), "error")
        return back
    payment = operations.current_payment(enrolment)
    if payment is None or not gateway.is_enabled():
        abort(404)
    try:
        result = operations.start_card_payment(payment, filled(form.card_token), current_user)
    except operations.BillingError as error:
        db.session.rollback()
        # An expired hold was released before the error: keep that.
        if error.code == "hold_expired":
            operations.release_expired(cohort_id=enrolment.cohort_id)
            db.session.commit()
        flash_error(error)
        return back
    db.session.commit()
    if result.status == "failed":
        flash(_("The card was refused, so the place was released. No money was taken."), "error")
    elif result.status == "requires_action":
        _allow_stripe_js()
        return render_template(
            "billing/authenticate.html",
            enrolment=enrolment,
            client_secret=result.client_secret,
        )
    return back


# ---------------------------------------------------------------------------- cancelling


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@performs("enrolment.cancel")
@audited("enrolment.cancel", record="enrolment_id")
def cancel_enrolment(enrolment_id: int) -> ResponseReturnValue:
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    require("enrolment.cancel", enrolment)
    payment = operations.current_payment(enrolment)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        refunding = (
            payment is not None
            and payment.status == PaymentStatus.SUCCEEDED
            and operations.is_refundable_now(enrolment)
        )
        # What is left to refund (part may have been refunded in Stripe already).
        to_refund = 0
        if refunding and payment is not None:
            to_refund = payment.amount_vnd - payment.refund_vnd
        try:
            training_operations.cancel(enrolment, current_user)
        except training_operations.TrainingError as error:
            db.session.rollback()
            flash_error(error)
            return redirect(url_for("billing.show_price", enrolment_id=enrolment.id))
        db.session.commit()
        _send_refund_of(enrolment)
        flash(_("The enrolment has been cancelled."), "success")
        if refunding:
            flash(
                _(
                    "%(amount)s will be refunded to your card.",
                    amount=format_vnd(to_refund),
                ),
                "info",
            )
        if current_user.is_owner:
            return redirect(url_for("training.my_training"))
        return redirect(url_for("training.show_cohort", cohort_id=enrolment.cohort_id))
    if enrolment.state not in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        abort(404)
    return render_template(
        "billing/cancel.html",
        enrolment=enrolment,
        payment=payment,
        form=form,
        refundable=operations.is_refundable_now(enrolment),
        deadline=operations.cancellation_deadline(enrolment.cohort),
        staff_only=not operations.may_cancel(enrolment, current_user),
    )


def _send_refund_of(enrolment: Enrolment) -> None:
    """Send the refund the cancellation owes, if any (the cron retries it if Stripe is down)."""
    payment = operations.current_payment(enrolment)
    if payment is not None and payment.status == PaymentStatus.REFUNDING:
        try:
            operations.send_refund(payment.id)
        except operations.BillingError:
            db.session.rollback()


# ------------------------------------------------------------------------------ receipts


@bp.route("/payments")
@roles_required(Role.OWNER)
def my_payments() -> ResponseReturnValue:
    return render_template("billing/payments.html", payments=queries.owner_payments(current_user))


@bp.route("/payments/<int:payment_id>/receipt.pdf")
@roles_required(Role.OWNER, *PROVINCE_ROLES)
@audited("payment.receipt", record="payment_id")
def receipt_pdf(payment_id: int) -> ResponseReturnValue:
    payment = get_scoped_or_404(Payment, payment_id)
    if not payment.has_receipt:
        abort(404)
    pdf = receipts.render_pdf(payment, request.args.get("lang"))
    return pdf_response(pdf, f"receipt-{payment.receipt_number}.pdf")


# -------------------------------------------------------------------------- staff money


@bp.route("/report")
@roles_required(*STAFF)
@audited("money.report", table="payments")
def money_report() -> ResponseReturnValue:
    form = PeriodForm(request.args)
    form.validate()
    today = clock.today()
    start = form.start.data or today.replace(day=1)
    end = form.end.data or today
    rows = queries.money_report(current_user, start, end)
    return render_template(
        "billing/report.html",
        form=form,
        start=start,
        end=end,
        rows=rows,
        totals={
            "collected": sum(r.collected_vnd for r in rows),
            "subsidies": sum(r.subsidies_vnd for r in rows),
            "refunds": sum(r.refunds_vnd for r in rows),
        },
        programmes=queries.province_programmes(current_user),
        payments=queries.refundable_payments(current_user),
        confirm=ConfirmForm(formdata=None),
    )


@bp.route("/payments/<int:payment_id>/refund", methods=["GET", "POST"])
@performs("payment.refund")
@audited("payment.refund", record="payment_id")
def refund_payment(payment_id: int) -> ResponseReturnValue:
    payment = get_scoped_or_404(Payment, payment_id)
    require("payment.refund", payment)
    if request.method == "GET":
        return _confirm_refund(payment)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.refund_by_staff(payment, current_user)
    except operations.BillingError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        flash(_("The payment has been refunded."), "success")
    return redirect(url_for("billing.money_report"))


def _confirm_refund(payment: Payment) -> ResponseReturnValue:
    """Say what a refund by hand changes before it is made (the POST of the same URL)."""
    if payment.status != PaymentStatus.SUCCEEDED or not payment.stripe_payment_intent_id:
        abort(404)
    amount = format_vnd(payment.amount_vnd - payment.refund_vnd)
    return render_template(
        "confirm.html",
        title=_("Refund the payment?"),
        subject=_(
            "%(amount)s paid by %(business)s for %(course)s",
            amount=amount,
            business=payment.business.name,
            course=payment.course.title(current_language()),
        ),
        effects=[
            _("%(amount)s goes back to the card it was paid with.", amount=amount),
            _("The place in the class stays taken and the province's subsidy stays granted."),
            _("The refund cannot be undone from the portal."),
        ],
        action=url_for("billing.refund_payment", payment_id=payment.id),
        button=_("Refund %(amount)s", amount=amount),
        back=url_for("billing.money_report"),
    )


# -------------------------------------------------------------------- subsidy programmes


def _course_label(course: Course) -> str:
    fee = format_vnd(course.fee_vnd) if course.fee_vnd else _("free")
    return f"{course.title(current_language())} · {fee}"


def _programme_form(province_code: int, **kwargs: Any) -> ProgrammeForm:
    form = ProgrammeForm(**kwargs)
    courses = queries.province_courses(province_code, current_user)
    form.set_courses([(c.id, _course_label(c)) for c in courses])
    return form


@bp.route("/programmes")
@roles_required(*STAFF)
@audited("programme.list", table="subsidy_programmes")
def list_programmes() -> ResponseReturnValue:
    return render_template(
        "billing/programmes.html",
        programmes=queries.province_programmes(current_user),
        confirm=ConfirmForm(formdata=None),
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@performs("programme.manage")
@audited("programme.create", table="subsidy_programmes")
def new_programme() -> ResponseReturnValue:
    province_code = current_user.province_code
    if current_user.is_admin:
        # A national administrator first picks the province (its courses fill the form).
        pick = ProvincePickForm(request.args)
        if not pick.validate():
            if "province" not in request.args:
                pick.province.errors = []
            return render_template("billing/programme_form.html", pick=pick, programme=None)
        province_code = pick.province.data
    if not can_manage_province(province_code):
        abort(403)
    form = _programme_form(province_code)
    if form.validate_on_submit():
        try:
            operations.create_programme(province_code, by=current_user, **form.programme_data())
        except operations.BillingError as error:
            db.session.rollback()
            form.course.errors = [*form.course.errors, error.message]
        else:
            db.session.commit()
            flash(_("The subsidy programme has been created."), "success")
            return redirect(url_for("billing.list_programmes"))
    return render_template(
        "billing/programme_form.html", form=form, programme=None, province_code=province_code
    )


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@performs("programme.manage")
@audited("programme.edit", record="programme_id")
def edit_programme(programme_id: int) -> ResponseReturnValue:
    programme = get_scoped_or_404(SubsidyProgramme, programme_id)
    require("programme.manage", programme)
    form = _programme_form(programme.province_code, obj=programme)
    if request.method == "GET":
        form.fill(programme)
    if form.validate_on_submit():
        try:
            operations.update_programme(programme, current_user, **form.programme_data())
        except operations.BudgetBelowSpent as error:
            db.session.rollback()
            form.budget_vnd.errors = [
                *form.budget_vnd.errors,
                _(
                    "The budget cannot be less than %(spent)s, already granted or held for "
                    "payments in progress.",
                    spent=format_vnd(error.spent_vnd),
                ),
            ]
        except operations.BillingError as error:
            db.session.rollback()
            form.course.errors = [*form.course.errors, error.message]
        else:
            db.session.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("billing.list_programmes"))
    return render_template(
        "billing/programme_form.html",
        form=form,
        programme=programme,
        province_code=programme.province_code,
    )


@bp.route("/programmes/<int:programme_id>/active", methods=["POST"])
@performs("programme.manage")
@audited("programme.activate", record="programme_id")
def set_programme_active(programme_id: int) -> ResponseReturnValue:
    programme = get_scoped_or_404(SubsidyProgramme, programme_id)
    require("programme.manage", programme)
    if not ConfirmForm().validate_on_submit() or request.form.get("active") not in ("0", "1"):
        abort(400)
    active = request.form["active"] == "1"
    operations.set_programme_active(programme, active, current_user)
    db.session.commit()
    if active:
        flash(_("The programme is active again: it grants subsidies."), "success")
    else:
        flash(_("The programme is deactivated: it grants no new subsidies."), "success")
    return redirect(url_for("billing.list_programmes"))


# ------------------------------------------------------------------------------ webhook


@bp.route("/stripe/webhook", methods=["POST"])
@performs("payment.webhook")
def stripe_webhook() -> ResponseReturnValue:
    payload = request.get_data()
    try:
        event = gateway.parse_event(payload, request.headers.get("Stripe-Signature"))
    except gateway.SignatureError as error:
        log.warning("refused a Stripe webhook from %s: %s", request.remote_addr, error)
        return {"error": "invalid signature"}, 400
    except gateway.MalformedEvent as error:
        log.warning("refused a malformed Stripe event from %s: %s", request.remote_addr, error)
        return {"error": "malformed event"}, 400
    try:
        outcome = operations.handle_event(event)
    except operations.BillingError as error:
        db.session.rollback()
        log.warning("Stripe event %s not applied (%s): Stripe will retry", event["id"], error.code)
        return {"error": error.code}, 503
    db.session.commit()
    if outcome == "refunded":
        operations.send_owed_refunds()
    return {"received": True, "outcome": outcome}


# Stripe signs its events instead of a CSRF token. Exempted by a call, not as a decorator:
# Flask-WTF has no types, and an untyped decorator would leave the view unchecked. The exemption
# records the view's module and name, which performs() keeps (functools.wraps).
csrf.exempt(stripe_webhook)

