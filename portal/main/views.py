"""Home page and each user's dashboard."""

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import geo
from portal.access import ANY_ROLE, public, roles_required
from portal.assess import queries as assess_queries
from portal.assess.questionnaires import minutes_to_answer
from portal.auth.models import Role
from portal.field import queries as field_queries
from portal.main import queries
from portal.reports import progress
from portal.training import queries as training_queries

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home() -> ResponseReturnValue:
    minutes = {audience: minutes_to_answer(audience) for audience in ("household", "enterprise")}
    return render_template("main/home.html", minutes=minutes)


@bp.route("/dashboard")
@roles_required(*ANY_ROLE)
def dashboard() -> ResponseReturnValue:
    if current_user.role == Role.HELPER:
        return redirect(url_for("field.app"))
    if current_user.is_owner:
        businesses = queries.owner_businesses(current_user)
        return render_template(
            "main/dashboard_owner.html",
            businesses=businesses,
            progress=assess_queries.progress_of(businesses),
            summary=training_queries.owner_training_summary(current_user),
            notices=training_queries.class_alert_notices(current_user),
        )
    counts = queries.business_counts(current_user)
    return render_template(
        "main/dashboard_staff.html",
        # Province staff open on their province's target (None for other roles).
        staff_home=progress.staff_home(current_user),
        field_summary=field_queries.dashboard_summary(current_user),
        business_count=counts.total,
        user_count=queries.user_count(current_user),
        by_commune=[(geo.commune_name(code), n) for code, n in counts.top_communes],
    )
