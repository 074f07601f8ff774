"""Reads of the API feature: a token from its plaintext, and the tokens a user may see."""

import sqlalchemy as sa

from portal.api.models import ApiToken, hash_token
from portal.auth.models import User
from portal.extensions import db
from portal.scoping import scoped_select


def get_active_token(plaintext: str) -> ApiToken | None:
    """Return the working token with this plaintext, or None (one indexed lookup by hash)."""
    return db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(plaintext), ApiToken.revoked_at.is_(None)
        )
    )


def tokens_for(user: User) -> list[ApiToken]:
    """Return the tokens the user may see, working ones first, newest first."""
    return list(
        db.session.scalars(
            scoped_select(ApiToken, user).order_by(
                ApiToken.revoked_at.is_not(None),
                ApiToken.province_code,
                ApiToken.created_at.desc(),
                ApiToken.id.desc(),
            )
        ).unique()
    )
