"""Writes of the reports feature: digital-business status, the definition, targets.

The status history is kept current by ``refresh_digital_status``. It runs on every commit that
touched an assessment, an enrolment or a piece of evidence (session hooks that ``connect``
installs from ``create_app``; a data-level net, since imports and erasures change those rows
too), so no other feature has to know about it; ``flask refresh-digital-status`` rebuilds
it for a whole province after a bulk import.
"""

import logging
from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from assessments.digital_status import Definition, Facts, is_digital
from portal import signals
from portal.assess.models import Assessment, AssessmentStatus
from portal.auth.models import User
from portal.businesses.models import Business
from portal.clock import utcnow
from portal.commit_hooks import TouchedBusinesses
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus
from portal.onboarding.queries import verified_channels
from portal.reports import aggregates, target_values
from portal.reports.models import (
    DigitalStatus,
    ProvinceSettings,
    ProvinceSettingsChange,
    ProvinceTarget,
)
from portal.reports.targets import TargetMetric
from portal.training.models import Cohort, Enrolment, EnrolmentState

log = logging.getLogger(__name__)

#: Businesses refreshed per round of queries (keeps IN lists short).
BATCH = 500


def definitions(province_codes: Collection[int]) -> dict[int, Definition]:
    """Return the definition of each province (the default where none was set), in one query."""
    found = {
        row.province_code: row.definition
        for row in db.session.scalars(
            sa.select(ProvinceSettings).where(ProvinceSettings.province_code.in_(province_codes))
        )
    }
    return {code: found.get(code, Definition()) for code in province_codes}


def _latest_levels(ids: list[int]) -> dict[int, int | None]:
    ranked = (
        sa.select(
            Assessment.business_id,
            Assessment.level,
            sa.func.row_number()
            .over(
                partition_by=Assessment.business_id,
                order_by=(Assessment.submitted_at.desc(), Assessment.id.desc()),
            )
            .label("rank"),
        )
        .where(Assessment.status == AssessmentStatus.SUBMITTED, Assessment.business_id.in_(ids))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.business_id, ranked.c.level).where(ranked.c.rank == 1)
    )
    return {row.business_id: row.level for row in rows}


def _completed_courses(ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Enrolment.business_id, sa.func.count(sa.distinct(Cohort.course_id)))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.state == EnrolmentState.COMPLETED, Enrolment.business_id.in_(ids))
        .group_by(Enrolment.business_id)
    )
    return dict(rows.all())


def refresh_digital_status(business_ids: Iterable[int], at: datetime | None = None) -> int:
    """Open or close the status rows of these businesses to match their verified facts now.

    A constant number of queries per batch of businesses. Return how many rows changed.
    """
    at = at or utcnow()
    ids = sorted(set(business_ids))
    changed = 0
    for start in range(0, len(ids), BATCH):
        changed += _refresh_batch(ids[start : start + BATCH], at)
    db.session.flush()
    return changed


def _refresh_batch(ids: list[int], at: datetime) -> int:
    businesses = db.session.execute(
        sa.select(
            Business.id,
            Business.province_code,
            Business.commune_code,
            Business.sector,
            Business.kind,
        ).where(Business.id.in_(ids))
    ).all()
    levels = _latest_levels(ids)
    courses = _completed_courses(ids)
    channels = verified_channels(ids)
    rules = definitions({b.province_code for b in businesses})
    open_rows = {
        row.business_id: row
        for row in db.session.scalars(
            sa.select(DigitalStatus).where(
                DigitalStatus.business_id.in_(ids), DigitalStatus.ceased_at.is_(None)
            )
        )
    }
    changed = 0
    for b in businesses:
        facts = Facts(
            latest_level=levels.get(b.id),
            completed_courses=courses.get(b.id, 0),
            verified_sales_channel="sales" in channels.get(b.id, ()),
            verified_digital_payment="payment" in channels.get(b.id, ()),
        )
        digital = is_digital(facts, rules[b.province_code])
        current = open_rows.get(b.id)
        if digital and current is None:
            db.session.add(
                DigitalStatus(
                    business_id=b.id,
                    province_code=b.province_code,
                    commune_code=b.commune_code,
                    sector=b.sector,
                    kind=b.kind,
                    became_digital_at=at,
                )
            )
            changed += 1
        elif not digital and current is not None:
            current.ceased_at = at
            changed += 1
    return changed


def move_digital_status(
    business_id: int, province_code: int, commune_code: int, at: datetime
) -> int:
    """Carry a business's status history to the province it has just moved to.

    Its whole history counts where the business belongs now (README, "When a business moves to
    another province"). The open stretch ends at the move, and a new one starts at the same
    instant if the business meets its new province's definition: the history shows the move,
    and no date counts the business twice. Call once the business row has its new place.
    Return how many status rows were carried.
    """
    db.session.execute(
        sa.update(DigitalStatus)
        .where(DigitalStatus.business_id == business_id, DigitalStatus.ceased_at.is_(None))
        .values(ceased_at=at)
        .execution_options(synchronize_session=False)
    )
    # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
    carried = db.session.execute(
        sa.update(DigitalStatus)
        .where(DigitalStatus.business_id == business_id)
        .values(province_code=province_code, commune_code=commune_code)
        .execution_options(synchronize_session=False)
    )
    moved = cast(CursorResult[Any], carried).rowcount
    refresh_digital_status([business_id], at)
    return moved


def refresh_province(province_code: int, at: datetime | None = None) -> int:
    """Refresh every business of a province (after its definition changed)."""
    ids = db.session.scalars(
        sa.select(Business.id).where(Business.province_code == province_code)
    ).all()
    return refresh_digital_status(ids, at)


# ------------------------------------------------------------------- keeping status current


def _touched_businesses(session: Session) -> set[int]:
    """The businesses whose assessments, enrolments or evidence were just flushed."""
    return {
        obj.business_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if _may_change_status(obj) and obj.business_id is not None
    }


def _may_change_status(obj: object) -> bool:
    # Drafts are saved on every answer and pending evidence counts for nothing: skip them.
    if isinstance(obj, Assessment):
        return obj.status == AssessmentStatus.SUBMITTED
    if isinstance(obj, Evidence):
        return obj.status != EvidenceStatus.PENDING
    return isinstance(obj, Enrolment)


#: Every commit brings the status of the businesses it touched up to date (portal/commit_hooks.py).
touched = TouchedBusinesses(
    key="digital_status_pending",
    collect=_touched_businesses,
    refresh=refresh_digital_status,
)


def _carry_moved_business(business: Business, *, at: datetime, **_event: object) -> dict:
    moved = move_digital_status(business.id, business.province_code, business.commune_code, at)
    # Status rows loaded in the session are reloaded: the move changed them with UPDATEs.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, DigitalStatus):
            db.session.expire(obj)
    return {"digital_status": moved}


def _count_moving_rows(business: Business, **_event: object) -> dict:
    """What the move page tells of the status history: whether the business is digital now."""
    digital = db.session.scalar(
        sa.select(
            sa.exists().where(
                DigitalStatus.business_id == business.id, DigitalStatus.ceased_at.is_(None)
            )
        )
    )
    return {"digital": int(bool(digital))}


def _store_start_values(session: Session, _context: Any, _instances: Any) -> None:
    """Store a target's value on its start day when it is set or its start moves, whoever
    writes it, so that the trajectory never recomputes the past."""
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, ProvinceTarget) or obj.start_on is None:
            continue
        if obj.metric is None:
            obj.metric = TargetMetric.DIGITAL_BUSINESSES  # the column's default, set before it
        moved = sa.inspect(obj).attrs.start_on.history.has_changes()
        if obj.start_value is None or (moved and obj not in session.new):
            target_values.store_start_value(obj)


def connect() -> None:
    """Keep the status history and the report aggregates current, and carry the history with
    a moved business (create_app)."""
    touched.install()
    if not sa.event.contains(db.session, "before_flush", _store_start_values):
        sa.event.listen(db.session, "before_flush", _store_start_values)
    # After the status hooks: their commit hook adds status rows that the aggregates count.
    aggregates.install_hooks()
    signals.business_moving.connect(_count_moving_rows)
    signals.business_moved.connect(_carry_moved_business)


# ---------------------------------------------------------------- definition and targets


def set_definition(province_code: int, min_level: int, min_courses: int, by: User) -> bool:
    """Change a province's thresholds, record the change and re-evaluate its businesses.

    Return False (and change nothing) if the thresholds are the same as before.
    """
    definition = Definition(min_level, min_courses)
    settings = db.session.scalar(
        sa.select(ProvinceSettings).where(ProvinceSettings.province_code == province_code)
    )
    if settings is None:
        settings = ProvinceSettings(province_code=province_code)
        db.session.add(settings)
    elif settings.definition == definition:
        return False
    now = utcnow()
    settings.min_level, settings.min_courses = min_level, min_courses
    settings.updated_at, settings.updated_by_id = now, by.id
    db.session.add(
        ProvinceSettingsChange(
            province_code=province_code,
            min_level=min_level,
            min_courses=min_courses,
            changed_at=now,
            changed_by_id=by.id,
        )
    )
    db.session.flush()
    changed = refresh_province(province_code, now)
    log.info(
        "province %s definition set to level %s, %s courses by user %s (%s statuses changed)",
        province_code,
        min_level,
        min_courses,
        by.id,
        changed,
    )
    return True


def set_target(
    province_code: int,
    target: int,
    by_year: int,
    start_on: date,
    by: User,
    metric: TargetMetric = TargetMetric.DIGITAL_BUSINESSES,
) -> ProvinceTarget:
    """Set (or replace) the province's target for one metric, noting who set it and when."""
    row = db.session.scalar(
        sa.select(ProvinceTarget).where(
            ProvinceTarget.province_code == province_code, ProvinceTarget.metric == metric
        )
    )
    if row is None:
        row = ProvinceTarget(province_code=province_code, metric=metric)
        db.session.add(row)
    row.target, row.by_year, row.start_on = target, by_year, start_on
    row.set_at, row.set_by_id = utcnow(), by.id
    # The flush stores the value on the start day (``_store_start_values``).
    db.session.flush()
    log.info(
        "province %s target %s: %s by %s (user %s)",
        province_code,
        metric.value,
        target,
        by_year,
        by.id,
    )
    return row


def remove_target(province_code: int, metric: TargetMetric, by: User) -> bool:
    """Remove the province's target for one metric; return False if it had none."""
    row = db.session.scalar(
        sa.select(ProvinceTarget).where(
            ProvinceTarget.province_code == province_code, ProvinceTarget.metric == metric
        )
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    log.info(
        "province %s target %s (%s by %s) removed by user %s",
        province_code,
        metric.value,
        row.target,
        row.by_year,
        by.id,
    )
    return True
