"""Forms for personal data: agreeing to a new notice, closing the account."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from portal.forms import PortalForm


class ConsentForm(PortalForm):
    consent = BooleanField(
        _l("I have read the privacy notice and agree to my data being processed as it says."),
        validators=[DataRequired(_l("Tick the box to agree to the privacy notice."))],
    )


class CloseAccountForm(PortalForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password to close the account."))],
    )
    understood = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
