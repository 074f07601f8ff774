"""Forms of claiming: the slip's code, the check, and a new account for the claimant."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from portal.auth.forms import AccountFieldsMixin
from portal.forms import PortalForm, strip_filter, validate_phone


class CodeForm(PortalForm):
    code = StringField(
        _l("Code on your slip"),
        filters=[strip_filter],
        description=_l("8 or 10 letters and digits, for example ABCD-EFGH."),
        validators=[DataRequired(_l("Type the code printed on your slip."))],
    )


class CheckForm(PortalForm):
    """The check asked of whoever holds the code: the record's phone, else its commune."""

    code = HiddenField()
    phone = StringField(
        _l("The phone number given for the household"),
        filters=[strip_filter],
        validators=[Optional(), validate_phone],
    )
    commune = SelectField(_l("Commune or ward of the household"), coerce=int, validate_choice=False)

    def setup(self, asks_phone: bool, communes: list[tuple[int, str]]) -> None:
        if asks_phone:
            self.phone.validators = [
                DataRequired(_l("Type the phone number given for the household.")),
                validate_phone,
            ]
            del self.commune
        else:
            self.commune.choices = [(0, _l("Choose…")), *communes]
            del self.phone

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.commune is not None and not self.commune.data:
            self.commune.errors = [_l("Choose the commune or ward.")]
            return False
        return ok


class ClaimAccountForm(AccountFieldsMixin, PortalForm):
    """A new personal account, for someone claiming a record who has none."""

    consent = BooleanField(
        _l("I have read the privacy notice and agree to my data being processed as it says."),
        validators=[DataRequired(_l("Tick the box to agree to the privacy notice."))],
    )
