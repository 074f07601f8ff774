"""Businesses and households registered by their owners."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import Model


class BusinessKind(enum.StrEnum):
    ENTERPRISE = "enterprise"
    COOPERATIVE = "cooperative"
    HOUSEHOLD_BUSINESS = "household_business"
    HOUSEHOLD = "household"


class Sector(enum.StrEnum):
    AGRICULTURE = "agriculture"
    FOOD_PROCESSING = "food_processing"
    HANDICRAFTS = "handicrafts"
    INDUSTRY = "industry"
    TRADE = "trade"
    TOURISM = "tourism"
    TRANSPORT_LOGISTICS = "transport_logistics"
    HEALTH = "health"
    EDUCATION = "education"
    NATURAL_RESOURCES = "natural_resources"
    CONSTRUCTION = "construction"
    JOURNALISM = "journalism"
    SERVICES = "services"
    OTHER = "other"


class BusinessSize(enum.StrEnum):
    #: Run by the family, no hired staff.
    FAMILY = "family"
    #: Up to 10 employees (Decree 80/2021 micro enterprise).
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Business(Model):
    __tablename__ = "businesses"
    __table_args__ = (
        sa.Index("ix_businesses_province_commune", "province_code", "commune_code"),
        sa.Index("ix_businesses_province_sector", "province_code", "sector"),
        # The province's list of businesses, in name order.
        sa.Index("ix_businesses_province_name", "province_code", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[BusinessKind] = mapped_column(sa.Enum(BusinessKind, native_enum=False, length=24))
    #: 10 digits, or 13 digits for a branch (stored without the dash); None for most households.
    tax_code: Mapped[str | None] = mapped_column(sa.String(13))
    sector: Mapped[Sector] = mapped_column(sa.Enum(Sector, native_enum=False, length=24))
    size: Mapped[BusinessSize] = mapped_column(sa.Enum(BusinessSize, native_enum=False, length=12))
    #: Official codes from vietnam-provinces (see portal.geo).
    province_code: Mapped[int] = mapped_column()
    commune_code: Mapped[int] = mapped_column()
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        """Owners see their own businesses; province users their province's."""
        if user.is_owner:
            return cls.owner_id == user.id
        return cls.province_code == user.province_code

    @property
    def is_household(self) -> bool:
        return self.kind == BusinessKind.HOUSEHOLD

    @property
    def is_any_household(self) -> bool:
        """A household or a household business: a trainer or staff member may fill in its
        assessment with it (``assessment.fill`` in portal/permissions.py)."""
        return self.kind in (BusinessKind.HOUSEHOLD, BusinessKind.HOUSEHOLD_BUSINESS)
