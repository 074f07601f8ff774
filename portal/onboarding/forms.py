"""Forms for starting a path, ticking steps, giving evidence and reviewing it."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import URL, Length, Optional, ValidationError

from portal.forms import ChoiceField, PortalForm, select_choices, strip_filter
from portal.onboarding import files


class ActionForm(PortalForm):
    """A button that only needs the CSRF token."""


class OptionalChoiceField(ChoiceField):
    """A select that may be left on its placeholder."""

    def pre_validate(self, form: Any) -> None:
        if self.data not in (None, ""):
            super().pre_validate(form)


class EvidenceForm(PortalForm):
    """A listing URL or a photo or PDF; exactly one of the two."""

    step = OptionalChoiceField(_l("Which step it proves"), invalid_message=_l("Choose a step."))
    url = StringField(
        _l("Link to your shop or listing"),
        filters=[strip_filter],
        description=_l("For example the address of your shop page on the marketplace."),
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep the link under 500 characters.")),
            URL(message=_l("Enter a full link starting with https://")),
        ],
    )
    file = FileField(
        _l("Or a photo or PDF"),
        description=_l("A PNG, JPEG or WebP image, or a PDF, of at most %(mb)d MB.", mb=5),
    )
    note = TextAreaField(
        _l("Note for the verifier (optional)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=500, message=_l("Keep the note under 500 characters."))],
    )

    def __init__(self, *args: Any, steps: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step.set_choices([("", _l("The path as a whole"))] + steps)
        #: Set by validation when a file was given.
        self.file_type: files.FileType | None = None
        self.file_size = 0

    def validate_url(self, field: Any) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Enter a full link starting with https://"))

    def validate_file(self, field: Any) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            field.data = None
            return
        size = files.stream_size(upload.stream)
        if size > files.max_bytes():
            raise ValidationError(
                _l("The file is too large: at most %(mb)d MB.", mb=files.max_bytes() // 2**20)
            )
        if size == 0:
            raise ValidationError(_l("The file is empty."))
        file_type = files.detect_type(upload.stream.read(16))
        upload.stream.seek(0)
        if file_type is None:
            raise ValidationError(_l("Upload a PNG, JPEG or WebP image, or a PDF."))
        self.file_type, self.file_size = file_type, size

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and bool(self.url.data) == bool(self.file.data):
            message = _l("Give either a link or a file, not both.")
            if not self.url.data:
                message = _l("Give a link to your listing or upload a file.")
            self.url.errors = [*self.url.errors, message]
            return False
        return valid


class ReviewForm(PortalForm):
    decision = RadioField(
        _l("Decision"),
        choices=select_choices([("verify", _l("Verify")), ("reject", _l("Reject"))]),
        validate_choice=False,
    )
    reason = StringField(
        _l("Reason (needed when rejecting)"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep the reason under 500 characters.")),
        ],
    )

    def validate_decision(self, field: Any) -> None:
        if field.data not in ("verify", "reject"):
            raise ValidationError(_l("Choose to verify or to reject."))

    def validate_reason(self, field: Any) -> None:
        if self.decision.data == "reject" and not field.data:
            raise ValidationError(_l("Say why the evidence is rejected, so the owner can fix it."))
