"""The privacy notice, consent to it, and the owner's own data: download and closing."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.access import public, roles_required
from portal.auth.models import Role
from portal.auth.views import _safe_next as safe_next
from portal.extensions import db
from portal.i18n import current_language
from portal.permissions import performs
from portal.privacy import notices, operations
from portal.privacy.export import OwnerExport
from portal.privacy.forms import CloseAccountForm, ConsentForm

bp = Blueprint("privacy", __name__)

#: Signed-in views a person may use before agreeing to a new notice (besides public ones).
WITHOUT_CONSENT = {"auth.logout", "auth.set_language"}


@bp.before_app_request
def ask_for_consent() -> ResponseReturnValue | None:
    """Send a signed-in person who has not agreed to the notice in force to the consent page."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint in WITHOUT_CONSENT:
        return None
    if request.blueprint == bp.name:
        return None  # the notice, the consent page, and the way out: download, close
    view = current_app.view_functions.get(endpoint)
    if getattr(view, "access_rule", None) in ("public", "api-token"):
        return None
    if not current_user.is_authenticated:
        return None
    if not operations.needs_consent(current_user, notices.current_version()):
        return None
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("privacy.consent", next=target))


@bp.route("/privacy")
@public
def notice() -> ResponseReturnValue:
    version = request.args.get("version", type=int)
    shown = notices.get_notice(version) if version else notices.current_notice()
    if shown is None:
        abort(404)
    return render_template(
        "privacy/notice.html",
        notice=shown,
        current=notices.current_notice(),
        versions=notices.all_notices(),
        fill=notices.fill,
    )


@bp.route("/privacy/consent", methods=["GET", "POST"])
@performs("account.own")
def consent() -> ResponseReturnValue:
    current = notices.current_notice()
    if not operations.needs_consent(current_user, current.version):
        return redirect(safe_next(url_for("main.dashboard")))
    form = ConsentForm()
    if form.validate_on_submit():
        operations.record_consent(current_user, current.version, current_language())
        db.session.commit()
        flash(_("Thank you. Your consent to the privacy notice is recorded."), "success")
        return redirect(safe_next(url_for("main.dashboard")))
    return render_template(
        "privacy/consent.html",
        form=form,
        notice=current,
        fill=notices.fill,
        first_time=current_user.privacy_version is None,
    )


@bp.route("/account/data")
@roles_required(Role.OWNER)
def my_data() -> ResponseReturnValue:
    return render_template("privacy/my_data.html", form=CloseAccountForm())


@bp.route("/account/data.zip")
@roles_required(Role.OWNER)
def download() -> ResponseReturnValue:
    export = OwnerExport(current_user, current_language())
    return send_file(
        export.write(),
        mimetype="application/zip",
        as_attachment=True,
        download_name=export.filename(),
        max_age=0,
    )


@bp.route("/account/close", methods=["POST"])
@performs("account.close")
def close_account() -> ResponseReturnValue:
    form = CloseAccountForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors = [_("This is not your password.")]
        else:
            closure = operations.close_account(current_user._get_current_object())
            db.session.commit()
            operations.remove_files(closure.files)
            logout_user()
            flash(_("Your account is closed and your personal data has been deleted."), "success")
            return redirect(url_for("main.home"))
    return render_template("privacy/my_data.html", form=form)
