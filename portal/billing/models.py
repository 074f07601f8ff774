"""Subsidy programmes, payments (one per attempt to settle a fee) and received Stripe events."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.businesses.models import Business, BusinessKind, Sector
from portal.clock import utcnow
from portal.extensions import Model
from portal.scoping import OwnersSeeTheirBusinesses, OwnersSeeTheirProvinces
from portal.training.models import Course, Enrolment


class PaymentStatus(enum.StrEnum):
    #: The seat is held; the owner has not paid yet.
    AWAITING = "awaiting"
    #: The owner gave a card and the portal is asking Stripe (no lock is held meanwhile).
    CREATING = "creating"
    #: Stripe has the payment; the webhook has not confirmed it yet.
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    #: The subsidy covers the whole fee: nothing to pay.
    SUBSIDISED = "subsidised"
    FAILED = "failed"
    EXPIRED = "expired"
    #: The enrolment was cancelled before anything was paid.
    CANCELLED = "cancelled"
    #: Card money is owed back and being sent to Stripe (no lock is held meanwhile).
    REFUNDING = "refunding"
    REFUNDED = "refunded"


#: Payments still holding a seat while money is awaited.
OPEN_STATUSES = (PaymentStatus.AWAITING, PaymentStatus.CREATING, PaymentStatus.PROCESSING)


HOUSEHOLD_KINDS = (BusinessKind.HOUSEHOLD_BUSINESS, BusinessKind.HOUSEHOLD)


class SubsidyProgramme(OwnersSeeTheirProvinces, Model):
    """A province's subsidy of course fees: for one course, or every course of the province."""

    __tablename__ = "subsidy_programmes"
    __table_args__ = (
        sa.CheckConstraint("share_pct BETWEEN 1 AND 100", name="share_pct_range"),
        sa.CheckConstraint("budget_vnd IS NULL OR spent_vnd <= budget_vnd", name="within_budget"),
        sa.CheckConstraint("spent_vnd >= 0", name="spent_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(index=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    #: None: the programme covers every fee-paying course of the province.
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    #: Share of the fee paid by the province, in percent (100: the whole fee).
    share_pct: Mapped[int] = mapped_column()
    #: Only household businesses and households (not enterprises or cooperatives).
    households_only: Mapped[bool] = mapped_column(default=False)
    #: Only businesses of this sector; None: every sector.
    sector: Mapped[Sector | None] = mapped_column(sa.Enum(Sector, native_enum=False, length=24))
    #: Total the programme may grant, in VND; None: no limit.
    budget_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Granted plus reserved by pending payments, in VND (changed only with the row locked).
    spent_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course | None] = relationship()

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_vi

    def covers(self, business: Business) -> bool:
        """Tell whether a business meets the programme's household and sector limits."""
        if self.households_only and business.kind not in HOUSEHOLD_KINDS:
            return False
        return self.sector is None or business.sector == self.sector

    @property
    def remaining_vnd(self) -> int | None:
        return None if self.budget_vnd is None else self.budget_vnd - self.spent_vnd


class Payment(OwnersSeeTheirBusinesses, Model):
    """One attempt to settle an enrolment's fee, with the subsidy it drew and any refund."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), index=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    status: Mapped[PaymentStatus] = mapped_column(
        sa.Enum(PaymentStatus, native_enum=False, length=12), index=True
    )
    #: The course fee when the seat was taken, in VND.
    fee_vnd: Mapped[int] = mapped_column(sa.BigInteger)
    subsidy_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subsidy_programmes.id"))
    #: What the owner pays by card: fee less subsidy, in VND.
    amount_vnd: Mapped[int] = mapped_column(sa.BigInteger)
    #: The subsidy went back to the programme's budget (failed, expired, refunded on cancel).
    subsidy_returned: Mapped[bool] = mapped_column(default=False)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: The seat is released if the payment has not succeeded by then (naive UTC).
    hold_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    #: When the fee was settled (webhook received, or fully subsidised).
    paid_at: Mapped[datetime | None] = mapped_column()
    refund_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunded_at: Mapped[datetime | None] = mapped_column()
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(64))
    refunded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Stripe's code for a failed card payment (e.g. card_declined).
    failure_code: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    business: Mapped[Business] = relationship()
    course: Mapped[Course] = relationship()
    programme: Mapped[SubsidyProgramme | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_receipt(self) -> bool:
        return self.paid_at is not None

    @property
    def receipt_number(self) -> str:
        return f"{self.province_code:02d}-{self.id:06d}"


class StripeEvent(Model):
    """Every Stripe event applied once: a second delivery of the same id changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    #: What the event did: "applied", "ignored" (unknown type, stale or no matching payment).
    outcome: Mapped[str] = mapped_column(sa.String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
