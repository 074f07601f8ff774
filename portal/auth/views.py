"""Sign in and out, passwords, language (an owner signs up in businesses/registration.py)."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth import operations
from portal.auth.forms import (
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from portal.auth.models import Role
from portal.extensions import db, limiter
from portal.forms import filled
from portal.permissions import performs

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(default: str) -> str:
    """Return the ?next= target if it stays on this site."""
    target = request.args.get("next", "")
    if not target.isprintable() or "\\" in target:
        return default  # CR/LF would split the Location header; "\\" reads as "/" in browsers
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["ACCOUNT_RATE_LIMIT"]


def _per_account() -> str:
    """Count attempts on one account whoever makes them (ProxyFix gives the real address)."""
    login = (request.form.get("login") or "").strip().lower()[:254]
    return "account:" + login


# Two counters: per client address (one client guessing many accounts) and per account (many
# addresses guessing one), so nobody behind the same proxy locks everybody else out.
@bp.route("/login", methods=["GET", "POST"])
@performs("account.access")
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_per_account, methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(filled(form.login), filled(form.password))
        if user is None:
            form.password.errors = [_("The email/phone or the password is not right.")]
        else:
            login_user(user, remember=form.remember.data)
            if user.locale:
                session["locale"] = user.locale
            flash(_("You are signed in."), "success")
            # A trainer's day starts from their teaching schedule.
            home = "training.trainer_home" if user.role == Role.TRAINER else "main.dashboard"
            return redirect(_safe_next(url_for(home)))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@performs("account.own")
def logout() -> ResponseReturnValue:
    # CSRFProtect has already checked the token of this POST. Signing out ends every session
    # of the account, so a copied cookie is worthless too.
    operations.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password", methods=["GET", "POST"])
@performs("account.own")
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors = [_("This is not your current password.")]
        else:
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            remembered = cookie in request.cookies
            operations.change_password(current_user, filled(form.password))
            db.session.commit()
            # Every other device is signed out; this one goes on with the new session version.
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Your password has been changed. Other devices are signed out."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@performs("account.access")
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_per_account, methods=["POST"])
def request_reset() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = operations.find_user_by_login(filled(form.login))
        if user is not None and user.active:
            operations.send_password_reset(user)
        # The same answer whether or not the account exists, so nobody can probe for accounts.
        flash(
            _(
                "If an account matches, we have sent it a link to choose a new password. "
                "Accounts with only a phone number: ask your commune or province officer."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@performs("account.access")
def reset_password(token: str) -> ResponseReturnValue:
    user = operations.user_for_reset_token(token)
    if user is None:
        flash(_("This link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("auth.request_reset"))
    form = ResetPasswordForm()
    form.account_words = [user.name, user.email, user.phone]
    if form.validate_on_submit():
        operations.change_password(user, filled(form.password))
        db.session.commit()
        flash(_("Your new password is set. You can sign in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/language/<lang>", methods=["POST"])
@performs("account.access")
def set_language(lang: str) -> ResponseReturnValue:
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang
        if current_user.is_authenticated:
            operations.set_locale(current_user, lang)
            db.session.commit()
    return redirect(_safe_next(url_for("main.home")))
