"""What happened in a period (counts and average scores), from the report aggregates."""

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from assessments import load_all
from portal.auth.models import User
from portal.extensions import db
from portal.reports.aggregates import SCORE_PREFIX
from portal.reports.filters import Filters, conditions, source, total


@dataclass(frozen=True)
class Activity:
    assessments: int
    enrolments: int
    completions: int
    certificates: int
    listings_verified: int


_ACTIVITY = ("assessments", "enrolled", "completed", "certificates", "listings")


def activity(f: Filters, user: User) -> Activity:
    """Count what happened in the period (one aggregate query)."""
    model = source(f)
    rows = db.session.execute(
        sa.select(model.measure, total(model.n))
        .where(
            *conditions(model, f, user),
            model.measure.in_(_ACTIVITY),
            model.day >= f.start,
            model.day <= f.end,
        )
        .group_by(model.measure)
    )
    counts: dict[str, int] = dict(rows.all())
    return Activity(
        assessments=counts.get("assessments", 0),
        enrolments=counts.get("enrolled", 0),
        completions=counts.get("completed", 0),
        certificates=counts.get("certificates", 0),
        listings_verified=counts.get("listings", 0),
    )


def average_scores(f: Filters, user: User) -> list[tuple[str, float, int]]:
    """Return (dimension, average score, assessments) of the period's submitted assessments."""
    model = source(f)
    rows = db.session.execute(
        sa.select(model.measure, sa.func.sum(model.total), total(model.n))
        .where(
            *conditions(model, f, user),
            # The measures by name, not by prefix: a LIKE reads every measure's rows.
            model.measure.in_(score_measures()),
            model.day >= f.start,
            model.day <= f.end,
        )
        .group_by(model.measure)
        .order_by(model.measure)
    )
    return [(measure[len(SCORE_PREFIX) :], float(sum_) / n, n) for measure, sum_, n in rows if n]


@cache
def score_measures() -> list[str]:
    """Return the score measures of every dimension of every published questionnaire."""
    return sorted({SCORE_PREFIX + d.id for q in load_all() for d in q.dimensions})
