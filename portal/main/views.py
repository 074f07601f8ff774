"""Home page and each user's dashboard."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal import geo
from portal.access import ANY_ROLE, public, roles_required
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.extensions import db
from portal.reports import progress
from portal.scoping import scoped_select, visible

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home():
    return render_template("main/home.html")


@bp.route("/dashboard")
@roles_required(*ANY_ROLE)
def dashboard():
    if current_user.role == Role.HELPER:
        return redirect(url_for("field.app"))
    if current_user.is_owner:
        businesses = db.session.scalars(scoped_select(Business).order_by(Business.name)).all()
        return render_template("main/dashboard_owner.html", businesses=businesses)
    business_count = db.session.scalar(
        sa.select(sa.func.count(Business.id)).where(visible(Business))
    )
    by_commune = db.session.execute(
        sa.select(Business.commune_code, sa.func.count(Business.id))
        .where(visible(Business))
        .group_by(Business.commune_code)
        # The commune code breaks ties: the same ten communes in the same order every time.
        .order_by(sa.func.count(Business.id).desc(), Business.commune_code)
        .limit(10)
    ).all()
    user_count = db.session.scalar(sa.select(sa.func.count(User.id)).where(visible(User)))
    return render_template(
        "main/dashboard_staff.html",
        # Province staff open on their province's target (None for other roles).
        staff_home=progress.staff_home(current_user),
        business_count=business_count,
        user_count=user_count,
        by_commune=[(geo.commune_name(code), n) for code, n in by_commune],
    )
