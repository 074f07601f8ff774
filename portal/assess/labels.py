"""Translated messages of the assessment feature."""

from flask_babel import lazy_gettext as _l

from portal.failures import Code

#: Why a business answers the questionnaire it gets (see questionnaires.choose).
REASONS = {
    "enterprise": _l("Enterprises answer the enterprise questionnaire."),
    "cooperative": _l("Cooperatives answer the enterprise questionnaire."),
    "household": _l("Households answer the short household questionnaire."),
    "family_business": _l(
        "This household business is run by the family alone, so it answers the short household "
        "questionnaire."
    ),
    "employing_business": _l(
        "This household business has employees, so it answers the enterprise questionnaire. If "
        "only the family works in it, change its size to “Family only” to get the short "
        "household questionnaire."
    ),
}

#: Messages for assessments.AnswerError codes; params are filled in by the view.
ANSWER_ERRORS = {
    "required": _l("Please answer this question."),
    "unknown_option": _l("Please choose one of the answers shown."),
    "too_many_choices": _l("Please choose only one answer."),
    "exclusive_conflict": _l("“%(option)s” cannot be chosen together with other answers."),
    # "first" and "second" are numbers written the page's way ("1.000", "2,5" in Vietnamese).
    "not_a_number": _l("Please write a number like %(first)s or %(second)s."),
    "not_a_number_did_you_mean": _l("Please write the number as %(first)s."),
    "ambiguous_number": _l(
        "“%(value)s” can be read two ways: please write %(first)s or %(second)s."
    ),
    "number_too_long": _l("This number has too many digits."),
    "not_an_integer": _l("Please enter a whole number."),
    "out_of_range": _l("Please enter a number from %(min)s to %(max)s."),
}
UNKNOWN_ANSWER_ERROR = _l("This answer could not be saved.")


class AssessCode(Code):
    """Refusals of assessment actions (operations.AssessError), each with its message."""

    NOT_DRAFT = "not_draft", _l(
        "This assessment has already been submitted; it can no longer change."
    )
    #: What a save that came after the submission is told (not raised; shown for NOT_DRAFT).
    NOT_SAVED_SUBMITTED = "not_saved_submitted", _l(
        "Not saved: this assessment has already been submitted and can no longer change."
    )
    MISSING_ANSWERS = "missing_answers", _l("Some questions still need an answer.")
    NOT_ALLOWED = "not_allowed", _l(
        "Only the owner, or a trainer or staff member helping a household, can "
        "fill in this assessment."
    )


#: What each level (0-5, the same in every questionnaire) means, in one plain line.
LEVEL_MEANINGS = {
    0: _l("You do not use digital tools for your work yet."),
    1: _l("You have made a start: a few digital tools, used now and then."),
    2: _l("You use digital tools for part of your work; selling and getting paid online are new."),
    3: _l("Digital tools are part of your everyday work; a few areas still need work."),
    4: _l("You use digital tools well in most of your work."),
    5: _l("You lead the way: others can learn from how you work with digital tools."),
}
