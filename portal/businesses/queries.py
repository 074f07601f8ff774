"""Reads about one business: what a move to another province would carry with it."""

from collections import Counter
from dataclasses import dataclass

from portal import signals
from portal.businesses.models import Business


@dataclass(frozen=True)
class History:
    """How many rows of each kind a business has, and what stops it from moving."""

    assessments: int
    enrolments: int
    certificates: int
    listing_paths: int
    evidence: int
    #: Payments with a receipt: they stay in the accounts of the province whose course they paid.
    receipts: int
    #: Enrolments that still hold, await or offer a place in a class: a business cannot leave
    #: the province of that class while it has one (README, "When a business moves to another
    #: province").
    open_enrolments: int
    is_digital: bool

    @property
    def can_move(self) -> bool:
        return self.open_enrolments == 0


def moving_counts(business: Business) -> Counter[str]:
    """Ask every feature how many rows of the business it holds, by kind
    (``signals.business_moving``; the kinds are listed there)."""
    counts: Counter[str] = Counter()
    for _receiver, held in signals.business_moving.send(business):
        counts.update(held or {})
    return counts


def history_of(business: Business) -> History:
    """Return the business's history counts: what a move would carry, leave and wait for."""
    counts = moving_counts(business)
    return History(
        assessments=counts["assessments"],
        enrolments=counts["enrolments"],
        certificates=counts["certificates"],
        listing_paths=counts["listing_paths"],
        evidence=counts["evidence"],
        receipts=counts["receipts"],
        open_enrolments=counts["open_enrolments"],
        is_digital=bool(counts["digital"]),
    )
