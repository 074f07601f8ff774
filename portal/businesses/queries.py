"""Reads about one business: what a move to another province would carry with it."""

from dataclasses import dataclass

import sqlalchemy as sa

from portal.assess.models import Assessment
from portal.billing.models import Payment
from portal.extensions import db
from portal.onboarding.models import Evidence, OnboardingPath
from portal.reports.models import DigitalStatus
from portal.training.models import Certificate, Enrolment, EnrolmentState

#: Enrolments that still hold, await or offer a place in a class: a business cannot leave the
#: province of that class while it has one (README, "When a business moves to another province").
OPEN_ENROLMENT_STATES = (
    EnrolmentState.ASSIGNED,
    EnrolmentState.ENROLLED,
    EnrolmentState.WAITLISTED,
)


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
    open_enrolments: int
    is_digital: bool

    @property
    def can_move(self) -> bool:
        return self.open_enrolments == 0


def _count(what, *conditions) -> sa.ScalarSelect:
    return sa.select(sa.func.count(what)).where(*conditions).scalar_subquery()


def count_open_enrolments(business_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Enrolment.id)).where(
            Enrolment.business_id == business_id, Enrolment.state.in_(OPEN_ENROLMENT_STATES)
        )
    )


def history_of(business_id: int) -> History:
    """Return the business's history counts (one query)."""
    row = db.session.execute(
        sa.select(
            _count(Assessment.id, Assessment.business_id == business_id),
            _count(
                Enrolment.id,
                Enrolment.business_id == business_id,
                Enrolment.state.not_in(OPEN_ENROLMENT_STATES),
            ),
            _count(Certificate.id, Certificate.business_id == business_id),
            _count(OnboardingPath.id, OnboardingPath.business_id == business_id),
            _count(Evidence.id, Evidence.business_id == business_id),
            _count(Payment.id, Payment.business_id == business_id, Payment.paid_at.is_not(None)),
            _count(
                Enrolment.id,
                Enrolment.business_id == business_id,
                Enrolment.state.in_(OPEN_ENROLMENT_STATES),
            ),
            _count(
                DigitalStatus.id,
                DigitalStatus.business_id == business_id,
                DigitalStatus.ceased_at.is_(None),
            ),
        )
    ).one()
    return History(*row[:-1], is_digital=bool(row[-1]))
