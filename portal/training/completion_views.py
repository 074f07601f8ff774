"""Attendance of a session and completion of a class (the certificates it issues): on the
training blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import ngettext
from flask_login import current_user

from portal import clock
from portal.access import PROVINCE_ROLES, roles_required
from portal.audit import audited
from portal.extensions import db
from portal.failures import flash_error
from portal.inputs import ids_from
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404
from portal.training import operations, queries
from portal.training.blueprint import bp, can_withdraw_certificates
from portal.training.forms import ActionForm
from portal.training.models import Cohort, Enrolment, EnrolmentState, TrainingSession
from portal.training.rules import attendance_pct


@bp.route("/training/sessions/<int:session_id>/attendance")
@roles_required(*PROVINCE_ROLES)
@audited("attendance.view", record="session_id")
def attendance(session_id: int) -> ResponseReturnValue:
    session = get_scoped_or_404(TrainingSession, session_id)
    rows = queries.session_attendance(session)
    return render_template(
        "training/attendance.html",
        session=session,
        cohort=session.cohort,
        rows=rows,
        present_count=sum(1 for _e, present in rows if present),
        is_open=operations.has_started(session),
    )


@bp.route("/training/sessions/<int:session_id>/attendance/<int:enrolment_id>", methods=["POST"])
@performs("attendance.take")
@audited("attendance.mark", record="enrolment_id")
def mark_attendance(session_id: int, enrolment_id: int) -> ResponseReturnValue:
    session = get_scoped_or_404(TrainingSession, session_id)
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    require("attendance.take", session)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.set_attendance(
            session, enrolment, request.form.get("present") == "1", current_user
        )
    except operations.TrainingError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
    return redirect(
        url_for("training.attendance", session_id=session.id, _anchor=f"p{enrolment.id}")
    )


@bp.route("/training/cohorts/<int:cohort_id>/completion", methods=["GET", "POST"])
@performs("cohort.complete")
@audited("certificate.issue", record="cohort_id")
def completion(cohort_id: int) -> ResponseReturnValue:
    cohort = get_scoped_or_404(Cohort, cohort_id)
    require("cohort.complete", cohort)
    course = cohort.course
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        checks = None
        if course.requires_check:
            passed = set(ids_from(request.form.getlist("passed")))
            checks = {
                e.id: e.id in passed for e in queries.cohort_roster(cohort)[EnrolmentState.ENROLLED]
            }
        try:
            completed = operations.complete_cohort(cohort, current_user, checks)
        except operations.TrainingError as error:
            db.session.rollback()
            flash_error(error)
            return redirect(url_for("training.completion", cohort_id=cohort.id))
        db.session.commit()
        flash(
            ngettext(
                "%(num)d participant completed the course; the certificate is issued.",
                "%(num)d participants completed the course; their certificates are issued.",
                len(completed),
            ),
            "success",
        )
        return redirect(url_for("training.show_cohort", cohort_id=cohort.id))
    roster = queries.cohort_roster(cohort)
    attended = queries.attendance_counts(cohort)
    total = len(cohort.sessions)
    opens_at = operations.last_session_start(cohort)
    rows = [
        (e, attended.get(e.id, 0), attendance_pct(total, attended.get(e.id, 0)))
        for e in roster[EnrolmentState.ENROLLED]
    ]
    return render_template(
        "training/completion.html",
        cohort=cohort,
        course=course,
        rows=rows,
        total=total,
        completed=roster[EnrolmentState.COMPLETED],
        can_withdraw=can_withdraw_certificates(cohort),
        opens_at=opens_at,
        is_open=opens_at is not None and opens_at <= clock.utcnow(),
    )
