"""Bearer tokens that let another system (e.g. a ministry's) read one province's aggregates."""

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import Model

#: Every token starts with this, so a leaked one is easy to recognise (e.g. by secret scanners).
TOKEN_PREFIX = "dbp_"
#: How many leading characters of a token are kept in clear to tell tokens apart.
VISIBLE_CHARS = 12


def hash_token(plaintext: str) -> str:
    """Return the SHA-256 hex digest of a token (tokens are random, so no salt is needed)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


class ApiToken(Model):
    """One province's API token; the plaintext is shown once at creation and never stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(index=True)
    #: Who uses it, e.g. "Bộ Công Thương".
    name: Mapped[str] = mapped_column(sa.String(120))
    #: SHA-256 hex digest of the token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The token's first characters, shown in lists to recognise it.
    prefix: Mapped[str] = mapped_column(sa.String(VISIBLE_CHARS))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Updated at most once a minute, so reading the API does not write on every request.
    last_used_at: Mapped[datetime | None] = mapped_column()
    #: None while the token works.
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        """Province staff see their province's tokens; owners none."""
        if user.is_owner:
            return sa.false()
        return cls.province_code == user.province_code

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
