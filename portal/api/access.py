"""The JSON API's access rule: ``@api_token_required``.

It lives with the API, not in :mod:`portal.access`: the core access rules know nothing of tokens.
``tests/integration/test_access.py`` still sees it, through the ``access_rule`` it sets.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request

from portal.access import mark_view
from portal.api import operations, queries
from portal.extensions import db
from portal.scoping import ProvinceReader


def _bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _unauthorized(message: str, error: str | None = None) -> Response:
    # Machine clients read these: the messages stay English (RFC 6750 error codes).
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    response = jsonify(error=error or "missing_token", message=message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response


def api_token_required(view: Callable) -> Callable:
    """Let only requests with a working ``Authorization: Bearer`` token use the view.

    A session cookie counts for nothing here. The token's province is ``g.api_province``, a
    :class:`~portal.scoping.ProvinceReader` to pass as the ``user`` of scoped queries.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        plaintext = _bearer_token()
        if plaintext is None:
            return _unauthorized("Send the API token as 'Authorization: Bearer <token>'.")
        token = queries.get_active_token(plaintext)
        if token is None:
            return _unauthorized("The token is unknown or was revoked.", "invalid_token")
        g.api_token = token
        g.api_province = ProvinceReader(token.province_code)
        if operations.note_use(token):
            db.session.commit()
        return view(*args, **kwargs)

    return mark_view(wrapped, access_rule="api-token")
