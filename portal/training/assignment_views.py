"""Assigning a class to a group of businesses picked by score, sector, commune: on the
training blueprint."""

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.audit import audited
from portal.extensions import db
from portal.failures import flash_error
from portal.inputs import ids_from
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404
from portal.training import operations, queries
from portal.training.blueprint import bp
from portal.training.forms import ActionForm, GroupFilterForm
from portal.training.models import Cohort

#: The assign page's filters, kept in its address when the page comes back.
ASSIGN_QUERY = ("commune", "sector", "kind", "max_level", "dimension", "below", "search")


@bp.route("/training/cohorts/<int:cohort_id>/assign", methods=["GET", "POST"])
@performs("cohort.assign")
@audited("class.assign", record="cohort_id")
def assign(cohort_id: int) -> ResponseReturnValue:
    cohort = get_scoped_or_404(Cohort, cohort_id)
    require("cohort.assign", cohort)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        ids = ids_from(request.form.getlist("business_id"))
        businesses = queries.businesses_by_ids(current_user, ids, cohort.province_code)
        if not businesses:
            flash(_("Tick at least one business."), "error")
            # Any: url_for also has keyword parameters that are not str (_external, ...).
            kept: dict[str, Any] = {
                name: request.args[name] for name in ASSIGN_QUERY if name in request.args
            }
            return redirect(url_for("training.assign", cohort_id=cohort.id, **kept))
        try:
            assigned, skipped = operations.assign(cohort, businesses, current_user)
        except operations.TrainingError as error:  # a business moved away meanwhile
            db.session.rollback()
            flash_error(error)
            return redirect(url_for("training.assign", cohort_id=cohort.id))
        db.session.commit()
        flash(
            ngettext(
                "The course has been assigned to %(num)d business.",
                "The course has been assigned to %(num)d businesses.",
                assigned,
            ),
            "success",
        )
        if skipped:
            flash(
                ngettext(
                    "%(num)d business already had this class and was left as it was.",
                    "%(num)d businesses already had this class and were left as they were.",
                    skipped,
                ),
                "info",
            )
        return redirect(url_for("training.show_cohort", cohort_id=cohort.id))
    form = GroupFilterForm(request.args, province_code=cohort.province_code)
    matches = None
    if request.args.get("search") and form.validate():
        filters = queries.GroupFilters(
            commune=form.commune.data,
            sector=form.sector.data or None,
            kind=form.kind.data or None,
            max_level=form.max_level.data,
            dimension=form.dimension.data or None,
            below=form.below.data,
        )
        matches = queries.query_group(current_user, cohort.province_code, filters)
    return render_template(
        "training/assign.html", cohort=cohort, course=cohort.course, form=form, matches=matches
    )
