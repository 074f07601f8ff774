"""Translated names of the portal's fixed choices (roles, business kinds, sectors, sizes)."""

from flask_babel import lazy_gettext as _l

from portal.auth.models import Role
from portal.businesses.models import BusinessKind, BusinessSize, Sector

ROLE_LABELS = {
    Role.OWNER: _l("Business owner"),
    Role.TRAINER: _l("Trainer"),
    Role.STAFF: _l("Province staff"),
    Role.ADMIN: _l("National administrator"),
    Role.HELPER: _l("Field helper (commune digital team)"),
}

KIND_LABELS = {
    BusinessKind.ENTERPRISE: _l("Enterprise"),
    BusinessKind.COOPERATIVE: _l("Cooperative"),
    BusinessKind.HOUSEHOLD_BUSINESS: _l("Household business"),
    BusinessKind.HOUSEHOLD: _l("Household"),
}

SECTOR_LABELS = {
    Sector.AGRICULTURE: _l("Agriculture, forestry and fisheries"),
    Sector.FOOD_PROCESSING: _l("Food processing"),
    Sector.HANDICRAFTS: _l("Handicrafts and craft villages"),
    Sector.INDUSTRY: _l("Industry and manufacturing"),
    Sector.TRADE: _l("Trade and retail"),
    Sector.TOURISM: _l("Tourism, accommodation and food service"),
    Sector.TRANSPORT_LOGISTICS: _l("Transport and logistics"),
    Sector.HEALTH: _l("Health"),
    Sector.EDUCATION: _l("Education"),
    Sector.NATURAL_RESOURCES: _l("Natural resources and environment"),
    Sector.CONSTRUCTION: _l("Construction"),
    Sector.JOURNALISM: _l("Journalism and media"),
    Sector.SERVICES: _l("Other services"),
    Sector.OTHER: _l("Other"),
}

SIZE_LABELS = {
    BusinessSize.FAMILY: _l("Family only, no employees"),
    BusinessSize.MICRO: _l("Micro (up to 10 employees)"),
    BusinessSize.SMALL: _l("Small (up to 100 employees)"),
    BusinessSize.MEDIUM: _l("Medium (up to 200 employees)"),
    BusinessSize.LARGE: _l("Large (more than 200 employees)"),
}


def choices(labels: dict) -> list[tuple[str, object]]:
    """Return (value, label) pairs for a SelectField."""
    return [(key.value, label) for key, label in labels.items()]
