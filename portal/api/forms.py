"""The form that creates an API token."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal import geo
from portal.forms import ChoiceField, PortalForm, int_or_none, strip_filter


class TokenForm(PortalForm):
    name = StringField(
        _l("Who will use it"),
        description=_l("For example: Bộ Công Thương, the Department of Industry and Trade."),
        filters=[strip_filter],
        validators=[DataRequired(), Length(max=120)],
    )
    province = ChoiceField(_l("Province"), coerce=int_or_none)

    def setup(self, is_admin: bool) -> None:
        """Let an administrator choose the province; staff always create for their own."""
        if is_admin:
            self.province.set_choices(
                [("", _l("Choose a province")), *((int(p.code), p.name) for p in geo.provinces())]
            )
        else:
            del self.province
