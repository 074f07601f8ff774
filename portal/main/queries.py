"""Reads for the dashboards: the owner's businesses and the figures of the staff dashboard."""

from typing import Any

import sqlalchemy as sa

from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db
from portal.reports import funnel_queries
from portal.scoping import scoped_select, visible


def owner_businesses(owner: Any) -> list[Business]:
    """Return the businesses the owner may see (their own), by name."""
    return list(db.session.scalars(scoped_select(Business, owner).order_by(Business.name)))


def business_count(user: Any) -> int:
    """Return how many businesses the user may see (the report aggregates' count: constant
    time whatever the province's size)."""
    return sum(n for _code, n in funnel_queries.known_by_commune(user))


def businesses_by_commune(user: Any, limit: int = 10) -> list[tuple[int, int]]:
    """Return (commune code, businesses) of the communes with the most businesses the user may
    see, most first; the commune code breaks ties, so the same communes come in the same order
    every time."""
    rows = funnel_queries.known_by_commune(user)
    return sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]


def user_count(user: Any) -> int:
    """Return how many accounts the user may see."""
    return db.session.execute(
        sa.select(sa.func.count(User.id)).where(visible(User, user))
    ).scalar_one()
