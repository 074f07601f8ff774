"""Owners' class alerts on the training blueprint: ask to be told when a class of a course (or
on its topic) opens near a business, see and stop those alerts, hide a notice."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField

from assessments.recommend import load_rules
from portal import clock
from portal.access import roles_required
from portal.auth.models import Role
from portal.businesses.models import Business
from portal.extensions import db
from portal.failures import flash_error
from portal.forms import ChoiceField, PortalForm, int_or_none, select_choices
from portal.i18n import current_language
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404, scoped_select
from portal.training import alerts
from portal.training.alerts import ClassAlert, ClassAlertNotice
from portal.training.models import Course
from portal.training.trainer_views import bp

__all__ = ["bp"]


class ClassAlertForm(PortalForm):
    business = ChoiceField(
        _l("For the business"),
        coerce=int_or_none,
        invalid_message=_l("Choose one of your businesses."),
    )
    what = RadioField(
        _l("Tell me about"),
        choices=select_choices(
            [("course", _l("this course")), ("topic", _l("any course on its topic"))]
        ),
        default="course",
    )
    reach = RadioField(
        _l("Where"),
        choices=select_choices(
            [
                ("commune", _l("in the business's commune (and online)")),
                ("province", _l("anywhere in the province")),
            ]
        ),
        default="commune",
    )


def _own_businesses(province_code: int) -> list[Business]:
    return list(
        db.session.scalars(
            scoped_select(Business)
            .where(Business.province_code == province_code)
            .order_by(Business.name, Business.id)
        )
    )


def _own_business_ids() -> list[int]:
    return list(db.session.scalars(scoped_select(Business).with_only_columns(Business.id)))


@bp.app_template_global()
def class_alert_form(course: Course) -> ClassAlertForm | None:
    """Return the alert form for an owner's businesses in the course's province, else None."""
    if not current_user.is_authenticated or not current_user.is_owner:
        return None
    businesses = _own_businesses(course.province_code)
    if not businesses:
        return None
    form = ClassAlertForm(formdata=None)
    form.business.set_choices([(b.id, b.name) for b in businesses])
    return form


@bp.app_template_global()
def course_class_alerts(course: Course) -> list[ClassAlert]:
    """Return the owner's alerts this course answers (of the course itself or its topic)."""
    return [
        a
        for a in alerts.business_alerts(_own_business_ids())
        if a.course_id == course.id or (a.course_id is None and a.topic == course.topic)
    ]


@bp.app_template_global()
def class_alert_notices() -> list[ClassAlertNotice]:
    """Return the owner's notices of classes opened near their businesses, still to show."""
    if not current_user.is_authenticated or not current_user.is_owner:
        return []
    return alerts.open_notices(_own_business_ids(), clock.today())


@bp.app_template_global()
def topic_label(topic: str) -> str:
    return load_rules().topic_name(topic, current_language())


@bp.route("/training/alerts")
@roles_required(Role.OWNER)
def class_alerts():
    ids = _own_business_ids()
    return render_template(
        "training/class_alerts.html",
        alerts=alerts.business_alerts(ids),
        notices=alerts.open_notices(ids, clock.today()),
    )


@bp.route("/training/courses/<int:course_id>/alerts", methods=["POST"])
@performs("class_alert.manage")
def subscribe_class_alert(course_id: int):
    course = get_scoped_or_404(Course, course_id)
    businesses = _own_businesses(course.province_code)
    form = ClassAlertForm()
    form.business.set_choices([(b.id, b.name) for b in businesses])
    if not form.validate_on_submit():
        flash(_("Choose one of your businesses."), "error")
        return redirect(url_for("training.show_course", course_id=course.id))
    business = next(b for b in businesses if b.id == form.business.data)
    require("class_alert.manage", business)
    about_topic = form.what.data == "topic"
    try:
        alerts.subscribe(
            business,
            course=None if about_topic else course,
            topic=course.topic if about_topic else "",
            province_wide=form.reach.data == "province",
        )
    except alerts.AlertError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for("training.show_course", course_id=course.id))
    db.session.commit()
    flash(
        _(
            "Done: we will write to you and show it on your page when a class opens near "
            "%(business)s.",
            business=business.name,
        ),
        "success",
    )
    return redirect(url_for("training.show_course", course_id=course.id) + "#class-alert")


@bp.route("/training/alerts/<int:alert_id>/stop", methods=["POST"])
@performs("class_alert.manage")
def stop_class_alert(alert_id: int):
    alert = get_scoped_or_404(ClassAlert, alert_id)
    require("class_alert.manage", alert)
    if not PortalForm().validate_on_submit():
        abort(400)
    subject = alert.subject(current_language())
    alerts.unsubscribe(alert)
    db.session.commit()
    flash(_("You will no longer be told of new classes of “%(what)s”.", what=subject), "success")
    return redirect(_back(url_for("training.class_alerts")))


@bp.route("/training/alert-notices/<int:notice_id>/dismiss", methods=["POST"])
@performs("class_alert.manage")
def dismiss_class_notice(notice_id: int):
    notice = get_scoped_or_404(ClassAlertNotice, notice_id)
    require("class_alert.manage", notice)
    if not PortalForm().validate_on_submit():
        abort(400)
    alerts.dismiss(notice)
    db.session.commit()
    return redirect(_back(url_for("main.dashboard")))


def _back(default: str) -> str:
    """Return the page the button was on when it is one of ours (a path), else ``default``."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return default
