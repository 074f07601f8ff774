"""Reads for account management: the province accounts, and the figures of each province."""

from typing import Any

import sqlalchemy as sa

from portal.auth.models import Role, User
from portal.extensions import db
from portal.reports import funnel_queries
from portal.scoping import scoped_select


def province_accounts(user: Any) -> list[User]:
    """Return the trainer and staff accounts the user may manage, by province, role, name."""
    return list(
        db.session.scalars(
            scoped_select(User, user)
            .where(User.role.in_([Role.TRAINER, Role.STAFF]))
            .order_by(User.province_code, User.role, User.name)
        )
    )


def businesses_per_province() -> dict[int, int]:
    """Return {province code: businesses} over every province (for national administrators),
    from the report aggregates: one row per province whatever the number of businesses."""
    return funnel_queries.known_by_province()


def users_per_province() -> dict[int, int]:
    """Return {province code: accounts} of the accounts that belong to a province."""
    rows = db.session.execute(
        sa.select(User.province_code, sa.func.count(User.id))
        .where(User.province_code.is_not(None))
        .group_by(User.province_code)
    ).all()
    return {code: count for code, count in rows if code is not None}
