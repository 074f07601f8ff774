"""Owners' businesses, and the province's list of businesses for its staff and trainers."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal import geo
from portal.access import login_required, public
from portal.audit import audited, note_audit
from portal.businesses import operations, queries
from portal.businesses.forms import BusinessForm
from portal.businesses.models import Business
from portal.extensions import db
from portal.failures import flash_error
from portal.inputs import int_arg, page_arg
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404, scoped_select

bp = Blueprint("businesses", __name__, url_prefix="/businesses")

PAGE_SIZE = 50


@bp.route("/")
@login_required
@audited("business.list", table="businesses")
def list_businesses() -> ResponseReturnValue:
    page = page_arg()
    stmt = scoped_select(Business).order_by(Business.name, Business.id)
    commune = int_arg("commune")
    if commune:
        stmt = stmt.where(Business.commune_code == commune)
    pagination = db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)
    communes = geo.communes(current_user.province_code) if current_user.is_province_user else ()
    return render_template(
        "businesses/list.html", pagination=pagination, communes=communes, commune=commune
    )


@bp.route("/new", methods=["GET", "POST"])
@performs("business.create")
def new_business() -> ResponseReturnValue:
    form = BusinessForm()
    form.setup_place_choices()
    if form.validate_on_submit():
        business = operations.create_business(current_user, **form.business_data())
        db.session.commit()
        flash(_("%(name)s has been added.", name=business.name), "success")
        return redirect(url_for("businesses.show_business", business_id=business.id))
    return render_template("businesses/form.html", form=form, business=None)


@bp.route("/<int:business_id>")
@login_required
@audited("business.view", record="business_id")
def show_business(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    return render_template("businesses/show.html", business=business)


@bp.route("/<int:business_id>/edit", methods=["GET", "POST"])
@performs("business.edit")
@audited("business.edit", record="business_id")
def edit_business(business_id: int) -> ResponseReturnValue:
    business = get_scoped_or_404(Business, business_id)
    require("business.edit", business)
    # On POST the submitted values take precedence over these.
    form = BusinessForm(
        data={
            "business_name": business.name,
            "kind": business.kind.value,
            "tax_code": business.tax_code,
            "sector": business.sector.value,
            "size": business.size.value,
            "province": business.province_code,
            "commune": business.commune_code,
            "address": business.address,
        }
    )
    form.setup_place_choices()
    if not current_user.is_owner and not current_user.is_admin:
        # Province users cannot move a business out of their province.
        form.province.set_choices(
            (c.value, c.label)
            for c in form.province.choices or []
            if c.value == current_user.province_code
        )
    if form.validate_on_submit():
        if form.province.data != business.province_code:
            return _move(business, form)
        operations.update_business(business, **form.business_data())
        db.session.commit()
        flash(_("The changes have been saved."), "success")
        return redirect(url_for("businesses.show_business", business_id=business.id))
    return render_template("businesses/form.html", form=form, business=business)


def _move(business: Business, form: BusinessForm) -> ResponseReturnValue:
    """Show what a move to another province carries; make it once the user confirms."""
    history = queries.history_of(business)
    old_province = business.province_code
    if request.form.get("confirm_move") == "1" and history.can_move:
        data = form.business_data()
        province, commune = data.pop("province_code"), data.pop("commune_code")
        try:
            operations.move_business(business, province, commune, current_user)
        except operations.MoveError as error:
            db.session.rollback()
            if error.code == "not_allowed":
                abort(403)
            if error.code != "open_enrolments":  # the place changed meanwhile: say why
                flash_error(error)
                return redirect(url_for("businesses.show_business", business_id=business.id))
            history = queries.history_of(business)  # the page says which classes
        else:
            operations.update_business(business, **data)
            moved = f"{geo.province_name(old_province)} → {geo.province_name(province)}"
            note_audit(action="business.move", detail=moved)
            db.session.commit()
            flash(
                _(
                    "%(name)s now belongs to %(province)s, and its history moved with it.",
                    name=business.name,
                    province=geo.province_name(province),
                ),
                "success",
            )
            return redirect(url_for("businesses.show_business", business_id=business.id))
    return render_template(
        "businesses/move.html",
        form=form,
        business=business,
        history=history,
        old_province=old_province,
        new_province=form.province.data,
    )


@bp.route("/communes.json")
@public
def communes_json() -> ResponseReturnValue:
    """List a province's communes for the commune select (filled in as the province changes)."""
    province = int_arg("province")
    if province is None or geo.get_province(province) is None:
        abort(404)
    return jsonify([{"code": int(w.code), "name": w.name} for w in geo.communes(province)])
