"""Forms of the bulk import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from portal.forms import PortalForm


class UploadForm(PortalForm):
    """Choose the list to check."""

    file = FileField(
        _l("List of businesses (XLSX or CSV)"),
        description=_l("Fill in the template; at most %(rows)s rows.", rows="60,000"),
    )
