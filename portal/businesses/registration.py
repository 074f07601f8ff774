"""An owner signs up together with their first business: one form, one transaction.

The businesses feature composes it (the account from ``auth``, the business from here; the
privacy feature records the consent given with it through ``signals.account_created``), so
that ``auth`` imports no feature. The page keeps the address it always had.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.businesses import operations
from portal.businesses.forms import RegisterForm
from portal.extensions import db
from portal.i18n import current_language
from portal.permissions import performs

bp = Blueprint("registration", __name__)


@bp.route("/auth/register", methods=["GET", "POST"])
@performs("account.access")
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    form.setup_place_choices()
    if form.validate_on_submit():
        owner = operations.register_owner(
            account={
                "name": form.name.data,
                "email": form.email.data,
                "phone": form.phone.data,
                "password": form.password.data,
            },
            business=form.business_data(),
            locale=current_language(),
        )
        db.session.commit()
        login_user(owner)
        flash(
            _("Welcome, %(name)s! Your account and business are registered.", name=owner.name),
            "success",
        )
        return redirect(url_for("main.dashboard"))
    return render_template("businesses/register.html", form=form)
