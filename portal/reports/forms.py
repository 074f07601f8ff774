"""The reports' filter forms (GET, no CSRF) and the definition and target forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from portal import geo, labels
from portal.forms import ChoiceField, int_or_none, select_choices
from portal.reports.targets import METRICS, TargetMetric, Unit

GROUPING_LABELS = {
    "course": _l("Course"),
    "cohort": _l("Cohort"),
    "trainer": _l("Trainer"),
    "commune": _l("Commune or ward"),
    "sector": _l("Sector"),
    "month": _l("Month"),
}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    province = SelectField(_l("Province"), coerce=int_or_none, validate_choice=False)
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
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


class DefinitionForm(FlaskForm):
    province = HiddenField()
    min_level = IntegerField(
        _l("Lowest level of the latest assessment"),
        validators=[InputRequired(), NumberRange(0, 5)],
    )
    min_courses = IntegerField(
        _l("Completed courses at least"), validators=[InputRequired(), NumberRange(0, 50)]
    )


class WholeNumberField(IntegerField):
    """An integer field whose error for something not a number is our own, translated."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a whole number.")) from error


class DayField(DateField):
    """A date field whose error for something not a day is our own, translated."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a day such as 2026-01-31.")) from error


class TargetForm(FlaskForm):
    province = HiddenField()
    metric = ChoiceField(
        _l("What to reach"),
        choices=[(m.value, info.label) for m, info in METRICS.items()],
        default=TargetMetric.DIGITAL_BUSINESSES.value,
        invalid_message=_l("Choose what the target counts."),
    )
    target = WholeNumberField(
        _l("Target value"),
        description=_l("A number of businesses, or a percentage from 1 to 100 for a share."),
        validators=[InputRequired(_l("Enter the value to reach."))],
    )
    by_year = WholeNumberField(
        _l("By the end of"),
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

    def validate_target(self, field: IntegerField) -> None:
        metric = self.chosen_metric
        if metric is None or field.data is None:
            return
        if METRICS[metric].unit == Unit.PERCENT:
            if not 1 <= field.data <= 100:
                raise ValidationError(_l("Enter a percentage from 1 to 100."))
        elif not 1 <= field.data <= METRICS[metric].max_target:
            raise ValidationError(_l("Enter a number of businesses of at least 1."))

    def validate_start_on(self, field: DateField) -> None:
        if field.data is not None and self.by_year.data and field.data.year > self.by_year.data:
            raise ValidationError(_l("Count from a day before the end of the target year."))


class RemoveTargetForm(FlaskForm):
    province = HiddenField()
    metric = HiddenField()
