"""Writes for account management."""

import logging

from portal.auth.models import Role, User
from portal.extensions import db

log = logging.getLogger(__name__)


def update_user_status(user: User, *, active: bool, role: Role, by: User) -> None:
    """Activate or deactivate a province account, or change trainer/staff role."""
    user.active = active
    if not active:
        user.end_all_sessions()
    user.role = role
    db.session.flush()
    log.info("user %s set active=%s role=%s by user %s", user.id, active, role, by.id)
