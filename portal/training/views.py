"""Course catalog and enrolment for owners; courses, cohorts, attendance and completion for
the province's trainers and staff; the public certificate verification page."""

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from portal import clock, formatting, geo
from portal.access import PROVINCE_ROLES, login_required, public, roles_required
from portal.audit import audited
from portal.auth.models import Role
from portal.billing import operations as billing
from portal.extensions import db, limiter
from portal.failures import flash_error
from portal.i18n import current_language
from portal.inputs import ids_from, int_arg
from portal.pdf import pdf_response
from portal.permissions import can, performs, require
from portal.scoping import get_scoped_or_404
from portal.training import alerts, certificates, notify, operations, queries
from portal.training import labels as training_labels
from portal.training.forms import (
    ActionForm,
    ClassAlertForm,
    CohortForm,
    CourseForm,
    EnrolForm,
    GroupFilterForm,
    NewCohortForm,
    SessionForm,
    WithdrawCertificateForm,
    dimension_choices,
)
from portal.training.models import (
    Certificate,
    Cohort,
    Course,
    Enrolment,
    EnrolmentState,
    TrainingSession,
)
from portal.training.rules import attendance_pct

bp = Blueprint("training", __name__)

MANAGERS = (Role.TRAINER, Role.STAFF)


@bp.app_context_processor
def inject_training_names() -> dict:
    # App-wide, as the partials are included from other features' pages. Names only: no query.
    return {"training_labels": training_labels, "EnrolmentState": EnrolmentState}


def _can_manage() -> bool:
    return current_user.role in PROVINCE_ROLES


def _can_withdraw_certificates(cohort: Cohort) -> bool:
    """Staff (and administrators) of the province, and the cohort's own trainer."""
    return can(current_user, "certificate.withdraw", cohort)


# ----------------------------------------------------------------------------- catalog


@bp.route("/training/")
@login_required
def catalog():
    filters = queries.CatalogFilters(
        commune=int_arg("commune"),
        format=request.args.get("format") or None,
        dimension=request.args.get("dimension") or None,
        fee=request.args.get("fee") or None,
    )
    courses = queries.query_catalog(current_user, filters, include_inactive=_can_manage())
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
def new_course():
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
def show_course(course_id: int):
    course = get_scoped_or_404(Course, course_id)
    if not course.active and not _can_manage():
        abort(404)
    cohorts = course.cohorts if _can_manage() else queries.open_cohorts(course)
    counts = queries.seat_counts([c.id for c in cohorts])
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
        counts=counts,
        enrol_form=enrol_form,
        mine=mine,
        holds=queries.seat_holds(mine),
        can_manage=_can_manage(),
        alert_form=alert_form,
        course_alerts=course_alerts,
    )


@bp.route("/training/courses/<int:course_id>/edit", methods=["GET", "POST"])
@performs("course.edit")
@audited("course.edit", record="course_id")
def edit_course(course_id: int):
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


# ----------------------------------------------------------------------------- cohorts


def _cohort_form(form_class: type[CohortForm], course: Course, **kwargs) -> CohortForm:
    return form_class(
        course_format=course.format,
        province_code=course.province_code,
        trainers=queries.province_trainers(course.province_code),
        **kwargs,
    )


@bp.route("/training/courses/<int:course_id>/cohorts/new", methods=["GET", "POST"])
@performs("cohort.create")
def new_cohort(course_id: int):
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
        can_withdraw=_can_withdraw_certificates(cohort),
        now=clock.utcnow(),
    )


@bp.route("/training/cohorts/<int:cohort_id>")
@roles_required(*PROVINCE_ROLES)
@audited("class.view", record="cohort_id")
def show_cohort(cohort_id: int):
    cohort = get_scoped_or_404(Cohort, cohort_id)
    return _render_cohort(cohort, SessionForm(formdata=None))


@bp.route("/training/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@performs("cohort.edit")
@audited("class.edit", record="cohort_id")
def edit_cohort(cohort_id: int):
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
            flash(_moved_up_message(len(promoted)), "info")
        return redirect(url_for("training.show_cohort", cohort_id=cohort.id))
    return render_template(
        "training/cohort_form.html", form=form, course=cohort.course, cohort=cohort
    )


@bp.route("/training/cohorts/<int:cohort_id>/sessions", methods=["POST"])
@performs("cohort.edit")
def add_session(cohort_id: int):
    cohort = get_scoped_or_404(Cohort, cohort_id)
    require("cohort.edit", cohort)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            starts_at = clock.to_utc(form.starts_at.data)
            operations.add_session(cohort, starts_at, form.duration_minutes.data)
        except operations.TrainingError as error:
            db.session.rollback()
            form.starts_at.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The session has been added."), "success")
            return redirect(url_for("training.show_cohort", cohort_id=cohort.id))
    return _render_cohort(cohort, form), 400


@bp.route("/training/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@performs("cohort.edit")
def edit_session(session_id: int):
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
                session, clock.to_utc(form.starts_at.data), form.duration_minutes.data, current_user
            )
        except operations.TrainingError as error:
            db.session.rollback()
            form.starts_at.errors.append(error.message)
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
def remove_session(session_id: int):
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


def _moved_up_message(n: int) -> str:
    return ngettext(
        "%(num)d business moved up from the waitlist.",
        "%(num)d businesses moved up from the waitlist.",
        n,
    )


# --------------------------------------------------------------------------- enrolment


@bp.route("/training/cohorts/<int:cohort_id>/enrol", methods=["POST"])
@performs("enrolment.join")
def enrol(cohort_id: int):
    cohort = get_scoped_or_404(Cohort, cohort_id)
    if not cohort.course.active:
        abort(404)
    form = EnrolForm()
    businesses = queries.owner_businesses_in(current_user, cohort.province_code)
    form.business.set_choices([(b.id, b.name) for b in businesses])
    back = redirect(url_for("training.show_course", course_id=cohort.course_id))
    if not form.validate_on_submit():
        flash(_("Choose one of your businesses."), "error")
        return back
    business = next(b for b in businesses if b.id == form.business.data)
    require("enrolment.join", business)
    try:
        billing.check_can_take_seat(cohort.course, business)
        billing.release_expired(cohort_id=cohort.id)
        enrolment = operations.enrol(cohort, business, current_user)
    except operations.TrainingError as error:
        db.session.rollback()
        flash_error(error)
        return back
    db.session.commit()
    if enrolment.state == EnrolmentState.ENROLLED and enrolment.requires_payment:
        flash(_("%(name)s has a place held: pay the fee to keep it.", name=business.name), "info")
        return redirect(url_for("billing.show_price", enrolment_id=enrolment.id))
    if enrolment.state == EnrolmentState.ENROLLED:
        flash(_("%(name)s is enrolled.", name=business.name), "success")
    else:
        flash(
            _(
                "The class is full: %(name)s is on the waitlist and will move up automatically "
                "when a place frees up.",
                name=business.name,
            ),
            "info",
        )
    return redirect(url_for("training.my_training"))


@bp.route("/training/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@performs("enrolment.cancel")
@audited("enrolment.cancel", record="enrolment_id")
def cancel_enrolment(enrolment_id: int):
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    require("enrolment.cancel", enrolment)
    if request.method == "GET":
        return _confirm_cancel(enrolment)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        promoted = operations.cancel(enrolment, current_user)
    except operations.TrainingError as error:
        db.session.rollback()
        flash_error(error)
    else:
        db.session.commit()
        flash(_("The enrolment has been cancelled."), "success")
        if promoted and not current_user.is_owner:
            flash(_moved_up_message(len(promoted)), "info")
    if current_user.is_owner:
        return redirect(url_for("training.my_training"))
    return redirect(url_for("training.show_cohort", cohort_id=enrolment.cohort_id))


def _confirm_cancel(enrolment: Enrolment):
    """Say what cancelling changes before it is done (the POST of the same URL does it)."""
    if enrolment.state not in (EnrolmentState.ENROLLED, EnrolmentState.WAITLISTED):
        abort(404)
    cohort, business = enrolment.cohort, enrolment.business
    if cohort.course.fee_vnd:
        # A course with a fee: the billing page says what happens to the money, and who may.
        return redirect(url_for("billing.cancel_enrolment", enrolment_id=enrolment.id))
    title = cohort.course.title(current_language())
    if enrolment.state == EnrolmentState.WAITLISTED:
        effects = [
            _(
                "%(business)s leaves the waiting list of this class and loses its turn.",
                business=business.name,
            ),
        ]
        heading, button = _("Leave the waiting list?"), _("Leave the waiting list")
    else:
        effects = [
            _("%(business)s loses its place in this class.", business=business.name),
            _(
                "If anyone is on the waiting list, the first of them takes the place; "
                "otherwise it is free for others."
            ),
        ]
        heading, button = _("Cancel the enrolment?"), _("Cancel the enrolment")
    effects.append(_("To take part later, the business has to enrol again while places are left."))
    if current_user.is_owner:
        back = url_for("training.my_training")
    else:
        back = url_for("training.show_cohort", cohort_id=cohort.id)
    subject = title
    if cohort.starts_at:
        subject = f"{title} · {formatting.format_datetime(cohort.starts_at)}"
    return render_template(
        "confirm.html",
        title=heading,
        subject=f"{subject} · {business.name}",
        effects=effects,
        action=url_for("training.cancel_enrolment", enrolment_id=enrolment.id),
        button=button,
        back=back,
        back_label=_("Keep the place"),
    )


@bp.route("/training/enrolments/<int:enrolment_id>/accept", methods=["POST"])
@performs("enrolment.join")
def accept_assignment(enrolment_id: int):
    return _answer_assignment(enrolment_id, accept=True)


@bp.route("/training/enrolments/<int:enrolment_id>/decline", methods=["POST"])
@performs("enrolment.join")
def decline_assignment(enrolment_id: int):
    return _answer_assignment(enrolment_id, accept=False)


def _answer_assignment(enrolment_id: int, accept: bool):
    enrolment = get_scoped_or_404(Enrolment, enrolment_id)
    require("enrolment.join", enrolment)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if accept:
            billing.check_can_take_seat(enrolment.cohort.course, enrolment.business)
            operations.accept_assignment(enrolment, current_user)
        else:
            operations.decline_assignment(enrolment, current_user)
    except operations.TrainingError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for("training.my_training"))
    db.session.commit()
    if not accept:
        flash(_("You have declined the course."), "success")
    elif enrolment.state == EnrolmentState.ENROLLED and enrolment.requires_payment:
        return redirect(url_for("billing.show_price", enrolment_id=enrolment.id))
    elif enrolment.state == EnrolmentState.ENROLLED:
        flash(_("You are enrolled."), "success")
    else:
        flash(_("The class is full: you are on the waitlist."), "info")
    return redirect(url_for("training.my_training"))


@bp.route("/training/mine")
@roles_required(Role.OWNER)
def my_training():
    enrolments = queries.owner_enrolments(current_user)
    return render_template(
        "training/mine.html",
        enrolments=enrolments,
        holds=queries.seat_holds(enrolments),
        summary=queries.owner_training_summary(current_user),
        notices=queries.class_alert_notices(current_user),
    )


# -------------------------------------------------------------------------- assignment


#: The assign page's filters, kept in its address when the page comes back.
ASSIGN_QUERY = ("commune", "sector", "kind", "max_level", "dimension", "below", "search")


@bp.route("/training/cohorts/<int:cohort_id>/assign", methods=["GET", "POST"])
@performs("cohort.assign")
@audited("class.assign", record="cohort_id")
def assign(cohort_id: int):
    cohort = get_scoped_or_404(Cohort, cohort_id)
    require("cohort.assign", cohort)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        ids = ids_from(request.form.getlist("business_id"))
        businesses = queries.businesses_by_ids(current_user, ids, cohort.province_code)
        if not businesses:
            flash(_("Tick at least one business."), "error")
            kept = {name: request.args[name] for name in ASSIGN_QUERY if name in request.args}
            return redirect(url_for("training.assign", cohort_id=cohort.id, **kept))
        assigned, skipped = operations.assign(cohort, businesses, current_user)
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


# ------------------------------------------------------------------ attendance, completion


@bp.route("/training/sessions/<int:session_id>/attendance")
@roles_required(*PROVINCE_ROLES)
@audited("attendance.view", record="session_id")
def attendance(session_id: int):
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
def mark_attendance(session_id: int, enrolment_id: int):
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
def completion(cohort_id: int):
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
        can_withdraw=_can_withdraw_certificates(cohort),
        opens_at=opens_at,
        is_open=opens_at is not None and opens_at <= clock.utcnow(),
    )


# ------------------------------------------------------------------------ certificates


@bp.route("/training/certificates/<int:certificate_id>.pdf")
@roles_required(Role.OWNER, *PROVINCE_ROLES)
@audited("certificate.pdf", record="certificate_id")
def certificate_pdf(certificate_id: int):
    certificate = get_scoped_or_404(Certificate, certificate_id)
    if not certificate.is_valid:
        # No new copy of a withdrawn certificate: a PDF is read as proof, whatever it says.
        return render_template(
            "training/certificate_withdrawn.html",
            certificate=certificate,
            cohort=certificate.enrolment.cohort,
        ), 410
    pdf = certificates.render_pdf(certificate, request.args.get("lang"))
    return pdf_response(pdf, f"certificate-{certificate.code}.pdf")


@bp.route("/training/certificates/<int:certificate_id>/withdraw", methods=["GET", "POST"])
@performs("certificate.withdraw")
@audited("certificate.withdraw", record="certificate_id")
def withdraw_certificate(certificate_id: int):
    certificate = get_scoped_or_404(Certificate, certificate_id)
    cohort = certificate.enrolment.cohort
    require("certificate.withdraw", cohort)
    back = url_for("training.completion", cohort_id=cohort.id)
    form = WithdrawCertificateForm()
    if certificate.is_valid and form.validate_on_submit():
        try:
            operations.revoke_certificate(certificate, current_user, form.reason.data)
        except operations.TrainingError as error:
            db.session.rollback()
            flash_error(error)
            return redirect(back)
        db.session.commit()
        flash(
            _(
                "The certificate of %(name)s has been withdrawn. The verification page now "
                "says it is no longer valid.",
                name=certificate.business_name,
            ),
            "success",
        )
        return redirect(back)
    return render_template(
        "training/certificate_withdraw.html",
        form=form,
        certificate=certificate,
        cohort=cohort,
        back=back,
    )


@bp.route("/verify", methods=["GET"])
@public
def verify_form():
    code = (request.args.get("code") or "").strip().upper().replace(" ", "").replace("-", "")
    if code:
        return redirect(url_for("training.verify_certificate", code=code))
    return render_template("training/verify_form.html")


@bp.route("/verify/<code>")
@public
@limiter.limit("30 per minute")
def verify_certificate(code: str):
    certificate = queries.certificate_by_code(code)
    if certificate is None:
        return render_template("training/verify.html", certificate=None), 404
    return render_template("training/verify.html", certificate=certificate)
