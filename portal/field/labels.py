"""Translated messages of the field teams."""

from flask_babel import lazy_gettext as _l

from portal.failures import Code


class FieldRefusal(Code):
    """Why the server refused a record (operations.FieldError), shown on the helper's phone."""

    BAD_ID = "bad_id", _l("This record's id is not valid or belongs to another record.")
    BAD_RECORD = "bad_record", _l("This record is incomplete or damaged (%(field)s).")
    NOT_YOUR_COMMUNE = (
        "not_your_commune",
        _l("This commune is not one of yours: ask the province's staff."),
    )
    NO_CONSENT = "no_consent", _l("The household's consent to the privacy notice is missing.")
    UNKNOWN_QUESTIONNAIRE = (
        "unknown_questionnaire",
        _l("The portal no longer has questionnaire %(questionnaire)s version %(version)s."),
    )
    BAD_ANSWER = "bad_answer", _l("An answer is not valid (question %(question)s).")
    MISSING_ANSWERS = (
        "missing_answers",
        _l("Some questions still need an answer (question %(question)s)."),
    )
    BAD_BATCH = "bad_batch", _l("Too many records at once (at most %(limit)s).")
    DECIDED = "decided", _l("This proposed match has already been merged or dismissed.")
    CLAIMED = (
        "claimed",
        _l(
            "The household has already claimed its field record into an account: it cannot be "
            "merged any more."
        ),
    )
    HAS_HISTORY = (
        "has_history",
        _l(
            "The field record already has its own classes, listing paths, payments or alerts: "
            "merging would lose them."
        ),
    )
    MOVED = "moved", _l("The household already in the portal has moved to another province.")
