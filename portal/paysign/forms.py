"""The payment-sign form: bank, account, holder's name, optional fixed amount and message."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import MONEY_UNITS, LocaleIntegerField, PortalForm, strip_filter
from portal.paysign import vietqr
from portal.paysign.banks import Bank, find_bank

#: NAPAS 247's ceiling for one transfer; a sign asking for more could never be paid.
MAX_TRANSFER_VND = 499_999_999


class PaymentSignForm(PortalForm):
    bank = StringField(
        _l("Bank"),
        filters=[strip_filter],
        description=_l("Type a few letters of the bank's name and choose it from the list."),
        validators=[
            InputRequired(_l("Choose the bank of the account.")),
            Length(max=200, message=_l("Choose the bank of the account.")),
        ],
    )
    account_number = StringField(
        _l("Account number"),
        filters=[strip_filter],
        validators=[
            InputRequired(_l("Enter the account number.")),
            Length(max=40, message=_l("An account number has 6 to 19 letters or digits.")),
        ],
    )
    account_name = StringField(
        _l("Account holder's name"),
        filters=[strip_filter],
        description=_l(
            "As the bank shows it, for example NGUYEN THI HOA: customers check it before paying."
        ),
        validators=[
            InputRequired(_l("Enter the account holder's name.")),
            Length(max=200, message=_l("Keep the name to at most 70 characters.")),
        ],
    )
    amount_vnd = LocaleIntegerField(
        _l("Fixed amount in VND (optional)"),
        units=MONEY_UNITS,
        description=_l("Leave empty so that customers type the amount themselves."),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_TRANSFER_VND,
                message=_l("Enter an amount from 1 to 499,999,999 VND, or leave it empty."),
            ),
        ],
    )
    message = StringField(
        _l("Transfer message (optional)"),
        filters=[strip_filter],
        description=_l(
            "At most 25 letters and digits, for example “Tien hang”. Banking apps show it "
            "without diacritics."
        ),
        validators=[
            Optional(),
            Length(max=100, message=_l("Keep the message to 25 letters and digits.")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Set by validation: the bank chosen, and the values as they go into the sign.
        self.chosen_bank: Bank | None = None
        self.clean_account_number = ""
        self.clean_account_name = ""
        self.clean_message = ""

    def validate_bank(self, field: Any) -> None:
        self.chosen_bank = find_bank(field.data or "")
        if self.chosen_bank is None:
            raise ValidationError(
                _l(
                    "“%(bank)s” is not in the list of banks: choose one from the list.",
                    bank=field.data,
                )
            )

    def validate_account_number(self, field: Any) -> None:
        account = vietqr.clean_account_number(field.data or "")
        if vietqr.account_number_problem(account):
            raise ValidationError(_l("An account number has 6 to 19 letters or digits."))
        self.clean_account_number = account

    def validate_account_name(self, field: Any) -> None:
        name = vietqr.clean_account_name(field.data or "")
        if not any(c.isalpha() for c in name):
            raise ValidationError(_l("Enter the account holder's name."))
        if len(name) > vietqr.NAME_MAX:
            raise ValidationError(_l("Keep the name to at most 70 characters."))
        self.clean_account_name = name

    def validate_message(self, field: Any) -> None:
        message = vietqr.clean_message(field.data or "")
        if len(message) > vietqr.MESSAGE_MAX:
            raise ValidationError(_l("Keep the message to 25 letters and digits."))
        self.clean_message = message
