"""Report aggregates: counts and sums per local day, kept current at write time, and their sums.

Four tables (``portal.reports.models``): ``report_totals`` per province, day and measure (what
an unfiltered report adds up), ``report_counts`` per province, day, commune, sector, kind, size
and measure (a filtered report), ``report_commune_counts``, the same added up per commune (the
funnel, a report filtered by commune only), and ``report_contributions``, what each business
adds to them (never read by a report: the writes' memory).

One table, :data:`MEASURES`, says what each measure counts (which rows, on which day, in which
groups); one set-based query, :func:`contributions`, adds up what every business gives each
measure. A rebuild (``flask rebuild-report-aggregates``) runs it over every business with
``INSERT … SELECT … GROUP BY``. A write runs it over the businesses it touched: session hooks
collect them on every flush (ORM rows, an owner's e-mail or phone, and bulk Core writes), and
before the commit the new contribution of each is compared with the stored one and only the
difference is added, with ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` (atomic
under concurrency; the business row is locked while its contribution is replaced). Imports,
erasures, the field sync and business moves change rows without the usual operations; since
the contribution is recomputed from the rows themselves, none of them needs a case of its own.

Days are local dates (``portal.clock``): a report's period of local dates is a range of days.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from portal import clock
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.auth.models import User
from portal.businesses.models import Business, BusinessKind
from portal.commit_hooks import TouchedBusinesses
from portal.extensions import db
from portal.locking import locked
from portal.onboarding.models import Evidence, EvidenceStatus, OnboardingPath
from portal.reports.models import (
    DigitalStatus,
    ReportCommuneCount,
    ReportContribution,
    ReportCount,
    ReportTotal,
)
from portal.training.models import (
    Certificate,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    EventState,
)

SCORE_PREFIX = "score:"
#: The measures of the present state: no flow of days, so all on one day, ``STATE_DAY``.
STATE_PREFIX = "now:"
STATE_DAY = date.min
HOUSEHOLD_KINDS = (BusinessKind.HOUSEHOLD, BusinessKind.HOUSEHOLD_BUSINESS)

#: The group columns of ``report_counts``, in key order.
GROUP_KEYS = ("province_code", "measure", "day", "commune_code", "sector", "kind", "size")
#: The keys of ``report_commune_counts`` and of ``report_totals``: the first ones of the groups.
COMMUNE_KEYS, TOTAL_KEYS = GROUP_KEYS[:4], GROUP_KEYS[:3]
#: The aggregate tables, in the order a write adds to them (always the same: no deadlock).
TABLES = (ReportContribution, ReportCount, ReportCommuneCount, ReportTotal)
#: Businesses whose contribution is recomputed per round of queries.
BATCH = 500


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def local_day(column: Any) -> Any:
    """Return the local date of a UTC datetime column (the portal's whole-hour offset)."""
    offset = clock.utc_offset_hours()
    if _dialect() == "postgresql":
        return sa.cast(column + sa.text(f"interval '{offset} hours'"), sa.Date)
    return sa.type_coerce(sa.func.date(column, f"{offset:+d} hours"), sa.Date)


def _measure(name: str) -> Any:
    return sa.literal_column(f"'{name}'", sa.String)


_ONE = sa.literal_column("1", sa.Integer)
_ZERO = sa.literal_column("0.0", sa.Float)


_NAMES = (
    "business_id",
    "province_code",
    "measure",
    "day",
    "commune_code",
    "sector",
    "kind",
    "size",
    "n",
    "total",
)


def _row(*columns: Any) -> sa.Select:
    """Return a select of one measure's rows, its columns named as the union needs them."""
    return sa.select(*(c.label(n) for c, n in zip(columns, _NAMES, strict=True)))


#: How the rows of each counted table reach their business.
_TO_BUSINESS: dict[type, tuple[tuple[Any, Any], ...]] = {
    Business: (),
    Assessment: ((Business, Business.id == Assessment.business_id),),
    AssessmentScore: (
        (Assessment, Assessment.id == AssessmentScore.assessment_id),
        (Business, Business.id == Assessment.business_id),
    ),
    Enrolment: ((Business, Business.id == Enrolment.business_id),),
    EnrolmentEvent: ((Business, Business.id == EnrolmentEvent.business_id),),
    Certificate: ((Business, Business.id == Certificate.business_id),),
    Evidence: (
        (OnboardingPath, OnboardingPath.id == Evidence.onboarding_id),
        (Business, Business.id == OnboardingPath.business_id),
    ),
    DigitalStatus: ((Business, Business.id == DigitalStatus.business_id),),
}
#: The groups of a row: the business's where now, unless the row keeps its own copies.
_GROUPS = (Business.commune_code, Business.sector, Business.kind, Business.size)


@dataclass(frozen=True)
class Measure:
    """One measure: its name, what ``n`` counts (``total`` is 0 but for scores), and how.

    ``shape``: ``each`` row of ``source`` counts on the local day of ``at``; ``first``: each
    business (or each ``per``) once, on the local day of its earliest ``at``; ``state``: each
    business once, on ``STATE_DAY``, as it is now. Rows count in ``source``'s province (the
    business's for ``first`` and ``state``) and in ``groups``; ``where`` picks them.
    """

    name: str
    counts: str
    #: The counted table's model (it has ``province_code``; see ``_TO_BUSINESS``).
    source: Any
    at: Any = None
    where: tuple = ()
    shape: Literal["each", "first", "state"] = "each"
    per: tuple = ()
    province: Any = None
    groups: tuple = _GROUPS
    #: The measure column, when it is not the name (scores: one measure per dimension).
    label: Any = None
    total: Any = _ZERO

    def rows(self, only: list) -> sa.Select:
        """Return the select of this measure's rows (of the businesses ``only`` picks)."""
        label = self.label if self.label is not None else _measure(self.name)
        if self.shape == "state":
            day = sa.literal(STATE_DAY, sa.Date)
        elif self.shape == "first":
            day = local_day(sa.func.min(self.at))
        else:
            day = local_day(self.at)
        province = self.province
        if province is None:
            province = Business.province_code if self.shape != "each" else self.source.province_code
        stmt = _row(Business.id, province, label, day, *self.groups, _ONE, self.total)
        stmt = stmt.select_from(self.source)
        for target, on in _TO_BUSINESS[self.source]:
            stmt = stmt.join(target, on)
        stmt = stmt.where(*self.where, *only)
        if self.shape == "first":
            stmt = stmt.group_by(*self.per, Business.id, province, *self.groups)
        return stmt


_HOUSEHOLD = Business.kind.in_(HOUSEHOLD_KINDS)
_SUBMITTED = Assessment.status == AssessmentStatus.SUBMITTED
_VERIFIED = Evidence.status == EvidenceStatus.VERIFIED
_SALES, _PAYMENT = OnboardingPath.channel == "sales", OnboardingPath.channel == "payment"
_EVIDENCE_AT = sa.func.coalesce(Evidence.verified_at, Evidence.submitted_at)
_EVENT_GROUPS = (EnrolmentEvent.commune_code, EnrolmentEvent.sector, Business.kind, Business.size)
_STATUS_GROUPS = (
    DigitalStatus.commune_code,
    DigitalStatus.sector,
    DigitalStatus.kind,
    Business.size,
)


def _exists(model: Any, *where: Any) -> Any:
    return sa.exists().where(model.business_id == Business.id, *where)


#: Every measure (README, "Speed"). The target metrics add some of them up to a day
#: (``target_values``); the funnel reads the ``now:*`` ones.
MEASURES: tuple[Measure, ...] = (
    Measure(
        "households", "households and household businesses, on the day they were registered",
        Business, Business.created_at, (_HOUSEHOLD,),
    ),
    Measure(
        "paying_households", "households with a verified digital payment, on the day both held",
        Evidence,
        sa.case((Business.created_at > _EVIDENCE_AT, Business.created_at), else_=_EVIDENCE_AT),
        (_VERIFIED, _PAYMENT, _HOUSEHOLD), shape="first",
    ),
    Measure(
        "assessments", "submitted assessments, on their submission day",
        Assessment, Assessment.submitted_at, (_SUBMITTED, Assessment.submitted_at.is_not(None)),
    ),
    Measure(
        f"{SCORE_PREFIX}<dimension>",
        "scores of a dimension (n) and their sum (total), on submission day",
        AssessmentScore, AssessmentScore.submitted_at,
        label=_measure(SCORE_PREFIX) + AssessmentScore.dimension, total=AssessmentScore.score,
    ),
    Measure(
        "first_assessed", "businesses, on the day of their first submitted assessment",
        Assessment, sa.func.coalesce(Assessment.submitted_at, Assessment.updated_at),
        (_SUBMITTED,), shape="first",
    ),
    Measure(
        "enrolled", "enrolment events ENROLLED",
        EnrolmentEvent, EnrolmentEvent.at, (EnrolmentEvent.state == EventState.ENROLLED,),
        groups=_EVENT_GROUPS,
    ),
    Measure(
        "completed", "enrolment events COMPLETED",
        EnrolmentEvent, EnrolmentEvent.at, (EnrolmentEvent.state == EventState.COMPLETED,),
        groups=_EVENT_GROUPS,
    ),
    Measure(
        "first_trained", "businesses, on the day of their first completed course",
        Enrolment, sa.func.coalesce(Enrolment.completed_at, Enrolment.updated_at),
        (Enrolment.state == EnrolmentState.COMPLETED,), shape="first",
    ),
    Measure(
        "certificates", "certificates, on their issue day", Certificate, Certificate.issued_at,
    ),
    Measure(
        "listings", "sales listing paths, on the day their first evidence was verified",
        Evidence, Evidence.verified_at, (_VERIFIED, _SALES, Evidence.verified_at.is_not(None)),
        shape="first", per=(OnboardingPath.id,), province=OnboardingPath.province_code,
    ),
    Measure(
        "first_sales", "businesses, on the day of their first verified sales channel",
        Evidence, _EVIDENCE_AT, (_VERIFIED, _SALES), shape="first",
    ),
    Measure(
        "digital_in", "status stretches begun (a business became digital)",
        DigitalStatus, DigitalStatus.became_digital_at, groups=_STATUS_GROUPS,
    ),
    Measure(
        "digital_out", "status stretches ended",
        DigitalStatus, DigitalStatus.ceased_at, (DigitalStatus.ceased_at.is_not(None),),
        groups=_STATUS_GROUPS,
    ),
    # The known base as it is now (the funnel): each business once, in its groups now.
    Measure("now:known", "businesses (imported or registered)", Business, shape="state"),
    Measure(
        "now:registered", "businesses whose owner has an e-mail or phone to sign in with",
        Business, shape="state",
        where=(
            sa.exists().where(
                User.id == Business.owner_id,
                sa.or_(User.email.is_not(None), User.phone.is_not(None)),
            ),
        ),
    ),
    Measure(
        "now:assessed", "businesses with a submitted assessment",
        Business, shape="state", where=(_exists(Assessment, _SUBMITTED),),
    ),
    Measure(
        "now:trained", "businesses with a certificate not withdrawn",
        Business, shape="state", where=(_exists(Certificate, Certificate.revoked_at.is_(None)),),
    ),
    Measure(
        "now:listed", "businesses with a piece of evidence verified",
        Business, shape="state", where=(_exists(Evidence, _VERIFIED),),
    ),
    Measure(
        "now:digital", "businesses digital now (a status stretch not ended)",
        Business, shape="state",
        where=(_exists(DigitalStatus, DigitalStatus.ceased_at.is_(None)),),
    ),
)  # fmt: skip


def _parts(ids: list[int] | sa.BindParameter[Any] | None) -> list[Any]:
    """Return one select per measure: (business, province, measure, day, groups, n, total)."""
    only = [] if ids is None else [Business.id.in_(ids)]
    return [measure.rows(only) for measure in MEASURES]


CONTRIBUTION_COLUMNS = ("business_id", *GROUP_KEYS)


def contributions(ids: list[int] | sa.BindParameter[Any] | None = None) -> sa.Select:
    """Return what each business (these, or those bound to an expanding parameter, or every
    one) adds to ``report_counts``, one query."""
    rows = sa.union_all(*_parts(ids)).subquery()
    keys = [rows.c[name] for name in CONTRIBUTION_COLUMNS]
    return sa.select(
        *keys,
        sa.cast(sa.func.sum(rows.c.n), sa.BigInteger).label("n"),
        sa.cast(sa.func.sum(rows.c.total), sa.Float).label("total"),
    ).group_by(*keys)


@functools.cache
def _contributions_of_ids(_dialect: str, _offset: int) -> sa.Select:
    """``contributions`` of the businesses bound as ``ids``, built once per database and zone:
    building the union is ~0.1 s of Python, far more than running it for a few businesses."""
    return contributions(sa.bindparam("ids", expanding=True))


# ------------------------------------------------------------------------------- rebuild


def rebuild(commit: bool = False) -> dict[str, int]:
    """Recompute every aggregate from the rows, set-based; return the rows of each table.

    Also stores the start value of every target that has none. Commits if asked (the data
    generators end with ``rebuild(commit=True)``).
    """
    for model in TABLES:
        db.session.execute(sa.delete(model))
    # Core statements of the tables (a model's __table__ is typed FromClause).
    contribution = cast(sa.Table, ReportContribution.__table__)
    db.session.execute(
        sa.insert(contribution).from_select([*CONTRIBUTION_COLUMNS, "n", "total"], contributions())
    )
    counts = cast(sa.Table, ReportCount.__table__)
    keys = [contribution.c[k] for k in GROUP_KEYS]
    db.session.execute(
        sa.insert(counts).from_select(
            [*GROUP_KEYS, "n", "total"],
            sa.select(
                *keys, sa.func.sum(contribution.c.n), sa.func.sum(contribution.c.total)
            ).group_by(*keys),
        )
    )
    for model, names in ((ReportCommuneCount, COMMUNE_KEYS), (ReportTotal, TOTAL_KEYS)):
        columns = [counts.c[k] for k in names]
        db.session.execute(
            sa.insert(cast(sa.Table, model.__table__)).from_select(
                [*names, "n", "total"],
                sa.select(*columns, sa.func.sum(counts.c.n), sa.func.sum(counts.c.total)).group_by(
                    *columns
                ),
            )
        )
    from portal.reports import target_values  # the readers of these tables

    target_values.store_missing_start_values()
    rows = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in TABLES
    }
    if commit:
        db.session.commit()
    return rows


# ------------------------------------------------------------------ keeping them current


def refresh(business_ids: Iterable[int]) -> int:
    """Bring the aggregates of these businesses up to date; return how many groups changed."""
    ids = sorted(set(business_ids))
    changed = 0
    for start in range(0, len(ids), BATCH):
        changed += _refresh_batch(ids[start : start + BATCH])
    return changed


def _key(row: Any) -> tuple:
    return tuple(row._mapping[k] for k in CONTRIBUTION_COLUMNS)


def _refresh_batch(ids: list[int]) -> int:
    # One writer per business at a time: a second waits here, then reads what the first stored.
    db.session.execute(
        locked(sa.select(Business.id).where(Business.id.in_(ids)).order_by(Business.id))
    )
    old = {
        _key(row): (row.n, row.total)
        for row in db.session.execute(
            sa.select(ReportContribution.__table__).where(ReportContribution.business_id.in_(ids))
        )
    }
    of_ids = _contributions_of_ids(_dialect(), clock.utc_offset_hours())
    new = {_key(row): (row.n, row.total) for row in db.session.execute(of_ids, {"ids": ids})}
    if old == new:
        return 0
    delta: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for key, (n, total) in new.items():
        d = delta[key[1:]]
        d[0] += n
        d[1] += total
    for key, (n, total) in old.items():
        d = delta[key[1:]]
        d[0] -= n
        d[1] -= total
    table = cast(sa.Table, ReportContribution.__table__)  # typed FromClause
    db.session.execute(sa.delete(table).where(table.c.business_id.in_(ids)))
    if new:
        db.session.execute(
            sa.insert(table),
            [
                dict(zip(CONTRIBUTION_COLUMNS, key, strict=True), n=n, total=total)
                for key, (n, total) in new.items()
            ],
        )
    groups = {k: v for k, v in delta.items() if v[0] or v[1]}
    _add(ReportCount, GROUP_KEYS, groups)
    for model, keys in ((ReportCommuneCount, COMMUNE_KEYS), (ReportTotal, TOTAL_KEYS)):
        summed: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
        for key, (n, total) in groups.items():
            s = summed[key[: len(keys)]]
            s[0] += n
            s[1] += total
        _add(model, keys, {k: v for k, v in summed.items() if v[0] or v[1]})
    return len(groups)


def _sort_key(key: tuple) -> tuple:
    return tuple(str(part) for part in key)


def _add(model: Any, keys: tuple[str, ...], deltas: dict[tuple, list]) -> None:
    """Add the deltas to their groups atomically (insert, or add to the stored values)."""
    if not deltas:
        return
    table = model.__table__
    insert = postgresql.insert if _dialect() == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={"n": table.c.n + stmt.excluded.n, "total": table.c.total + stmt.excluded.total},
    )
    # Always the same order, so that two writers never wait for each other in a circle.
    rows = [
        dict(zip(keys, key, strict=True), n=n, total=total)
        for key, (n, total) in sorted(deltas.items(), key=lambda kv: _sort_key(kv[0]))
    ]
    db.session.execute(stmt, rows)


def _touches(obj: object) -> bool:
    if isinstance(obj, Assessment):
        # Drafts are saved on every answer and count for nothing.
        return obj.status == AssessmentStatus.SUBMITTED
    if isinstance(obj, Evidence):
        return obj.status != EvidenceStatus.PENDING
    return isinstance(obj, (Enrolment, EnrolmentEvent, Certificate, OnboardingPath, DigitalStatus))


def _signs_in_differently(obj: object) -> bool:
    """An account whose e-mail or phone changed (its businesses' "registered" may change)."""
    if not isinstance(obj, User):
        return False
    attrs = sa.inspect(obj).attrs
    return attrs.email.history.has_changes() or attrs.phone.history.has_changes()


def _touched_businesses(session: Session) -> set[int]:
    """The businesses whose counted rows were just flushed (and those of changed owners)."""
    ids: set[int] = set()
    owners: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Business):
            ids.add(obj.id)
        elif _touches(obj) and getattr(obj, "business_id", None) is not None:
            ids.add(obj.business_id)
        elif isinstance(obj, User) and _signs_in_differently(obj):
            owners.add(obj.id)
    if owners:
        owned = sa.select(Business.id).where(Business.owner_id.in_(sorted(owners)))
        ids.update(session.connection().execute(owned).scalars())
    return ids


#: Per table, the columns whose change can change a count (a bulk UPDATE of others is ignored).
_COUNTED_COLUMNS = {
    model.__tablename__: set(columns.split())
    for model, columns in (
        (Business, "kind sector size province_code commune_code created_at owner_id"),
        (User, "email phone"),
        (Assessment, "status submitted_at updated_at province_code business_id"),
        (AssessmentScore, "score dimension submitted_at province_code"),
        (Evidence, "status verified_at submitted_at province_code business_id onboarding_id"),
        (OnboardingPath, "channel business_id province_code"),
        (Enrolment, "state completed_at updated_at province_code business_id"),
        (EnrolmentEvent, "state at commune_code sector province_code business_id"),
        (Certificate, "issued_at revoked_at province_code business_id"),
        (DigitalStatus, "became_digital_at ceased_at province_code commune_code sector kind"),
    )
}


def _business_ids_of(table: sa.Table, where: Any) -> Any:
    """Return a select of the businesses of the rows ``where`` picks in ``table``."""
    column: Any
    if table.name == Business.__tablename__:
        column = table.c.id
    elif table.name == User.__tablename__:
        owners = sa.select(table.c.id).where(*where)
        return sa.select(Business.id).where(Business.owner_id.in_(owners))
    elif table.name == AssessmentScore.__tablename__:
        column = Assessment.business_id
        return sa.select(column).where(
            Assessment.id.in_(sa.select(table.c.assessment_id).where(*where))
        )
    else:
        column = table.c.business_id
    return sa.select(column).where(*where).distinct()


def _collect_bulk(state: ORMExecuteState) -> Any:
    """Remember the businesses of bulk Core writes that can change a count.

    An UPDATE or DELETE: the businesses of the rows it picks, read before it runs. An INSERT of
    businesses with RETURNING (the bulk import): the new ids, read from its result.
    """
    stmt: Any = state.statement
    table: Any = getattr(stmt, "table", None)
    name = getattr(table, "name", None)
    if name not in _COUNTED_COLUMNS or not (state.is_update or state.is_delete or state.is_insert):
        return None
    if state.is_update or state.is_delete:
        if state.is_update:
            changed = {getattr(k, "key", k) for k in (stmt._values or {})}
            if not changed & _COUNTED_COLUMNS[name]:
                return None
        where = [stmt.whereclause] if stmt.whereclause is not None else []
        connection = state.session.connection()
        touched.note(state.session, connection.execute(_business_ids_of(table, where)).scalars())
        return None
    if name != Business.__tablename__ or not getattr(stmt, "_returning", None):
        return None
    frozen = state.invoke_statement().freeze()
    keys = list(frozen().keys())
    if "id" in keys:
        at = keys.index("id")
        touched.note(state.session, (row[at] for row in frozen().all()))
    return frozen()


#: Every commit adds the changes of the businesses it touched (portal/commit_hooks.py).
touched = TouchedBusinesses(
    key="report_aggregates_pending", collect=_touched_businesses, refresh=refresh
)


def install_hooks() -> None:
    """Keep the aggregates current on every commit (installed once per process).

    Install after the status history's hooks: its ``before_commit`` adds status rows, and this
    one must count them.
    """
    touched.install()
    if not sa.event.contains(db.session, "do_orm_execute", _collect_bulk):
        sa.event.listen(db.session, "do_orm_execute", _collect_bulk)
