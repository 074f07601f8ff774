"""The reports' filter forms (GET, no CSRF) and the definition and target forms."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from portal import geo, labels
from portal.forms import (
    PERCENT,
    ChoiceField,
    DayField,
    LocaleIntegerField,
    PortalForm,
    int_or_none,
    select_choices,
)
from portal.reports.targets import METRICS, TargetMetric, Unit

GROUPING_LABELS = {
    "course": _l("Course"),
    "cohort": _l("Cohort"),
    "trainer": _l("Trainer"),
    "commune": _l("Commune or ward"),
    "sector": _l("Sector"),
    "month": _l("Month"),
}


class FilterForm(PortalForm):
    class Meta:
        csrf = False

    province = SelectField(_l("Province"), coerce=int_or_none, validate_choice=False)
    start = DayField(_l("From"), validators=[Optional()])
    end = DayField(_l("To"), validators=[Optional()])
    commune = SelectField(
        _l("Commune or ward"), coerce=int_or_none, validators=[Optional()], validate_choice=False
    )
    sector = SelectField(_l("Sector"), validators=[Optional()], validate_choice=False)
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=False)
    size = SelectField(_l("Size"), validators=[Optional()], validate_choice=False)

    def setup(self, province_code: int, is_admin: bool) -> None:
        """Fill the choices for this province (the commune list depends on it)."""
        if is_admin:
            self.province.choices = select_choices((int(p.code), p.name) for p in geo.provinces())
        else:
            del self.province
        communes = [(int(c.code), c.name) for c in geo.communes(province_code)]
        self.commune.choices = select_choices([("", _l("All")), *communes])
        self.sector.choices = select_choices(
            [("", _l("All")), *labels.choices(labels.SECTOR_LABELS)]
        )
        self.kind.choices = select_choices([("", _l("All")), *labels.choices(labels.KIND_LABELS)])
        self.size.choices = select_choices([("", _l("All")), *labels.choices(labels.SIZE_LABELS)])


class EnrolmentFilterForm(FilterForm):
    by = SelectField(
        _l("Count by"), choices=select_choices(GROUPING_LABELS.items()), default="course"
    )


class DefinitionForm(PortalForm):
    province = HiddenField()
    min_level = LocaleIntegerField(
        _l("Lowest level of the latest assessment"),
        validators=[InputRequired(), NumberRange(0, 5)],
    )
    min_courses = LocaleIntegerField(
        _l("Completed courses at least"), validators=[InputRequired(), NumberRange(0, 50)]
    )


class TargetForm(PortalForm):
    province = HiddenField()
    metric = ChoiceField(
        _l("What to reach"),
        choices=[(m.value, info.label) for m, info in METRICS.items()],
        default=TargetMetric.DIGITAL_BUSINESSES.value,
        invalid_message=_l("Choose what the target counts."),
    )
    target = LocaleIntegerField(
        _l("Target value"),
        units=PERCENT,
        description=_l("A number of businesses, or a percentage from 1 to 100 for a share."),
        validators=[InputRequired(_l("Enter the value to reach."))],
    )
    by_year = LocaleIntegerField(
        _l("By the end of"),
        grouping=False,
        validators=[
            InputRequired(_l("Enter the year of the target.")),
            NumberRange(2020, 2100, message=_l("Enter a year from 2020 to 2100.")),
        ],
    )
    start_on = DayField(
        _l("Counting from"),
        validators=[InputRequired(_l("Enter the day to count from."))],
    )

    @property
    def chosen_metric(self) -> TargetMetric | None:
        return TargetMetric(self.metric.data) if self.metric.data in set(TargetMetric) else None

    def validate_target(self, field: LocaleIntegerField) -> None:
        metric = self.chosen_metric
        if metric is None or field.data is None:
            return
        if METRICS[metric].unit == Unit.PERCENT:
            if not 1 <= field.data <= 100:
                raise ValidationError(_l("Enter a percentage from 1 to 100."))
        elif not 1 <= field.data <= METRICS[metric].max_target:
            raise ValidationError(_l("Enter a number of businesses of at least 1."))

    def validate_start_on(self, field: DayField) -> None:
        if field.data is not None and self.by_year.data and field.data.year > self.by_year.data:
            raise ValidationError(_l("Count from a day before the end of the target year."))


class RemoveTargetForm(PortalForm):
    province = HiddenField()
    metric = HiddenField()
