"""Forms for a business's details, and the registration of an owner with their first one."""

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import geo
from portal.auth.forms import AccountFieldsMixin
from portal.businesses.models import BusinessKind
from portal.forms import ChoiceField, PortalForm, int_or_none, strip_filter
from portal.labels import KIND_LABELS, SECTOR_LABELS, SIZE_LABELS, choices

TAX_CODE_RE = re.compile(r"^\d{10}(\d{3})?$")
#: Since 1 July 2025 the 12-digit personal identification number is the tax code of
#: household businesses and individuals (Circular 86/2024/TT-BTC).
PERSONAL_ID_RE = re.compile(r"^\d{12}$")
KINDS_WITH_PERSONAL_ID = {BusinessKind.HOUSEHOLD.value, BusinessKind.HOUSEHOLD_BUSINESS.value}
KINDS_WITH_TAX_CODE = {BusinessKind.ENTERPRISE.value, BusinessKind.COOPERATIVE.value}


def normalize_tax_code(raw: str | None) -> str | None:
    """Return a tax code as digits only ("0101234567-001" -> "0101234567001"), or None."""
    if not raw:
        return None
    return re.sub(r"[\s\-.]", "", raw)


def province_choices() -> list[tuple[Any, Any]]:
    return [("", _l("Choose a province"))] + [(int(p.code), p.name) for p in geo.provinces()]


def commune_choices(province_code: int | None) -> list[tuple[Any, Any]]:
    head = _l("Choose a commune or ward") if province_code else _l("Choose a province first")
    return [("", head)] + [(int(w.code), w.name) for w in geo.communes(province_code)]


class BusinessFieldsMixin:
    """The fields describing a business, shared by registration and the business form."""

    business_name = StringField(
        _l("Name of the business or household"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the name of the business or household.")),
            Length(max=200, message=_l("Keep the name under 200 characters.")),
        ],
    )
    kind = ChoiceField(
        _l("Kind"),
        choices=[("", _l("Choose a kind"))] + choices(KIND_LABELS),
        invalid_message=_l("Choose what kind of business this is."),
    )
    tax_code = StringField(
        _l("Tax code"),
        filters=[strip_filter],
        description=_l(
            "10 digits, or 13 for a branch (e.g. 0101234567-001). A household business may give "
            "the owner's 12-digit personal ID number, or leave it empty."
        ),
    )
    sector = ChoiceField(
        _l("Sector"),
        choices=[("", _l("Choose a sector"))] + choices(SECTOR_LABELS),
        invalid_message=_l("Choose the sector the business works in."),
    )
    size = ChoiceField(
        _l("Size"),
        choices=[("", _l("Choose a size"))] + choices(SIZE_LABELS),
        invalid_message=_l("Choose the size of the business."),
    )
    province = ChoiceField(
        _l("Province or city"),
        coerce=int_or_none,
        invalid_message=_l("Choose a province from the list."),
    )
    commune = ChoiceField(
        _l("Commune or ward"),
        coerce=int_or_none,
        invalid_message=_l("Choose a commune or ward of the chosen province."),
    )
    address = StringField(
        _l("Address (house number, street, village)"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=300, message=_l("Keep the address under 300 characters.")),
        ],
    )

    def setup_place_choices(self) -> None:
        """Fill the province list, and the commune list from the chosen province."""
        self.province.set_choices(province_choices())
        self.commune.set_choices(commune_choices(self.province.data))

    def validate_tax_code(self, field: Any) -> None:
        field.data = normalize_tax_code(field.data)
        household = self.kind.data in KINDS_WITH_PERSONAL_ID
        if field.data and PERSONAL_ID_RE.match(field.data) and not household:
            raise ValidationError(
                _l("Only a household business may use a 12-digit personal ID as its tax code.")
            )
        if field.data and not (TAX_CODE_RE.match(field.data) or PERSONAL_ID_RE.match(field.data)):
            raise ValidationError(
                _l(
                    "A tax code has 10 digits, or 13 digits for a branch (0101234567-001); "
                    "a household business may use the owner's 12-digit personal ID."
                )
            )
        if not field.data and self.kind.data in KINDS_WITH_TAX_CODE:
            raise ValidationError(_l("An enterprise or cooperative must give its tax code."))

    def business_data(self) -> dict[str, Any]:
        """Return the business fields as keyword arguments for the operations."""
        return {
            "name": self.business_name.data,
            "kind": BusinessKind(self.kind.data),
            "tax_code": normalize_tax_code(self.tax_code.data),
            "sector": self.sector.data,
            "size": self.size.data,
            "province_code": self.province.data,
            "commune_code": self.commune.data,
            "address": self.address.data or "",
        }


class BusinessForm(BusinessFieldsMixin, PortalForm):
    """Add or edit a business."""


class RegisterForm(AccountFieldsMixin, BusinessFieldsMixin, PortalForm):
    """A business owner signs up together with their first business."""

    #: Not asked of plain households (the page's script hides it when "Household" is chosen).
    tax_code = StringField(
        _l("Tax code"),
        filters=[strip_filter],
        description=_l(
            "Households leave this empty. Enterprises and cooperatives: 10 digits, or 13 for a "
            "branch (e.g. 0101234567-001). A household business may give the owner's 12-digit "
            "personal ID number, or leave it empty."
        ),
    )

    def validate_tax_code(self, field: Any) -> None:
        if self.kind.data == BusinessKind.HOUSEHOLD.value:
            field.data = None  # whatever a household typed (or its browser filled in) is ignored
            return
        super().validate_tax_code(field)

    #: Consent to the privacy notice in force (the page links it); recorded with its version.
    consent = BooleanField(
        _l("I have read the privacy notice and agree to my data being processed as it says."),
        validators=[DataRequired(_l("Tick the box to agree to the privacy notice."))],
    )
