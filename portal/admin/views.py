"""Province staff manage their trainers and staff; national admins manage every province."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal import geo
from portal.access import roles_required
from portal.admin import queries
from portal.admin.forms import ProvinceUserForm, UserStatusForm
from portal.admin.operations import update_user_status
from portal.audit import audited, note_audit
from portal.auth.models import Role, User
from portal.auth.operations import create_user
from portal.extensions import db
from portal.forms import filled
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")

MANAGERS = (Role.STAFF, Role.ADMIN)


@bp.route("/users")
@roles_required(*MANAGERS)
@audited("user.list", table="users")
def list_users() -> ResponseReturnValue:
    return render_template("admin/users.html", users=queries.province_accounts(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@performs("user.manage")
@audited("user.create", table="users")
def new_user() -> ResponseReturnValue:
    form = ProvinceUserForm()
    form.setup_provinces(None if current_user.is_admin else current_user.province_code)
    if form.validate_on_submit():
        user = create_user(
            name=filled(form.name),
            email=form.email.data,
            phone=form.phone.data,
            password=filled(form.password),
            role=Role(form.role.data),
            province_code=form.province.data,
            created_by=current_user,
        )
        note_audit(record_id=user.id, province_code=user.province_code)
        db.session.commit()
        flash(_("The account for %(name)s has been created.", name=user.name), "success")
        return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@performs("user.manage")
@audited("user.edit", record="user_id")
def edit_user(user_id: int) -> ResponseReturnValue:
    user = get_scoped_or_404(User, user_id)
    require("user.manage", user)
    if user.role not in (Role.TRAINER, Role.STAFF):
        abort(404)
    form = UserStatusForm(data={"active": user.active, "role": user.role.value})
    if form.validate_on_submit():
        if user.id == current_user.id and not form.active.data:
            flash(_("You cannot deactivate your own account."), "error")
        elif user.active and not form.active.data and request.form.get("confirmed") != "1":
            # Locking an account: say what it stops first; the confirmation posts again.
            return render_template(
                "confirm.html",
                title=_("Lock the account?"),
                subject=f"{user.name} · {user.login}",
                effects=[
                    _(
                        "%(name)s is signed out everywhere and can no longer sign in.",
                        name=user.name,
                    ),
                    _(
                        "What they recorded stays: classes, attendance, certificates and "
                        "verifications keep their name."
                    ),
                    _("The account can be unlocked again on this page."),
                ],
                action=url_for("admin.edit_user", user_id=user.id),
                fields={"role": form.role.data, "confirmed": "1"},
                button=_("Lock the account"),
                back=url_for("admin.edit_user", user_id=user.id),
            )
        else:
            update_user_status(
                user, active=form.active.data, role=Role(form.role.data), by=current_user
            )
            db.session.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_edit.html", form=form, user=user)


@bp.route("/provinces")
@roles_required(Role.ADMIN)
def list_provinces() -> ResponseReturnValue:
    business_counts = queries.businesses_per_province()
    user_counts = queries.users_per_province()
    rows = [
        (p, business_counts.get(int(p.code), 0), user_counts.get(int(p.code), 0))
        for p in geo.provinces()
    ]
    return render_template("admin/provinces.html", rows=rows)
