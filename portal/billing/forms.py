"""Forms for paying, cancelling, refunding, the money report's period and subsidy programmes."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from portal.businesses.forms import province_choices
from portal.businesses.models import Sector
from portal.forms import (
    MONEY_UNITS,
    PERCENT,
    ChoiceField,
    DayField,
    LocaleIntegerField,
    PortalForm,
    int_or_none,
    strip_filter,
)
from portal.labels import SECTOR_LABELS, choices

#: The choice meaning "no limit" in the programme's course and sector selects.
ALL = "all"
#: The largest budget the form accepts, in VND (a thousand billion dong).
MAX_BUDGET_VND = 1_000_000_000_000


class PayForm(PortalForm):
    """The card is tokenised by Stripe.js in the browser; only the token reaches the portal."""

    card_token = HiddenField(
        validators=[
            DataRequired(_l("Enter your card details.")),
            Length(max=100),
            Regexp(r"^tok_\w+$", message=_l("Enter your card details.")),
        ]
    )


class ConfirmForm(PortalForm):
    """A confirmation button that only needs the CSRF token."""


class PeriodForm(PortalForm):
    """The report's period (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    start = DayField(_l("From"), validators=[Optional()])
    end = DayField(_l("To"), validators=[Optional()])


class ProgrammeForm(PortalForm):
    """A province's subsidy programme: whom it covers and how much it may grant."""

    name_vi = StringField(
        _l("Name in Vietnamese"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the programme's name in Vietnamese.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    name_en = StringField(
        _l("Name in English"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the programme's name in English.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    course = ChoiceField(
        _l("Course"),
        invalid_message=_l("Choose one of the province's courses, or all courses."),
    )
    share_pct = LocaleIntegerField(
        _l("Share of the fee paid by the province (%)"),
        units=PERCENT,
        invalid_message=_l("Enter a percentage from 1 to 100."),
        description=_l("100 pays the whole fee."),
        validators=[
            InputRequired(_l("Enter a percentage from 1 to 100.")),
            NumberRange(min=1, max=100, message=_l("Enter a percentage from 1 to 100.")),
        ],
    )
    households_only = BooleanField(_l("Only household businesses and households"))
    sector = ChoiceField(
        _l("Sector"),
        choices=[(ALL, _l("All sectors"))] + choices(SECTOR_LABELS),
        invalid_message=_l("Choose a sector from the list, or all sectors."),
    )
    budget_vnd = LocaleIntegerField(
        _l("Budget (VND)"),
        units=MONEY_UNITS,
        description=_l("Leave empty for no limit. Subsidies stop when the budget is used up."),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=MAX_BUDGET_VND,
                message=_l("Enter a budget from 0 to 1,000,000,000,000 dong."),
            ),
        ],
    )
    active = BooleanField(_l("Active (subsidies are granted)"), default=True)

    def set_courses(self, pairs: list[tuple[int, Any]]) -> None:
        """Offer "all courses" and the province's courses only."""
        self.course.set_choices(
            [(ALL, _l("All courses of the province"))] + [(str(i), t) for i, t in pairs]
        )

    def fill(self, programme: Any) -> None:
        """Show a programme's values (on first display of the edit page)."""
        self.course.data = str(programme.course_id) if programme.course_id else ALL
        self.sector.data = programme.sector.value if programme.sector else ALL

    def programme_data(self) -> dict[str, Any]:
        return {
            "name_vi": self.name_vi.data,
            "name_en": self.name_en.data,
            "course_id": None if self.course.data == ALL else int(self.course.data),
            "share_pct": self.share_pct.data,
            "households_only": bool(self.households_only.data),
            "sector": None if self.sector.data == ALL else Sector(self.sector.data),
            "budget_vnd": self.budget_vnd.data,
            "active": bool(self.active.data),
        }


class ProvincePickForm(PortalForm):
    """A national administrator first picks the province of a new programme (a GET form)."""

    class Meta:
        csrf = False

    province = ChoiceField(
        _l("Province or city"),
        coerce=int_or_none,
        invalid_message=_l("Choose a province from the list."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province.set_choices(province_choices())
