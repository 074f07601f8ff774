"""Access rules, declared on every view.

A view is either ``@public``, ``@roles_required(...)``, ``@performs(action)``
(portal/permissions.py) or, in the JSON API, ``@api_token_required`` (portal/api/access.py: token
auth belongs to the API);
``tests/integration/test_access.py`` walks the URL map and fails on any view that declares none.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from portal.auth.models import Role
from portal.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

ANY_ROLE = tuple(Role)
PROVINCE_ROLES = (Role.TRAINER, Role.STAFF, Role.ADMIN)


def mark_view(view: F, **marks: object) -> F:
    """Set ``marks`` as attributes of the view function (``access_rule``, ``audit_action``, ...),
    for the request hooks and tests that read them from ``app.view_functions``."""
    for name, value in marks.items():
        setattr(view, name, value)
    return view


def public(view: Callable) -> Callable:
    """Declare that anyone, signed in or not, may use this view."""
    return mark_view(view, access_rule="public")


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

        return mark_view(wrapped, access_rule=tuple(roles))

    return decorator


#: Any signed-in user of the portal's pages. Field helpers use only the field app (/field/): they
#: have a province but must not browse its businesses.
login_required = roles_required(*(r for r in ANY_ROLE if r != Role.HELPER))
