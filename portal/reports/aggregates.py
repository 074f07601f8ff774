"""Report aggregates: counts and sums per local day, kept current at write time, and their sums.

Three tables (``portal.reports.models``): ``report_totals`` per province, day and measure (what
an unfiltered report adds up), ``report_counts`` per province, day, commune, sector, kind, size
and measure (a filtered report), and ``report_contributions``, what each business adds to them
(never read by a report: the writes' memory).

One set-based definition, :func:`contributions`, says what every business adds. A rebuild
(``flask rebuild-report-aggregates``) runs it over every business with ``INSERT … SELECT …
GROUP BY``. A write runs it over the businesses it touched: session hooks collect them on every
flush (ORM rows, and bulk Core inserts of businesses), and before the commit the new
contribution of each is compared with the stored one and only the difference is added, with
``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` (atomic under concurrency; the
business row is locked while its contribution is replaced). Imports, erasures, the field sync
and business moves change rows without the usual operations; since the contribution is
recomputed from the rows themselves, none of them needs a case of its own.

Days are local dates (``portal.clock``): a report's period of local dates is a range of days.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

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
from portal.reports.models import DigitalStatus, ReportContribution, ReportCount, ReportTotal
from portal.training.models import (
    Certificate,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    EventState,
)

#: The measures, and what each counts (``n``; ``total`` is 0 but for scores).
MEASURES = {
    "households": "households and household businesses, on the day they were registered",
    "paying_households": "households with a verified digital payment, on the day both held",
    "assessments": "submitted assessments, on their submission day",
    "score:<dimension>": "scores of a dimension (n) and their sum (total), on submission day",
    "first_assessed": "businesses, on the day of their first submitted assessment",
    "enrolled": "enrolment events ENROLLED",
    "completed": "enrolment events COMPLETED",
    "first_trained": "businesses, on the day of their first completed course",
    "certificates": "certificates, on their issue day",
    "listings": "sales listing paths, on the day their first evidence was verified",
    "first_sales": "businesses, on the day of their first verified sales channel",
    "digital_in": "status stretches begun (a business became digital)",
    "digital_out": "status stretches ended",
    # The known base as it is now (the funnel), each business once, where it is now:
    "now:known": "businesses (imported or registered)",
    "now:registered": "businesses whose owner has an e-mail or phone to sign in with",
    "now:assessed": "businesses with a submitted assessment",
    "now:trained": "businesses with a certificate not withdrawn",
    "now:listed": "businesses with a piece of evidence verified",
    "now:digital": "businesses digital now (a status stretch not ended)",
}
SCORE_PREFIX = "score:"
#: The measures of the present state: no flow of days, so all on one day, ``STATE_DAY``.
STATE_PREFIX = "now:"
STATE_DAY = date.min
HOUSEHOLD_KINDS = (BusinessKind.HOUSEHOLD, BusinessKind.HOUSEHOLD_BUSINESS)

#: The group columns of ``report_counts``, in key order.
GROUP_KEYS = ("province_code", "measure", "day", "commune_code", "sector", "kind", "size")
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


def _later(a: Any, b: Any) -> Any:
    return sa.func.greatest(a, b) if _dialect() == "postgresql" else sa.func.max(a, b)


def _measure(name: str) -> Any:
    return sa.literal_column(f"'{name}'", sa.String)


_ONE = sa.literal_column("1", sa.Integer)
_ZERO = sa.literal_column("0.0", sa.Float)


_NAMES = ("business_id", "province_code", "measure", "day", "commune_code", "sector", "kind")
_NAMES = (*_NAMES, "size", "n", "total")


def _row(*columns: Any) -> sa.Select:
    """Return a select of one measure's rows, its columns named as the union needs them."""
    return sa.select(*(c.label(n) for c, n in zip(columns, _NAMES, strict=True)))


def _parts(ids: list[int] | None) -> list[Any]:
    """Return one select per measure: (business, province, measure, day, groups, n, total)."""
    b = Business

    def only(column: Any) -> list:
        return [] if ids is None else [column.in_(ids)]

    groups = (b.commune_code, b.sector, b.kind, b.size)
    first_group = (b.id, b.province_code, *groups)
    submitted = Assessment.status == AssessmentStatus.SUBMITTED
    _first_assessed = sa.func.coalesce(Assessment.submitted_at, Assessment.updated_at)
    _first_trained = sa.func.coalesce(Enrolment.completed_at, Enrolment.updated_at)
    verified = Evidence.status == EvidenceStatus.VERIFIED
    evidence_day = sa.func.coalesce(Evidence.verified_at, Evidence.submitted_at)
    first_payment = (
        sa.select(b.id.label("business_id"), sa.func.min(evidence_day).label("at"))
        .select_from(Evidence)
        .join(OnboardingPath, OnboardingPath.id == Evidence.onboarding_id)
        .join(b, b.id == OnboardingPath.business_id)
        .where(
            verified,
            OnboardingPath.channel == "payment",
            b.kind.in_(HOUSEHOLD_KINDS),
            *only(b.id),
        )
        .group_by(b.id)
        .subquery()
    )
    return [
        _row(
            b.id, b.province_code, _measure("households"), local_day(b.created_at), *groups,
            _ONE, _ZERO,
        ).where(b.kind.in_(HOUSEHOLD_KINDS), *only(b.id)),
        _row(
            b.id, b.province_code, _measure("paying_households"),
            local_day(_later(b.created_at, first_payment.c.at)), *groups, _ONE, _ZERO,
        )
        .select_from(b)
        .join(first_payment, first_payment.c.business_id == b.id),
        _row(
            b.id, Assessment.province_code, _measure("assessments"),
            local_day(Assessment.submitted_at), *groups, _ONE, _ZERO,
        )
        .select_from(Assessment)
        .join(b, b.id == Assessment.business_id)
        .where(submitted, Assessment.submitted_at.is_not(None), *only(b.id)),
        _row(
            b.id, AssessmentScore.province_code,
            (_measure(SCORE_PREFIX) + AssessmentScore.dimension),
            local_day(AssessmentScore.submitted_at), *groups, _ONE, AssessmentScore.score,
        )
        .select_from(AssessmentScore)
        .join(Assessment, Assessment.id == AssessmentScore.assessment_id)
        .join(b, b.id == Assessment.business_id)
        .where(*only(b.id)),
        _row(
            *first_group[:2], _measure("first_assessed"),
            local_day(sa.func.min(_first_assessed)),
            *groups, _ONE, _ZERO,
        )
        .select_from(Assessment)
        .join(b, b.id == Assessment.business_id)
        .where(submitted, *only(b.id))
        .group_by(*first_group),
        _row(
            b.id, EnrolmentEvent.province_code,
            sa.case((EnrolmentEvent.state == EventState.ENROLLED, _measure("enrolled")),
                    else_=_measure("completed")),
            local_day(EnrolmentEvent.at), EnrolmentEvent.commune_code, EnrolmentEvent.sector,
            b.kind, b.size, _ONE, _ZERO,
        )
        .select_from(EnrolmentEvent)
        .join(b, b.id == EnrolmentEvent.business_id)
        .where(
            EnrolmentEvent.state.in_([EventState.ENROLLED, EventState.COMPLETED]), *only(b.id)
        ),
        _row(
            *first_group[:2], _measure("first_trained"),
            local_day(sa.func.min(_first_trained)),
            *groups, _ONE, _ZERO,
        )
        .select_from(Enrolment)
        .join(b, b.id == Enrolment.business_id)
        .where(Enrolment.state == EnrolmentState.COMPLETED, *only(b.id))
        .group_by(*first_group),
        _row(
            b.id, Certificate.province_code, _measure("certificates"),
            local_day(Certificate.issued_at), *groups, _ONE, _ZERO,
        )
        .select_from(Certificate)
        .join(b, b.id == Certificate.business_id)
        .where(*only(b.id)),
        _row(
            b.id, OnboardingPath.province_code, _measure("listings"),
            local_day(sa.func.min(Evidence.verified_at)), *groups, _ONE, _ZERO,
        )
        .select_from(Evidence)
        .join(OnboardingPath, OnboardingPath.id == Evidence.onboarding_id)
        .join(b, b.id == OnboardingPath.business_id)
        .where(
            verified,
            OnboardingPath.channel == "sales",
            Evidence.verified_at.is_not(None),
            *only(b.id),
        )
        .group_by(OnboardingPath.id, OnboardingPath.province_code, *first_group),
        _row(
            *first_group[:2], _measure("first_sales"), local_day(sa.func.min(evidence_day)),
            *groups, _ONE, _ZERO,
        )
        .select_from(Evidence)
        .join(OnboardingPath, OnboardingPath.id == Evidence.onboarding_id)
        .join(b, b.id == OnboardingPath.business_id)
        .where(verified, OnboardingPath.channel == "sales", *only(b.id))
        .group_by(*first_group),
        _row(
            b.id, DigitalStatus.province_code, _measure("digital_in"),
            local_day(DigitalStatus.became_digital_at), DigitalStatus.commune_code,
            DigitalStatus.sector, DigitalStatus.kind, b.size, _ONE, _ZERO,
        )
        .select_from(DigitalStatus)
        .join(b, b.id == DigitalStatus.business_id)
        .where(*only(b.id)),
        _row(
            b.id, DigitalStatus.province_code, _measure("digital_out"),
            local_day(DigitalStatus.ceased_at), DigitalStatus.commune_code,
            DigitalStatus.sector, DigitalStatus.kind, b.size, _ONE, _ZERO,
        )
        .select_from(DigitalStatus)
        .join(b, b.id == DigitalStatus.business_id)
        .where(DigitalStatus.ceased_at.is_not(None), *only(b.id)),
        *_states(only(b.id)),
    ]  # fmt: skip


def _states(only: list) -> list[sa.Select]:
    """The funnel's measures: each business once, on ``STATE_DAY``, in its present groups."""
    b = Business
    groups = (b.commune_code, b.sector, b.kind, b.size)
    registered = sa.exists().where(
        User.id == b.owner_id, sa.or_(User.email.is_not(None), User.phone.is_not(None))
    )
    assessed = sa.exists().where(
        Assessment.business_id == b.id, Assessment.status == AssessmentStatus.SUBMITTED
    )
    trained = sa.exists().where(Certificate.business_id == b.id, Certificate.revoked_at.is_(None))
    listed = sa.exists().where(
        Evidence.business_id == b.id, Evidence.status == EvidenceStatus.VERIFIED
    )
    digital = sa.exists().where(
        DigitalStatus.business_id == b.id, DigitalStatus.ceased_at.is_(None)
    )
    day = sa.literal(STATE_DAY, sa.Date)
    return [
        _row(b.id, b.province_code, _measure(name), day, *groups, _ONE, _ZERO).where(*where, *only)
        for name, where in (
            ("now:known", ()),
            ("now:registered", (registered,)),
            ("now:assessed", (assessed,)),
            ("now:trained", (trained,)),
            ("now:listed", (listed,)),
            ("now:digital", (digital,)),
        )
    ]


CONTRIBUTION_COLUMNS = ("business_id", *GROUP_KEYS)


def contributions(ids: list[int] | None = None) -> sa.Select:
    """Return what each business (these, or every one) adds to ``report_counts``, one query."""
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
    return contributions(sa.bindparam("ids", expanding=True))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- rebuild


def rebuild(commit: bool = False) -> dict[str, int]:
    """Recompute every aggregate from the rows, set-based; return the rows of each table.

    Also stores the start value of every target that has none. Commits if asked (the data
    generators end with ``rebuild(commit=True)``).
    """
    for model in (ReportContribution, ReportCount, ReportTotal):
        db.session.execute(sa.delete(model))
    contribution = ReportContribution.__table__
    db.session.execute(
        sa.insert(contribution).from_select([*CONTRIBUTION_COLUMNS, "n", "total"], contributions())
    )
    counts = ReportCount.__table__
    keys = [contribution.c[k] for k in GROUP_KEYS]
    db.session.execute(
        sa.insert(counts).from_select(
            [*GROUP_KEYS, "n", "total"],
            sa.select(
                *keys, sa.func.sum(contribution.c.n), sa.func.sum(contribution.c.total)
            ).group_by(*keys),
        )
    )
    total_keys = [counts.c.province_code, counts.c.measure, counts.c.day]
    db.session.execute(
        sa.insert(ReportTotal.__table__).from_select(
            ["province_code", "measure", "day", "n", "total"],
            sa.select(*total_keys, sa.func.sum(counts.c.n), sa.func.sum(counts.c.total)).group_by(
                *total_keys
            ),
        )
    )
    from portal.reports import target_values  # the readers of these tables

    target_values.store_missing_start_values()
    rows = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (ReportContribution, ReportCount, ReportTotal)
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
    table = ReportContribution.__table__
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
    totals: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for key, (n, total) in groups.items():
        t = totals[key[:3]]
        t[0] += n
        t[1] += total
    _add(ReportCount, GROUP_KEYS, groups)
    _add(ReportTotal, GROUP_KEYS[:3], {k: v for k, v in totals.items() if v[0] or v[1]})
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
        elif _signs_in_differently(obj):
            owners.add(obj.id)  # type: ignore[attr-defined]
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
    stmt = state.statement
    table = getattr(stmt, "table", None)
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
