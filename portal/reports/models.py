"""The province's digital-business definition and targets, and each business's status history."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, QueryableAttribute, mapped_column

from assessments.digital_status import DEFAULT_MIN_COURSES, DEFAULT_MIN_LEVEL, Definition
from portal.auth.models import User
from portal.businesses.models import BusinessKind, BusinessSize, Sector
from portal.clock import utcnow
from portal.extensions import Model
from portal.reports.targets import TargetMetric


def _by_province(province_code: QueryableAttribute[int], user: User) -> sa.ColumnElement[bool]:
    if user.is_owner:
        return sa.false()
    return province_code == user.province_code


class ProvinceSettings(Model):
    """The thresholds of a province's definition of a digital business (one row per province)."""

    __tablename__ = "province_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(unique=True)
    min_level: Mapped[int] = mapped_column(default=DEFAULT_MIN_LEVEL)
    min_courses: Mapped[int] = mapped_column(default=DEFAULT_MIN_COURSES)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        return _by_province(cls.province_code, user)

    @property
    def definition(self) -> Definition:
        return Definition(self.min_level, self.min_courses)


class ProvinceSettingsChange(Model):
    """Append-only: every change of a province's definition, with who made it and when."""

    __tablename__ = "province_settings_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(index=True)
    min_level: Mapped[int] = mapped_column()
    min_courses: Mapped[int] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        return _by_province(cls.province_code, user)


class ProvinceTarget(Model):
    """A province's target for one metric (see ``portal.reports.targets``) by the end of a year."""

    __tablename__ = "province_targets"
    __table_args__ = (
        sa.UniqueConstraint(
            "province_code", "metric", name="uq_province_targets_province_code_metric"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column()
    metric: Mapped[TargetMetric] = mapped_column(
        sa.Enum(
            TargetMetric,
            native_enum=False,
            length=32,
            values_callable=lambda metrics: [m.value for m in metrics],
        ),
        default=TargetMetric.DIGITAL_BUSINESSES,
        server_default=TargetMetric.DIGITAL_BUSINESSES.value,
    )
    #: A count, or a percentage (1-100) for a metric whose unit is percent.
    target: Mapped[int] = mapped_column()
    by_year: Mapped[int] = mapped_column()
    #: Where the needed straight line starts (it starts from the value on that day).
    start_on: Mapped[date] = mapped_column()
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The metric's province-wide value on ``start_on``, stored when the target is set or its
    #: start moves, so that the trajectory never recomputes the past (None until computed).
    start_value: Mapped[float | None] = mapped_column(sa.Float)

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        return _by_province(cls.province_code, user)

    @property
    def end_on(self) -> date:
        return date(self.by_year, 12, 31)


class DigitalStatus(Model):
    """One stretch of time during which a business met its province's definition.

    Commune, sector and kind are copied when it starts, so past counts never move; only a move
    of the business to another province carries province and commune along (README).
    """

    __tablename__ = "digital_status"
    __table_args__ = (
        sa.Index("ix_digital_status_province_became", "province_code", "became_digital_at"),
        sa.Index("ix_digital_status_province_ceased", "province_code", "ceased_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("businesses.id"), index=True)
    province_code: Mapped[int] = mapped_column()
    commune_code: Mapped[int] = mapped_column()
    sector: Mapped[Sector] = mapped_column(sa.Enum(Sector, native_enum=False, length=24))
    kind: Mapped[BusinessKind] = mapped_column(sa.Enum(BusinessKind, native_enum=False, length=24))
    became_digital_at: Mapped[datetime] = mapped_column()
    #: None while the business still meets the definition.
    ceased_at: Mapped[datetime | None] = mapped_column()

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        return _by_province(cls.province_code, user)


# ------------------------------------------------------------------------ report aggregates
#
# What the reports read instead of the rows that grow with businesses (README, "Speed"): counts
# and sums per local day, kept current in the committing transaction by
# ``portal.reports.aggregates`` and rebuilt from scratch by ``flask rebuild-report-aggregates``.
# A ``measure`` names what is counted ("assessments", "score:<dimension>", "digital_in", ...;
# see ``aggregates.MEASURES``). The four tables share one key, each adding to it.


class _Aggregate:
    """The key of every aggregate (province, measure, local day) and what it holds.

    ``sort_order`` keeps the columns in the primary key's order whatever the class that adds
    them: business (contributions), province, measure, day, groups, then the values.
    """

    province_code: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)
    measure: Mapped[str] = mapped_column(sa.String(48), primary_key=True, sort_order=-2)
    day: Mapped[date] = mapped_column(primary_key=True, sort_order=-2)
    #: How many were counted; ``total`` sums (scores), so an average is total / n.
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0, sort_order=1)
    total: Mapped[float] = mapped_column(sa.Float, default=0.0, sort_order=1)

    @classmethod
    def visible_to(cls, user: User) -> sa.ColumnElement[bool]:
        return _by_province(cls.province_code, user)


class _Grouped(_Aggregate):
    """...and the groups a filtered report picks."""

    commune_code: Mapped[int] = mapped_column(primary_key=True)
    sector: Mapped[Sector] = mapped_column(
        sa.Enum(Sector, native_enum=False, length=24), primary_key=True
    )
    kind: Mapped[BusinessKind] = mapped_column(
        sa.Enum(BusinessKind, native_enum=False, length=24), primary_key=True
    )
    size: Mapped[BusinessSize] = mapped_column(
        sa.Enum(BusinessSize, native_enum=False, length=12), primary_key=True
    )


class ReportTotal(_Aggregate, Model):
    """Per province, local day and measure: what the unfiltered reports add up."""

    __tablename__ = "report_totals"


class ReportCount(_Grouped, Model):
    """Per province, local day, commune, sector, kind, size and measure: the filtered reports.

    Commune and sector are the counted row's own copies where it keeps them (enrolment events,
    status history), otherwise the business's; kind and size are the business's (status history:
    its kind when the stretch began), as the reports' filters always read them.
    """

    __tablename__ = "report_counts"
    __table_args__ = (
        # A report filtered by commune reads that commune's rows, not the province's: the
        # primary key has the measure and the day before the groups. PostgreSQL reads them
        # from the index alone (the groups and values included; past days seldom change, so
        # their pages stay all-visible).
        sa.Index(
            "ix_report_counts_commune_covering",
            "province_code",
            "commune_code",
            "measure",
            "day",
            postgresql_include=["sector", "kind", "size", "n", "total"],
        ),
    )


class ReportCommuneCount(_Aggregate, Model):
    """Per province, local day, measure and commune: ``report_counts`` added up over sector,
    kind and size (the funnel by commune, a report filtered by commune only): one row per
    commune, not one per group of it."""

    __tablename__ = "report_commune_counts"
    __table_args__ = (
        # A report filtered by commune reads that commune's rows; the key serves the per-commune
        # reads of one day (the funnel).
        sa.Index(
            "ix_report_commune_counts_commune", "province_code", "commune_code", "measure", "day"
        ),
    )

    commune_code: Mapped[int] = mapped_column(primary_key=True)


class ReportContribution(_Grouped, Model):
    """What each business adds to ``report_counts``: the writes' memory, never read by a report.

    A write recomputes the contribution of the businesses it touched from their rows and adds
    the difference to the aggregates, so moves, imports and erasures need no special case.
    """

    __tablename__ = "report_contributions"

    business_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
