"""The reports' filter forms (GET, no CSRF) and the definition and target forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from portal import geo, labels
from portal.forms import int_or_none, select_choices

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


class TargetForm(FlaskForm):
    province = HiddenField()
    target = IntegerField(
        _l("Digital businesses"), validators=[DataRequired(), NumberRange(1, 10_000_000)]
    )
    by_year = IntegerField(
        _l("By the end of"), validators=[DataRequired(), NumberRange(2020, 2100)]
    )
    start_on = DateField(_l("Counting from"), validators=[DataRequired()])
