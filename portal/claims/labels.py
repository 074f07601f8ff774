"""Texts of claiming, by refusal code."""

from flask_babel import lazy_gettext as _l

from portal.failures import Code


class ClaimRefusal(Code):
    """Refusals of claiming (operations.ClaimError), each with its message."""

    UNKNOWN = "unknown", _l("This code is not known. Check the slip and type the code again.")
    USED = "used", _l(
        "This code has already been used: the record belongs to the account that claimed it. "
        "If that is you, sign in with that account."
    )
    ALREADY_YOURS = "already_yours", _l(
        "You have already claimed this record: it is in your account."
    )
    WRONG_ANSWER = "wrong_answer", _l(
        "The answer does not match the record. Check it, or ask the helper who made the record."
    )
    NOT_OWNER = "not_owner", _l(
        "Only a personal account can claim a record. Sign out and sign in with your own account."
    )
    NOT_CLAIMABLE = "not_claimable", _l(
        "This record cannot be claimed. Ask the province's staff for help."
    )
    #: Not raised: what the confirmation pages say when nothing is being claimed.
    NO_CLAIM = "no_claim", _l("Start by typing the code on your slip.")
