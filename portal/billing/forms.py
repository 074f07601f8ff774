"""Forms for paying, cancelling, refunding and the money report's period."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class PayForm(FlaskForm):
    """The card is tokenised by Stripe.js in the browser; only the token reaches the portal."""

    card_token = HiddenField(
        validators=[
            DataRequired(_l("Enter your card details.")),
            Length(max=100),
            Regexp(r"^tok_\w+$", message=_l("Enter your card details.")),
        ]
    )


class ConfirmForm(FlaskForm):
    """A confirmation button that only needs the CSRF token."""


class PeriodForm(FlaskForm):
    """The report's period (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
