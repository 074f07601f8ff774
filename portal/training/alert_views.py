"""Owners' class alerts on the training blueprint: ask to be told when a class of a course (or
on its topic) opens near a business, see and stop those alerts, hide a notice."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from assessments.recommend import load_rules
from portal import clock
from portal.access import roles_required
from portal.auth.models import Role
from portal.extensions import db
from portal.failures import flash_error
from portal.forms import PortalForm
from portal.i18n import current_language
from portal.permissions import performs, require
from portal.scoping import get_scoped_or_404
from portal.training import alerts, queries
from portal.training.alerts import ClassAlert, ClassAlertNotice
from portal.training.blueprint import bp
from portal.training.forms import ClassAlertForm
from portal.training.models import Course

__all__ = ["bp"]


@bp.app_template_global()
def topic_label(topic: str) -> str:
    """Name a course topic in the page's language (read from the rules file, no query)."""
    return load_rules().topic_name(topic, current_language())


@bp.route("/training/alerts")
@roles_required(Role.OWNER)
def class_alerts() -> ResponseReturnValue:
    ids = queries.owner_business_ids(current_user)
    return render_template(
        "training/class_alerts.html",
        alerts=alerts.business_alerts(ids),
        notices=alerts.open_notices(ids, clock.today()),
    )


@bp.route("/training/courses/<int:course_id>/alerts", methods=["POST"])
@performs("class_alert.manage")
def subscribe_class_alert(course_id: int) -> ResponseReturnValue:
    course = get_scoped_or_404(Course, course_id)
    businesses = queries.owner_businesses_in(current_user, course.province_code)
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
def stop_class_alert(alert_id: int) -> ResponseReturnValue:
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
def dismiss_class_notice(notice_id: int) -> ResponseReturnValue:
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
