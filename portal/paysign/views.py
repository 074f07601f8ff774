"""The payment sign of a business: the owner fills it in, everyone who may see the business
sees the QR code and prints the A5 sign."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import PROVINCE_ROLES, roles_required
from portal.audit import audited
from portal.auth.models import Role
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding.models import OnboardingPath
from portal.paysign import operations, render
from portal.paysign.banks import load_banks
from portal.paysign.forms import PaymentSignForm
from portal.paysign.models import PaymentSign
from portal.paysign.vietqr import clean_message
from portal.pdf import pdf_response
from portal.permissions import can, performs, require
from portal.scoping import get_scoped_or_404, scoped_select

bp = Blueprint("paysign", __name__, url_prefix="/payment-sign")

#: The listing path the sign belongs to (assessments/listing_paths.yaml).
PATH_ID = "digital_payment"


def _sign_of(business: Business) -> PaymentSign | None:
    return db.session.scalar(
        scoped_select(PaymentSign).where(PaymentSign.business_id == business.id)
    )


def _page(business: Business, sign: PaymentSign | None, form: PaymentSignForm | None) -> str:
    path_id = db.session.scalar(
        sa.select(OnboardingPath.id).where(
            OnboardingPath.business_id == business.id, OnboardingPath.path_id == PATH_ID
        )
    )
    return render_template(
        "paysign/sign.html",
        business=business,
        sign=sign,
        form=form,
        banks=load_banks(),
        qr=render.qr_data_uri(sign.payload) if sign else None,
        account=render.grouped(sign.account_number) if sign else "",
        qr_message=clean_message(sign.message) if sign else "",
        path_onboarding_id=path_id,
    )


@bp.route("/businesses/<int:business_id>")
@roles_required(Role.OWNER, *PROVINCE_ROLES)
@audited("payment_sign.view", record="business_id")
def show_sign(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    sign = _sign_of(business)
    form = None
    if can(current_user, "payment_sign.edit", business):
        form = PaymentSignForm(formdata=None)
        if sign is not None:
            bank = sign.bank
            form.bank.data = bank.label if bank else sign.bank_bin
            form.account_number.data = sign.account_number
            form.account_name.data = sign.account_name
            form.amount_vnd.data = sign.amount_vnd
            form.message.data = sign.message
    return _page(business, sign, form)


@bp.route("/businesses/<int:business_id>", methods=["POST"])
@performs("payment_sign.edit")
def save_sign(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    require("payment_sign.edit", business)
    form = PaymentSignForm()
    if not form.validate_on_submit():
        return _page(business, _sign_of(business), form), 400
    assert form.chosen_bank is not None  # set by validate_bank
    operations.save_sign(
        business,
        current_user,
        bank_bin=form.chosen_bank.bin,
        account_number=form.clean_account_number,
        account_name=form.clean_account_name,
        amount_vnd=form.amount_vnd.data,
        message=form.message.data or "",
    )
    db.session.commit()
    flash(_("Your payment sign is saved. Print it or show it on your phone."), "success")
    return redirect(url_for("paysign.show_sign", business_id=business.id, _anchor="sign"))


@bp.route("/businesses/<int:business_id>/sign.pdf")
@roles_required(Role.OWNER, *PROVINCE_ROLES)
@audited("payment_sign.pdf", record="business_id")
def sign_pdf(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    sign = _sign_of(business)
    if sign is None:
        abort(404)  # nothing to print before the owner gives the account
    return pdf_response(render.render_pdf(sign), f"payment-sign-{business.id}.pdf")
