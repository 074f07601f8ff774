"""Forms for accounts: the fields of a new account, sign-in, passwords, language."""

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.extensions import db
from portal.forms import PortalForm, strip_filter, validate_phone

MIN_PASSWORD = 10


def lower_filter(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class StrongPassword:
    """Refuse a guessable password, looking for the account's own name and contacts too.

    A view may set ``form.account_words`` (the reset form knows its account only that way).
    """

    def __call__(self, form: Any, field: Any) -> None:
        if len(field.data or "") < MIN_PASSWORD:
            return  # the length message says enough
        personal = [getattr(form, n).data for n in ("name", "email", "phone") if hasattr(form, n)]
        personal += getattr(form, "account_words", [])
        if current_user and current_user.is_authenticated:
            personal += [current_user.name, current_user.email, current_user.phone]
        problem = password_problem(field.data or "", personal)
        if problem is not None:
            raise ValidationError(str(problem))


def new_password_field(label: Any) -> PasswordField:
    return PasswordField(
        label,
        # Told before the first try, next to the field (the form macro ties it with
        # aria-describedby): the length, and what password_problem refuses.
        description=_l(
            "At least %(num)d characters and hard to guess: not your name, phone number or a "
            "date, not a common password, no runs like 123456 or qwerty. A few unrelated words "
            "are easy to remember and hard to guess.",
            num=MIN_PASSWORD,
        ),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD,
                max=128,
                message=_l("A password needs at least %(num)d characters.", num=MIN_PASSWORD),
            ),
            StrongPassword(),
        ],
    )


def confirm_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class AccountFieldsMixin:
    """Name, contact and password of a new account."""

    name = StringField(
        _l("Full name"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter your full name.")),
            Length(max=120, message=_l("Keep the name under 120 characters.")),
        ],
    )
    email = EmailField(
        _l("Email"),
        filters=[lower_filter],
        validators=[
            Optional(),
            Email(message=_l("Enter an email address such as ten@example.vn.")),
            Length(max=254, message=_l("This email address is too long.")),
        ],
    )
    phone = StringField(
        _l("Phone number"),
        filters=[strip_filter],
        validators=[Optional(), validate_phone],
    )
    password = new_password_field(_l("Password"))
    confirm = confirm_field()

    def validate_email(self, field: Any) -> None:
        if field.data and db.session.scalar(sa.select(User.id).where(User.email == field.data)):
            raise ValidationError(_l("An account with this email already exists. Sign in instead."))

    def validate_phone(self, field: Any) -> None:
        if field.data and db.session.scalar(sa.select(User.id).where(User.phone == field.data)):
            raise ValidationError(_l("An account with this phone number already exists."))

    def validate(self, extra_validators: Any = None) -> bool:
        # A mixin: the form it is mixed into (a PortalForm) has validate(); object has not.
        ok = super().validate(extra_validators)  # type: ignore[misc]
        if not (self.email.data or self.phone.data):
            self.email.errors = [
                *self.email.errors,
                _l("Give an email address or a phone number, so you can sign in."),
            ]
            return False
        return ok


class LoginForm(PortalForm):
    login = StringField(
        _l("Email or phone number"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter your email or phone number."))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ChangePasswordForm(PortalForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    password = new_password_field(_l("New password"))
    confirm = confirm_field()


class ResetRequestForm(PortalForm):
    login = StringField(
        _l("Email or phone number"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter your email or phone number."))],
    )


class ResetPasswordForm(PortalForm):
    password = new_password_field(_l("New password"))
    confirm = confirm_field()
