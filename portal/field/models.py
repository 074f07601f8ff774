"""Field teams: helpers attached to communes, and the households they assess on the spot.

A household assessed in the field becomes what a household that registered itself is: a
``Business`` of kind household with a submitted ``Assessment`` (so every dashboard, report,
export and the API count it), owned by an *unclaimed* owner account that has no e-mail, phone
or usable password and carries the household's privacy consent. ``FieldHousehold`` keeps what
only the field knows: the record's client id (uploads are idempotent by it), the helper, the
phone as given, the scores the phone computed, whether the server's differ, and a proposed
match with a household already in the portal.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.extensions import Model

#: FieldHousehold.match_decision values.
MERGED = "merged"
DISMISSED = "dismissed"


class HelperCommune(Model):
    """A helper works in this commune (province staff attach them)."""

    __tablename__ = "field_helper_communes"
    __table_args__ = (sa.UniqueConstraint("helper_id", "commune_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    province_code: Mapped[int] = mapped_column(index=True)
    commune_code: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    helper: Mapped[User] = relationship(foreign_keys=[helper_id])

    @classmethod
    def visible_to(cls, user: Any) -> sa.ColumnElement[bool]:
        """A helper sees their own communes; province users their province's."""
        if getattr(user, "role", None) == Role.HELPER:
            return cls.helper_id == user.id
        if user.is_owner:
            return sa.false()
        return cls.province_code == user.province_code


class FieldHousehold(Model):
    """One household record uploaded by a helper (stored once, whatever the retries)."""

    __tablename__ = "field_households"
    __table_args__ = (
        sa.Index("ix_field_households_province_received", "province_code", "received_at"),
        sa.Index("ix_field_households_commune_phone", "commune_code", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The UUID the phone gave the record: the same record sent again is recognised by it.
    client_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    province_code: Mapped[int] = mapped_column()
    commune_code: Mapped[int] = mapped_column()
    helper_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    business_id: Mapped[int | None] = mapped_column(sa.ForeignKey("businesses.id"), unique=True)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Digits only (0xxxxxxxxx), as portal.forms.normalize_phone gives; None: no phone.
    phone: Mapped[str | None] = mapped_column(sa.String(15))
    #: The privacy notice version the household agreed to, and when (UTC, from the phone).
    consent_version: Mapped[int] = mapped_column()
    consented_at: Mapped[datetime] = mapped_column()
    #: When the helper finished the assessment (UTC, from the phone) and when it arrived.
    assessed_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(40))
    questionnaire_version: Mapped[int] = mapped_column()
    #: What the phone computed: {"dimensions": {...}, "overall": x, "level": n}.
    client_scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The server's scores differ from the phone's (the server's are the ones stored).
    score_mismatch: Mapped[bool] = mapped_column(default=False)
    #: A household of the same commune with the same phone already in the portal: proposed to
    #: staff as the same household, never merged without a person deciding.
    match_business_id: Mapped[int | None] = mapped_column(sa.ForeignKey("businesses.id"))
    #: What staff decided about the proposed match: None while it is open (or there is none),
    #: "merged" (the record now belongs to ``match_business_id``; ``business_id`` is None, the
    #: placeholder business is gone) or "dismissed" (two households; both stay). Who and when.
    match_decision: Mapped[str | None] = mapped_column(sa.String(10))
    match_decided_at: Mapped[datetime | None] = mapped_column()
    match_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Short code printed on the result slip, by which the household claims its record.
    claim_code: Mapped[str] = mapped_column(sa.String(12), unique=True)

    helper: Mapped[User] = relationship(foreign_keys=[helper_id])
    business: Mapped[Business | None] = relationship(foreign_keys=[business_id])
    match: Mapped[Business | None] = relationship(foreign_keys=[match_business_id])
    answers: Mapped[list["FieldAnswer"]] = relationship(
        back_populates="household", order_by="FieldAnswer.id", cascade="all, delete-orphan"
    )

    @property
    def match_open(self) -> bool:
        """A proposed match that staff have neither merged nor dismissed yet."""
        return self.match_business_id is not None and self.match_decision is None

    @property
    def held_by(self) -> Business | None:
        """The business that holds this record: its own, or the one it was merged into."""
        if self.match_decision == MERGED:
            return self.match
        return self.business

    @classmethod
    def visible_to(cls, user: Any) -> sa.ColumnElement[bool]:
        """A helper sees the records they made; province users their province's."""
        if getattr(user, "role", None) == Role.HELPER:
            return cls.helper_id == user.id
        if user.is_owner:
            return sa.false()
        return cls.province_code == user.province_code


class FieldAnswer(Model):
    """One answer as the phone recorded it, with the phone's id for it."""

    __tablename__ = "field_answers"
    __table_args__ = (sa.UniqueConstraint("household_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    household_id: Mapped[int] = mapped_column(
        sa.ForeignKey("field_households.id", ondelete="CASCADE")
    )
    question_id: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[Any] = mapped_column(sa.JSON)

    household: Mapped[FieldHousehold] = relationship(back_populates="answers")
