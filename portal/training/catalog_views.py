"""The course catalog, a course's page (its classes, enrolling, class alerts), adding and
editing a course: on the training blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import geo
from portal.access import login_required
from portal.audit import audited
from portal.extensions import db
from portal.inputs import int_arg, page_arg
from portal.permissions import can, performs, require
from portal.scoping import get_scoped_or_404
from portal.training import operations, queries
from portal.training.blueprint import MANAGERS, bp, can_manage
from portal.training.forms import ClassAlertForm, CourseForm, EnrolForm, dimension_choices
from portal.training.models import Course


@bp.route("/training/")
@login_required
def catalog() -> ResponseReturnValue:
    filters = queries.CatalogFilters(
        commune=int_arg("commune"),
        format=request.args.get("format") or None,
        dimension=request.args.get("dimension") or None,
        fee=request.args.get("fee") or None,
    )
    courses = queries.query_catalog(current_user, filters, include_inactive=can_manage())
    if current_user.is_owner:
        provinces = queries.owner_province_codes(current_user)
    else:
        provinces = [current_user.province_code] if current_user.province_code else []
    communes = [w for code in provinces for w in geo.communes(code)]
    return render_template(
        "training/catalog.html",
        courses=courses,
        filters=filters,
        communes=communes,
        dimensions=dimension_choices(),
        can_create=current_user.role in MANAGERS,
    )


def _fee_read_only(form: CourseForm) -> CourseForm:
    """Show the fee read-only to those who may not set it (trainers)."""
    if not can(current_user, "course.set_fee"):
        form.fee_vnd.render_kw = {"readonly": True}
        form.fee_vnd.description = _l("Only the province's staff set a course's fee.")
    return form


def _course_data(form: CourseForm, course: Course | None) -> dict:
    """The form's course, refused (403) if it changes the fee and the user may not."""
    data = form.course_data()
    if data["fee_vnd"] != (course.fee_vnd if course is not None else 0):
        require("course.set_fee", course)
    return data


@bp.route("/training/courses/new", methods=["GET", "POST"])
@performs("course.create")
def new_course() -> ResponseReturnValue:
    form = _fee_read_only(CourseForm())
    if form.validate_on_submit():
        course = operations.create_course(
            current_user, current_user.province_code, **_course_data(form, None)
        )
        db.session.commit()
        flash(_("The course has been added. Now open a class for it."), "success")
        return redirect(url_for("training.show_course", course_id=course.id))
    return render_template("training/course_form.html", form=form, course=None)


@bp.route("/training/courses/<int:course_id>")
@login_required
def show_course(course_id: int) -> ResponseReturnValue:
    course = get_scoped_or_404(Course, course_id)
    if not course.active and not can_manage():
        abort(404)
    finished = None
    if can_manage():
        # Every class the course ever had, the finished ones a page at a time.
        cohorts = queries.current_cohorts(course)
        finished = queries.finished_cohorts(course, page_arg("past"))
    else:
        cohorts = queries.open_cohorts(course)
    shown = cohorts + (finished.items if finished else [])
    counts = queries.seat_counts([c.id for c in shown])
    businesses, mine, alert_form, course_alerts = [], [], None, []
    if current_user.is_owner:
        businesses = queries.owner_businesses_in(current_user, course.province_code)
        mine = queries.owner_course_enrolments(current_user, course)
    enrol_form = EnrolForm()
    enrol_form.business.set_choices([(b.id, b.name) for b in businesses])
    if businesses:
        # Ask to be told when a class opens near one of them (the form is for owners only).
        alert_form = ClassAlertForm(formdata=None)
        alert_form.business.set_choices([(b.id, b.name) for b in businesses])
        course_alerts = queries.course_class_alerts(current_user, course)
    return render_template(
        "training/course.html",
        course=course,
        cohorts=cohorts,
        finished=finished,
        counts=counts,
        enrol_form=enrol_form,
        mine=mine,
        holds=queries.seat_holds(mine),
        can_manage=can_manage(),
        alert_form=alert_form,
        course_alerts=course_alerts,
    )


@bp.route("/training/courses/<int:course_id>/edit", methods=["GET", "POST"])
@performs("course.edit")
@audited("course.edit", record="course_id")
def edit_course(course_id: int) -> ResponseReturnValue:
    course = get_scoped_or_404(Course, course_id)
    require("course.edit", course)
    form = _fee_read_only(CourseForm(obj=course))
    if request.method == "GET":
        form.audience.data = course.audience.value
        form.format.data = course.format.value
    if form.validate_on_submit():
        operations.update_course(course, **_course_data(form, course))
        db.session.commit()
        flash(_("The changes have been saved."), "success")
        return redirect(url_for("training.show_course", course_id=course.id))
    return render_template("training/course_form.html", form=form, course=course)
