"""Forms of the field teams' staff page."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField

from portal.auth.forms import AccountFieldsMixin
from portal.forms import PortalForm


class HelperForm(AccountFieldsMixin, PortalForm):
    """A field helper's account (created by the province's staff) and their communes."""

    communes = SelectMultipleField(_l("Communes"), coerce=int, validate_choice=False)


class DecisionForm(PortalForm):
    """Merge or dismiss a proposed match: nothing to fill in but the CSRF token."""
