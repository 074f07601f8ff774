"""Access rules, declared on every view.

A view is either ``@public`` or ``@roles_required(...)``; ``tests/integration/test_access_rules.py``
walks the URL map and fails on any view that declares neither.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from portal.auth.models import Role
from portal.extensions import login_manager

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


#: Any signed-in user.
login_required = roles_required(*ANY_ROLE)
