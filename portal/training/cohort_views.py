"""Opening and editing a class (cohort) and its sessions: on the training blueprint."""

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.access import PROVINCE_ROLES, roles_required
from portal.audit import audited
from portal.auth.models import Role
from portal.extensions import db
from portal.failures import flash_error
from portal.forms import filled
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404
from portal.training import alerts, notify, operations, queries
from portal.training.blueprint import bp, can_withdraw_certificates, moved_up_message
from portal.training.forms import ActionForm, CohortForm, NewCohortForm, SessionForm
from portal.training.models import Cohort, Course, TrainingSession


def _cohort_form(form_class: type[CohortForm], course: Course, **kwargs: Any) -> CohortForm:
    return form_class(
        course_format=course.format,
        province_code=course.province_code,
        trainers=queries.province_trainers(course.province_code),
        **kwargs,
    )


@bp.route("/training/courses/<int:course_id>/cohorts/new", methods=["GET", "POST"])
@performs("cohort.create")
def new_cohort(course_id: int) -> ResponseReturnValue:
    course = get_scoped_or_404(Course, course_id)
    require("cohort.create", course)
    form = _cohort_form(NewCohortForm, course)
    if current_user.role == Role.TRAINER:
        # A class a trainer opens is theirs to teach (and so theirs to edit).
        form.trainer.set_choices([(current_user.id, current_user.name)])
        if request.method == "GET":
            form.trainer.data = current_user.id
    if form.validate_on_submit():
        first = clock.to_utc(form.first_session.data)
        step = timedelta(days=form.days_between.data)
        sessions = [
            (first + step * n, form.session_minutes.data) for n in range(form.session_count.data)
        ]
        cohort = operations.create_cohort(course, sessions, **form.cohort_data())
        db.session.commit()
        alerts.mail_class_opened(cohort.id)
        flash(_("The class has been opened."), "success")
        return redirect(url_for("training.show_cohort", cohort_id=cohort.id))
    return render_template("training/cohort_form.html", form=form, course=course, cohort=None)


def _render_cohort(cohort: Cohort, session_form: SessionForm) -> str:
    return render_template(
        "training/cohort.html",
        cohort=cohort,
        course=cohort.course,
        roster=queries.cohort_roster(cohort),
        counts=queries.seat_counts([cohort.id])[cohort.id],
        session_form=session_form,
        with_attendance=operations.session_ids_with_attendance(cohort),
        can_withdraw=can_withdraw_certificates(cohort),
        now=clock.utcnow(),
    )


@bp.route("/training/cohorts/<int:cohort_id>")
@roles_required(*PROVINCE_ROLES)
@audited("class.view", record="cohort_id")
def show_cohort(cohort_id: int) -> ResponseReturnValue:
    cohort = get_scoped_or_404(Cohort, cohort_id)
    return _render_cohort(cohort, SessionForm(formdata=None))


@bp.route("/training/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@performs("cohort.edit")
@audited("class.edit", record="cohort_id")
def edit_cohort(cohort_id: int) -> ResponseReturnValue:
    cohort = get_scoped_or_404(Cohort, cohort_id)
    require("cohort.edit", cohort)
    form = _cohort_form(CohortForm, cohort.course, obj=cohort)
    if request.method == "GET":
        form.trainer.data = cohort.trainer_id
        form.commune.data = cohort.commune_code
    if form.validate_on_submit():
        promoted = operations.update_cohort(cohort, current_user, **form.cohort_data())
        db.session.commit()
        flash(_("The changes have been saved."), "success")
        if promoted:
            flash(moved_up_message(len(promoted)), "info")
        return redirect(url_for("training.show_cohort", cohort_id=cohort.id))
    return render_template(
        "training/cohort_form.html", form=form, course=cohort.course, cohort=cohort
    )


@bp.route("/training/cohorts/<int:cohort_id>/sessions", methods=["POST"])
@performs("cohort.edit")
def add_session(cohort_id: int) -> ResponseReturnValue:
    cohort = get_scoped_or_404(Cohort, cohort_id)
    require("cohort.edit", cohort)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            starts_at = clock.to_utc(filled(form.starts_at))
            operations.add_session(cohort, starts_at, form.duration_minutes.data)
        except operations.TrainingError as error:
            db.session.rollback()
            form.starts_at.errors = [*form.starts_at.errors, error.message]
        else:
            db.session.commit()
            flash(_("The session has been added."), "success")
            return redirect(url_for("training.show_cohort", cohort_id=cohort.id))
    return _render_cohort(cohort, form), 400


@bp.route("/training/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@performs("cohort.edit")
def edit_session(session_id: int) -> ResponseReturnValue:
    session = get_scoped_or_404(TrainingSession, session_id)
    require("cohort.edit", session)
    form = SessionForm()
    if request.method == "GET":
        # The field shows local time; the database keeps naive UTC.
        form.starts_at.data = clock.to_local(session.starts_at).replace(tzinfo=None)
        form.duration_minutes.data = session.duration_minutes
    status = 200
    if form.validate_on_submit():
        old_start = session.starts_at
        try:
            operations.reschedule_session(
                session,
                clock.to_utc(filled(form.starts_at)),
                form.duration_minutes.data,
                current_user,
            )
        except operations.TrainingError as error:
            db.session.rollback()
            form.starts_at.errors = [*form.starts_at.errors, error.message]
            status = 400
        else:
            db.session.commit()
            if session.starts_at != old_start:
                notify.session_changed(session.cohort, old_start, session.starts_at)
            flash(
                _(
                    "The session has been rescheduled. Enrolled participants see the new date "
                    "on their training page."
                ),
                "success",
            )
            return redirect(url_for("training.show_cohort", cohort_id=session.cohort_id))
    return render_template(
        "training/session_form.html",
        form=form,
        session=session,
        cohort=session.cohort,
        has_attendance=operations.has_attendance(session),
    ), status


@bp.route("/training/sessions/<int:session_id>/remove", methods=["GET", "POST"])
@performs("cohort.edit")
def remove_session(session_id: int) -> ResponseReturnValue:
    session = get_scoped_or_404(TrainingSession, session_id)
    require("cohort.edit", session)
    cohort_id = session.cohort_id
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        old_start = session.starts_at
        try:
            cohort = operations.remove_session(session, current_user)
        except operations.TrainingError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            notify.session_changed(cohort, old_start, None)
            flash(_("The session has been removed."), "success")
        return redirect(url_for("training.show_cohort", cohort_id=cohort_id))
    return render_template(
        "training/session_remove.html",
        form=form,
        session=session,
        cohort=session.cohort,
        has_attendance=operations.has_attendance(session),
    )
