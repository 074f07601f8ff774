"""Forms for managing province accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from portal.auth.forms import AccountFieldsMixin
from portal.auth.models import Role
from portal.businesses.forms import province_choices
from portal.forms import ChoiceField, PortalForm, int_or_none
from portal.labels import ROLE_LABELS


class ProvinceUserForm(AccountFieldsMixin, PortalForm):
    """A trainer or staff account, created by staff of the province or a national admin."""

    role = ChoiceField(
        _l("Role"),
        choices=[(r.value, ROLE_LABELS[r]) for r in (Role.TRAINER, Role.STAFF)],
        invalid_message=_l("Choose trainer or province staff."),
    )
    province = ChoiceField(
        _l("Province or city"),
        coerce=int_or_none,
        invalid_message=_l("Choose a province from the list."),
    )

    def setup_provinces(self, only: int | None) -> None:
        """Offer every province to a national admin, only their own to province staff."""
        self.province.set_choices(c for c in province_choices()[1:] if only is None or c[0] == only)


class UserStatusForm(PortalForm):
    active = BooleanField(_l("Account is active (the person can sign in)"))
    role = ChoiceField(
        _l("Role"),
        choices=[(r.value, ROLE_LABELS[r]) for r in (Role.TRAINER, Role.STAFF)],
        invalid_message=_l("Choose trainer or province staff."),
    )
