"""Access rules, declared on every view.

A view is either ``@public``, ``@roles_required(...)`` or ``@api_token_required`` (the JSON API);
``tests/integration/test_access.py`` walks the URL map and fails on any view that declares none.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, g, jsonify, request
from flask_login import current_user

from portal.api import operations as api_operations
from portal.api import queries as api_queries
from portal.auth.models import Role
from portal.extensions import db, login_manager
from portal.scoping import ProvinceReader

ANY_ROLE = tuple(Role)
PROVINCE_ROLES = (Role.TRAINER, Role.STAFF, Role.ADMIN)


def public(view: Callable) -> Callable:
    """Declare that anyone, signed in or not, may use this view."""
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Let only signed-in users with one of ``roles`` use the view (403 for other roles)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_rule = tuple(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


#: Any signed-in user of the portal's pages. Field helpers use only the field app (/field/): they
#: have a province but must not browse its businesses.
login_required = roles_required(*(r for r in ANY_ROLE if r != Role.HELPER))


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
        token = api_queries.get_active_token(plaintext)
        if token is None:
            return _unauthorized("The token is unknown or was revoked.", "invalid_token")
        g.api_token = token
        g.api_province = ProvinceReader(token.province_code)
        if api_operations.note_use(token):
            db.session.commit()
        return view(*args, **kwargs)

    wrapped.access_rule = "api-token"  # type: ignore[attr-defined]
    return wrapped
