"""Writes for accounts. Each function flushes; the view commits."""

import logging
from functools import cache

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from portal import signals
from portal.auth.models import Role, User, password_hash_method
from portal.extensions import db
from portal.forms import normalize_phone
from portal.mail import send_mail
from portal.urls import external_url

log = logging.getLogger(__name__)


def create_user(
    *,
    name: str,
    password: str,
    role: Role,
    email: str | None = None,
    phone: str | None = None,
    province_code: int | None = None,
    locale: str | None = None,
    created_by: User | None = None,
    consented: bool = False,
) -> User:
    """Create an account with a hashed password.

    ``consented``: the person agreed to the privacy notice in force as the account was made
    (registration asks); the privacy feature records it (``signals.account_created``). Other
    accounts are asked at their first sign-in.
    """
    user = User(
        name=name,
        email=email or None,
        phone=phone or None,
        role=role,
        province_code=province_code if role in (Role.TRAINER, Role.STAFF) else None,
        locale=locale,
        created_by_id=created_by.id if created_by else None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    log.info("user %s created with role %s", user.id, role)
    # The privacy feature records the consent given with it.
    signals.account_created.send(user, consented=consented, locale=locale)
    return user


def authenticate(login: str, password: str) -> User | None:
    """Return the active account these credentials open, or None.

    An unknown login costs the same password hashing as a known one, so the time a sign-in
    takes does not tell whether an account exists.
    """
    user = find_user_by_login(login)
    if user is None:
        check_password_hash(_decoy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def _decoy_hash() -> str:
    """A hash as costly to check as a real account's (no timing tells whether it exists)."""
    return _decoy_for(password_hash_method())


@cache
def _decoy_for(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def end_sessions(user: User) -> None:
    """Sign the account out everywhere: every copied cookie stops working."""
    user.end_all_sessions()
    db.session.flush()


def find_user_by_login(login: str) -> User | None:
    """Return the account whose email or phone is ``login``."""
    login = login.strip()
    if "@" in login:
        return db.session.scalar(sa.select(User).where(User.email == login.lower()))
    return db.session.scalar(sa.select(User).where(User.phone == normalize_phone(login)))


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every session of the account (the view signs this one in)."""
    user.set_password(new_password)
    user.end_all_sessions()
    db.session.flush()
    log.info("user %s changed their password", user.id)


def set_locale(user: User | None, locale: str) -> None:
    """Remember the language on the account (the session keeps it too)."""
    if user is not None:
        user.locale = locale
        db.session.flush()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The hash fragment makes the link stop working once the password has changed.
    return _reset_serializer().dumps({"uid": user.id, "h": user.password_hash[-12:]})


def user_for_reset_token(token: str) -> User | None:
    """Return the account a reset link belongs to, or None if it is invalid or expired."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except BadSignature:
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash[-12:] != data.get("h"):
        return None
    return user


def send_password_reset(user: User) -> None:
    """Send the reset link by mail (in development the console mail backend prints it).

    The link is a secret: it is never logged, and its address is the configured public one.
    """
    if not user.email:
        log.info("password reset asked for user %s, who has no e-mail", user.id)
        return
    link = external_url("auth.reset_password", token=make_reset_token(user))
    log.info("password reset mail sent to user %s", user.id)
    send_mail(
        _("Reset your password"),
        render_template("auth/email/reset_password.txt", user=user, link=link),
        [user.email],
    )
