"""Writes for businesses."""

import logging
from typing import Any

from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db

log = logging.getLogger(__name__)


def create_business(owner: User, **fields: Any) -> Business:
    """Register a business for ``owner``."""
    business = Business(owner=owner, **fields)
    db.session.add(business)
    db.session.flush()
    log.info("business %s created for user %s", business.id, owner.id)
    return business


def update_business(business: Business, **fields: Any) -> Business:
    """Change a business's details."""
    for name, value in fields.items():
        setattr(business, name, value)
    db.session.flush()
    log.info("business %s updated", business.id)
    return business
