"""Forms for the course catalog, cohorts, sessions, enrolment, group assignment and
certificate withdrawal."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from assessments.recommend import load_rules
from portal import geo
from portal.forms import (
    MONEY_UNITS,
    PERCENT,
    ChoiceField,
    DayField,
    DayTimeField,
    LocaleIntegerField,
    PortalForm,
    int_or_none,
    select_choices,
    strip_filter,
)
from portal.i18n import current_language
from portal.labels import KIND_LABELS, SECTOR_LABELS, choices
from portal.training.labels import AUDIENCE_LABELS, FORMAT_LABELS
from portal.training.models import CourseFormat

NEEDS_VENUE = {CourseFormat.IN_PERSON, CourseFormat.BLENDED}
NEEDS_LINK = {CourseFormat.ONLINE, CourseFormat.BLENDED}


class OptionalChoiceField(ChoiceField):
    """A select that may be left on its placeholder."""

    def pre_validate(self, form: Any) -> None:
        if self.data not in (None, ""):
            super().pre_validate(form)


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("choices") is not None:
            kwargs["choices"] = select_choices(kwargs["choices"])
        super().__init__(*args, **kwargs)

    def set_choices(self, pairs: Any) -> None:
        self.choices = select_choices(pairs)


def topic_choices() -> list[tuple[str, str]]:
    rules, lang = load_rules(), current_language()
    return [(topic, rules.topic_name(topic, lang)) for topic in rules.topics]


def dimension_choices() -> list[tuple[str, str]]:
    """Every assessment dimension; a shared id shows both questionnaires' names."""
    rules, lang = load_rules(), current_language()
    result = []
    for dim in rules.all_dimensions():
        names = dict.fromkeys(
            dims[dim].get(lang) for dims in rules.dimensions.values() if dim in dims
        )
        result.append((dim, " / ".join(names)))
    return result


def commune_choices(province_code: int | None, head: Any) -> list[tuple[Any, Any]]:
    return [("", head)] + [(int(w.code), w.name) for w in geo.communes(province_code)]


class CourseForm(PortalForm):
    title_vi = StringField(
        _l("Title in Vietnamese"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter the title in Vietnamese.")), Length(max=200)],
    )
    title_en = StringField(
        _l("Title in English"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter the title in English.")), Length(max=200)],
    )
    description_vi = TextAreaField(_l("Description in Vietnamese"), filters=[strip_filter])
    description_en = TextAreaField(_l("Description in English"), filters=[strip_filter])
    topic = ChoiceField(
        _l("Topic"),
        invalid_message=_l("Choose the course's topic."),
        description=_l("Recommendations after an assessment match courses by topic."),
    )
    dimensions = CheckboxesField(_l("Dimensions the course strengthens"))
    audience = ChoiceField(
        _l("Audience"),
        choices=[("", _l("Choose an audience"))] + choices(AUDIENCE_LABELS),
        invalid_message=_l("Choose who the course is for."),
    )
    sectors = CheckboxesField(
        _l("Sectors"),
        choices=choices(SECTOR_LABELS),
        description=_l("Leave all unticked if the course suits every sector."),
    )
    format = ChoiceField(
        _l("Format"),
        choices=[("", _l("Choose a format"))] + choices(FORMAT_LABELS),
        invalid_message=_l("Choose how the course is given."),
    )
    duration_hours = LocaleIntegerField(
        _l("Duration (hours)"),
        validators=[
            InputRequired(_l("Enter the duration in hours.")),
            NumberRange(min=1, max=1000, message=_l("Enter a number of hours from 1 to 1000.")),
        ],
    )
    fee_vnd = LocaleIntegerField(
        _l("Fee (VND)"),
        units=MONEY_UNITS,
        default=0,
        description=_l("0 for a free course."),
        validators=[
            InputRequired(_l("Enter the fee, or 0 for a free course.")),
            NumberRange(min=0, max=1_000_000_000, message=_l("Enter a fee of 0 or more.")),
        ],
    )
    prerequisites_vi = TextAreaField(_l("Prerequisites in Vietnamese"), filters=[strip_filter])
    prerequisites_en = TextAreaField(_l("Prerequisites in English"), filters=[strip_filter])
    min_attendance_pct = LocaleIntegerField(
        _l("Attendance needed to complete (%)"),
        units=PERCENT,
        default=80,
        validators=[
            InputRequired(_l("Enter the share of sessions to attend.")),
            NumberRange(min=1, max=100, message=_l("Enter a percentage from 1 to 100.")),
        ],
    )
    requires_check = BooleanField(_l("Participants must also pass a short check"))
    active = BooleanField(_l("Shown in the catalog"), default=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topic.set_choices([("", _l("Choose a topic"))] + topic_choices())
        self.dimensions.set_choices(dimension_choices())

    def course_data(self) -> dict[str, Any]:
        data = {
            name: self[name].data
            for name in (
                "title_vi",
                "title_en",
                "description_vi",
                "description_en",
                "topic",
                "duration_hours",
                "fee_vnd",
                "prerequisites_vi",
                "prerequisites_en",
                "min_attendance_pct",
                "requires_check",
                "active",
            )
        }
        for name in ("description_vi", "description_en", "prerequisites_vi", "prerequisites_en"):
            data[name] = data[name] or ""
        data["dimensions"] = list(self.dimensions.data or [])
        data["sectors"] = list(self.sectors.data or [])
        data["audience"] = self.audience.data
        data["format"] = CourseFormat(self.format.data)
        return data


class CohortForm(PortalForm):
    trainer = OptionalChoiceField(
        _l("Trainer"), coerce=int_or_none, invalid_message=_l("Choose a trainer of the province.")
    )
    commune = OptionalChoiceField(
        _l("Commune or ward of the venue"),
        coerce=int_or_none,
        invalid_message=_l("Choose a commune or ward of the province."),
    )
    venue = StringField(
        _l("Venue (place and address)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=300)],
    )
    online_link = StringField(
        _l("Link to the online class"),
        filters=[strip_filter],
        validators=[
            Optional(),
            URL(message=_l("Enter a full web address (https://…).")),
            Length(max=500),
        ],
    )
    capacity = LocaleIntegerField(
        _l("Places"),
        validators=[
            InputRequired(_l("Enter the number of places.")),
            NumberRange(min=1, max=10_000, message=_l("Enter at least 1 place.")),
        ],
    )
    enrolment_deadline = DayField(
        _l("Enrolment deadline"),
        validators=[InputRequired(_l("Enter the last day to enrol."))],
    )

    def __init__(
        self,
        *args: Any,
        course_format: CourseFormat,
        province_code: int,
        trainers: list,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.course_format = course_format
        self.trainer.set_choices([("", _l("No trainer yet"))] + [(t.id, t.name) for t in trainers])
        self.commune.set_choices(commune_choices(province_code, _l("Choose a commune or ward")))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.course_format in NEEDS_VENUE:
            if not self.commune.data:
                self.commune.errors = [
                    *self.commune.errors,
                    _l("An in-person course needs the venue's commune."),
                ]
                ok = False
            if not self.venue.data:
                self.venue.errors = [*self.venue.errors, _l("Enter where the class meets.")]
                ok = False
        if self.course_format in NEEDS_LINK and not self.online_link.data:
            self.online_link.errors = [
                *self.online_link.errors,
                _l("An online course needs the class link."),
            ]
            ok = False
        return ok

    def cohort_data(self) -> dict[str, Any]:
        return {
            "trainer_id": self.trainer.data,
            "commune_code": self.commune.data if self.course_format in NEEDS_VENUE else None,
            "venue": self.venue.data or "",
            "online_link": self.online_link.data or "",
            "capacity": self.capacity.data,
            "enrolment_deadline": self.enrolment_deadline.data,
        }


class NewCohortForm(CohortForm):
    """A cohort and its sessions: the first one, and how many follow at a fixed interval."""

    first_session = DayTimeField(
        _l("First session (date and time)"),
        validators=[InputRequired(_l("Enter the date and time of the first session."))],
    )
    session_count = LocaleIntegerField(
        _l("Number of sessions"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    days_between = LocaleIntegerField(
        _l("Days between sessions"),
        default=7,
        validators=[InputRequired(), NumberRange(min=1, max=60)],
    )
    session_minutes = LocaleIntegerField(
        _l("Length of a session (minutes)"),
        default=120,
        validators=[InputRequired(), NumberRange(min=15, max=600)],
    )


class SessionForm(PortalForm):
    """Add a session, or reschedule one (the same two fields)."""

    starts_at = DayTimeField(
        _l("Date and time"),
        validators=[InputRequired(_l("Enter the date and time of the session."))],
    )
    duration_minutes = LocaleIntegerField(
        _l("Length (minutes)"),
        default=120,
        validators=[
            InputRequired(_l("Enter the length of the session in minutes.")),
            NumberRange(min=15, max=600, message=_l("Enter a length from 15 to 600 minutes.")),
        ],
    )


class WithdrawCertificateForm(PortalForm):
    reason = TextAreaField(
        _l("Reason for withdrawing the certificate"),
        filters=[strip_filter],
        description=_l(
            "The owner sees this reason on their training page; the public verification page "
            "only says that the certificate was withdrawn."
        ),
        validators=[
            DataRequired(_l("Enter the reason for withdrawing the certificate.")),
            Length(max=500, message=_l("Keep the reason to 500 characters or fewer.")),
        ],
    )


class EnrolForm(PortalForm):
    business = ChoiceField(
        _l("Business to enrol"),
        coerce=int_or_none,
        invalid_message=_l("Choose one of your businesses."),
    )


class ActionForm(PortalForm):
    """A button that only needs the CSRF token."""


class GroupFilterForm(PortalForm):
    """Pick businesses for an assignment (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    commune = OptionalChoiceField(_l("Commune or ward"), coerce=int_or_none)
    sector = OptionalChoiceField(
        _l("Sector"), choices=[("", _l("All sectors"))] + choices(SECTOR_LABELS)
    )
    kind = OptionalChoiceField(_l("Kind"), choices=[("", _l("All kinds"))] + choices(KIND_LABELS))
    max_level = OptionalChoiceField(
        _l("Latest level at most"),
        coerce=int_or_none,
        choices=[("", _l("Any level"))] + [(n, str(n)) for n in range(6)],
    )
    dimension = OptionalChoiceField(_l("Dimension"))
    below = LocaleIntegerField(
        _l("Score below"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("With a dimension: e.g. 40 picks those scoring under 40 out of 100."),
    )

    def __init__(self, *args: Any, province_code: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commune.set_choices(commune_choices(province_code, _l("All communes")))
        self.dimension.set_choices([("", _l("Any dimension"))] + dimension_choices())

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if "dimension" not in self._fields:
            return ok
        if bool(self.dimension.data) != (self.below.data is not None):
            self.below.errors = [
                *self.below.errors,
                _l("Choose a dimension and the score together."),
            ]
            ok = False
        return ok


class ClassAlertForm(PortalForm):
    """An owner asks to be told when a class of a course (or on its topic) opens near them."""

    business = ChoiceField(
        _l("For the business"),
        coerce=int_or_none,
        invalid_message=_l("Choose one of your businesses."),
    )
    what = RadioField(
        _l("Tell me about"),
        choices=select_choices(
            [("course", _l("this course")), ("topic", _l("any course on its topic"))]
        ),
        default="course",
    )
    reach = RadioField(
        _l("Where"),
        choices=select_choices(
            [
                ("commune", _l("in the business's commune (and online)")),
                ("province", _l("anywhere in the province")),
            ]
        ),
        default="commune",
    )
