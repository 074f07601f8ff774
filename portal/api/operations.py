"""Writes of the API feature: create and revoke tokens, note when a token was last used."""

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from portal.api.models import TOKEN_PREFIX, VISIBLE_CHARS, ApiToken, hash_token
from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import db

log = logging.getLogger(__name__)

#: ``last_used_at`` is written at most this often per token.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def create_token(province_code: int, name: str, by: User) -> tuple[ApiToken, str]:
    """Create a token for the province; return it and its plaintext (shown once, never stored)."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        province_code=province_code,
        name=name.strip(),
        token_hash=hash_token(plaintext),
        prefix=plaintext[:VISIBLE_CHARS],
        created_by_id=by.id,
    )
    db.session.add(token)
    db.session.flush()
    log.info(
        "API token %s (%s) created for province %s by user %s",
        token.id,
        token.prefix,
        province_code,
        by.id,
    )
    return token, plaintext


def revoke_token(token: ApiToken, by: User) -> bool:
    """Revoke the token; return False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at, token.revoked_by_id = utcnow(), by.id
    db.session.flush()
    log.info(
        "API token %s (%s) of province %s revoked by user %s",
        token.id,
        token.prefix,
        token.province_code,
        by.id,
    )
    return True


def note_use(token: ApiToken, now: datetime | None = None) -> bool:
    """Record that the token was used, unless that was done less than a minute ago.

    Return True if a row was written (the caller commits).
    """
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    # Conditional, so concurrent requests with the same token write once.
    # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
    result = db.session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token.id,
            sa.or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(cast(CursorResult[Any], result).rowcount)
