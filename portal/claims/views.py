"""Claiming a record: /claim (or /claim/<code> from the slip's QR), the check, sign in or a
new account, and the confirmation that moves the business to the person.

The code and whether its check was passed live in the session, so they survive the round trip
through signing in or creating an account.
"""

from __future__ import annotations

from typing import Any

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
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal import geo
from portal.auth.models import Role
from portal.auth.operations import create_user
from portal.claims import codes, operations
from portal.claims.forms import CheckForm, ClaimAccountForm, CodeForm
from portal.claims.labels import ClaimRefusal
from portal.claims.models import ClaimCode
from portal.extensions import db, limiter
from portal.forms import filled
from portal.i18n import current_language
from portal.permissions import performs

bp = Blueprint("claims", __name__, url_prefix="/claim")

SESSION_KEY = "claim"


def _check_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["ACCOUNT_RATE_LIMIT"]


def _per_code() -> str:
    """Count checks of one code whoever makes them: guessing a commune from many addresses."""
    return "claim:" + (codes.normalize(request.form.get("code")) or "?")


def _pending() -> dict[str, Any] | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, dict) and value.get("checked") else None


def _communes(row: ClaimCode) -> list[tuple[int, str]]:
    return [(int(c.code), c.name) for c in geo.communes(row.business.province_code)]


def _check_page(row: ClaimCode, form: CheckForm | None = None, status: int = 200) -> Any:
    kind, _answer = operations.expected_answer(row)
    if form is None:
        form = CheckForm(formdata=None, code=row.code)
    form.setup(kind == "phone", _communes(row) if kind == "commune" else [])
    return (
        render_template(
            "claims/check.html", form=form, row=row, code=codes.grouped(row.code), kind=kind
        ),
        status,
    )


@bp.route("", methods=["GET", "POST"])
@bp.route("/<code>", methods=["GET"], endpoint="start_with_code")
@performs("claim.check")
@limiter.limit(_check_limit, methods=["POST"])
@limiter.limit(_code_limit, key_func=_per_code, methods=["POST"])
def start(code: str | None = None) -> Any:
    """Type the slip's code (or arrive with it from the QR), then answer the check."""
    typed = request.form.get("code") if request.method == "POST" else code
    form = CodeForm(formdata=None, code=typed) if code else CodeForm()
    if typed is None or (request.method == "POST" and not form.validate()):
        return render_template("claims/start.html", form=form)
    row = operations.find_code(typed)
    if row is None or row.is_claimed:
        refusal = ClaimRefusal.USED if row is not None else ClaimRefusal.UNKNOWN
        form.code.errors = [refusal.message]
        return render_template("claims/start.html", form=form), 200 if code else 422
    if request.method == "GET" or "answer" not in request.form:
        return _check_page(row)
    kind, _answer = operations.expected_answer(row)
    check = CheckForm()
    check.setup(kind == "phone", _communes(row) if kind == "commune" else [])
    if not check.validate():
        return _check_page(row, check, 422)
    answer = check.phone.data if kind == "phone" else check.commune.data
    try:
        operations.check(row.code, answer)
    except operations.ClaimError as error:
        target = check.phone if kind == "phone" else check.commune
        target.errors = [error.message]
        return _check_page(row, check, 422)
    session[SESSION_KEY] = {"code": row.code, "checked": True}
    return redirect(url_for("claims.confirm_page"))


@bp.route("/confirm", methods=["GET"])
@performs("claim.check")
def confirm_page() -> Any:
    """Say what will be claimed; ask a visitor to sign in or create an account first."""
    pending = _pending()
    row = operations.find_code(pending["code"]) if pending else None
    if row is None:
        flash(ClaimRefusal.NO_CLAIM.message, "info")
        return redirect(url_for("claims.start"))
    if row.is_claimed:
        session.pop(SESSION_KEY, None)
        mine = current_user.is_authenticated and row.claimed_by_user_id == current_user.id
        refusal = ClaimRefusal.ALREADY_YOURS if mine else ClaimRefusal.USED
        flash(refusal.message, "info" if mine else "error")
        return redirect(url_for("main.dashboard" if mine else "claims.start"))
    account = ClaimAccountForm(formdata=None)
    return render_template("claims/confirm.html", row=row, account=account)


@bp.route("/confirm", methods=["POST"])
@performs("claim.confirm")
def confirm() -> Any:
    pending = _pending()
    if pending is None:
        flash(ClaimRefusal.NO_CLAIM.message, "info")
        return redirect(url_for("claims.start"))
    try:
        business = operations.claim(pending["code"], current_user)
    except operations.ClaimError as error:
        db.session.rollback()
        if error.code != "not_owner":
            session.pop(SESSION_KEY, None)
        flash(error.message, "info" if error.code == "already_yours" else "error")
        if error.code == "already_yours":
            return redirect(url_for("main.dashboard"))
        return redirect(url_for("claims.start"))
    db.session.commit()
    session.pop(SESSION_KEY, None)
    flash(_("%(name)s is now in your account.", name=business.name), "success")
    return redirect(url_for("businesses.show_business", business_id=business.id))


@bp.route("/account", methods=["POST"])
@performs("account.access")
def create_account() -> Any:
    """A new personal account for the claimant, then back to the confirmation."""
    pending = _pending()
    row = operations.find_code(pending["code"]) if pending else None
    if row is None or current_user.is_authenticated:
        return redirect(url_for("claims.confirm_page"))
    account = ClaimAccountForm()
    if not account.validate():
        return render_template("claims/confirm.html", row=row, account=account), 422
    user = create_user(
        name=filled(account.name),
        email=account.email.data or None,
        phone=account.phone.data or None,
        password=filled(account.password),
        role=Role.OWNER,
        locale=current_language(),
        consented=True,
    )
    db.session.commit()
    login_user(user)
    session[SESSION_KEY] = pending  # login_user keeps the session; said again for clarity
    flash(_("Your account is ready. Confirm the claim below."), "success")
    return redirect(url_for("claims.confirm_page"))
