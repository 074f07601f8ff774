"""Reads for the dashboards: the owner's businesses and the figures of the staff dashboard."""

from typing import Any, NamedTuple

import sqlalchemy as sa

from portal.auth.models import User
from portal.businesses.models import Business
from portal.extensions import db
from portal.reports import funnel_queries
from portal.scoping import scoped_select, visible


def owner_businesses(owner: Any) -> list[Business]:
    """Return the businesses the owner may see (their own), by name."""
    return list(db.session.scalars(scoped_select(Business, owner).order_by(Business.name)))


class BusinessCounts(NamedTuple):
    total: int
    #: (commune code, businesses) of the communes with the most businesses, most first.
    top_communes: list[tuple[int, int]]


def business_counts(user: Any, limit: int = 10) -> BusinessCounts:
    """Return how many businesses the user may see, and the ``limit`` communes with the most
    (the commune code breaks ties, so the same communes come in the same order every time).

    One read of the report aggregates' present counts: constant time whatever the province's
    size.
    """
    rows = funnel_queries.known_by_commune(user)
    top = sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]
    return BusinessCounts(sum(n for _code, n in rows), top)


def user_count(user: Any) -> int:
    """Return how many accounts the user may see."""
    return db.session.execute(
        sa.select(sa.func.count(User.id)).where(visible(User, user))
    ).scalar_one()
