"""Texts of claiming, by error code."""

from flask_babel import lazy_gettext as _l

ERRORS = {
    "unknown": _l("This code is not known. Check the slip and type the code again."),
    "used": _l(
        "This code has already been used: the record belongs to the account that claimed it. "
        "If that is you, sign in with that account."
    ),
    "already_yours": _l("You have already claimed this record: it is in your account."),
    "wrong_answer": _l(
        "The answer does not match the record. Check it, or ask the helper who made the record."
    ),
    "not_owner": _l(
        "Only a personal account can claim a record. Sign out and sign in with your own account."
    ),
    "not_claimable": _l("This record cannot be claimed. Ask the province's staff for help."),
    "no_claim": _l("Start by typing the code on your slip."),
}
