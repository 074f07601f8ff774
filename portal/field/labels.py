"""Translated messages of the field teams."""

from flask_babel import lazy_gettext as _l

#: Why the server refused a record (operations.FieldError codes), shown on the helper's phone.
REFUSALS = {
    "bad_id": _l("This record's id is not valid or belongs to another record."),
    "bad_record": _l("This record is incomplete or damaged (%(field)s)."),
    "not_your_commune": _l("This commune is not one of yours: ask the province's staff."),
    "no_consent": _l("The household's consent to the privacy notice is missing."),
    "unknown_questionnaire": _l(
        "The portal no longer has questionnaire %(questionnaire)s version %(version)s."
    ),
    "bad_answer": _l("An answer is not valid (question %(question)s)."),
    "missing_answers": _l("Some questions still need an answer (question %(question)s)."),
    "bad_batch": _l("Too many records at once (at most %(limit)s)."),
}
