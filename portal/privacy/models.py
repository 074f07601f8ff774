"""Every consent given to a version of the privacy notice (the proof the law asks for)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import Model


class PrivacyConsent(Model):
    """One "I agree" to one notice version; the account keeps the latest on itself too."""

    __tablename__ = "privacy_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    notice_version: Mapped[int] = mapped_column()
    #: Naive UTC.
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The language of the text the person was shown ("vi" or "en").
    locale: Mapped[str] = mapped_column(sa.String(5))

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        """A person sees their own consents; province users those of their province's staff."""
        if user.is_owner:
            return cls.user_id == user.id
        return cls.user_id.in_(sa.select(User.id).where(User.province_code == user.province_code))
