"""Writes for assessments. Each function flushes and logs; the view commits once."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from assessments import Questionnaire, Result, score
from portal import permissions, signals
from portal.assess.labels import AssessCode
from portal.assess.models import (
    Assessment,
    AssessmentScore,
    AssessmentStatus,
    LatestAssessment,
    PeerGroupKind,
    PeerScoreCount,
)
from portal.assess.queries import OVERALL, open_draft
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.businesses.operations import move_rows
from portal.clock import utcnow
from portal.commit_hooks import TouchedBusinesses
from portal.extensions import db
from portal.failures import OperationError
from portal.locking import locked

log = logging.getLogger(__name__)

#: Who may fill in an assessment with a household, and for which kinds of business.
HELPER_ROLES = (Role.TRAINER, Role.STAFF)


class AssessError(OperationError):
    """A refused assessment action; ``code`` is one of labels.AssessCode."""

    codes = AssessCode


def can_fill(user: User, business: Business) -> bool:
    """Tell whether the user may answer for the business: its owner, or a trainer or staff
    member of its province helping a household (``assessment.fill`` in portal.permissions)."""
    return permissions.can(user, "assessment.fill", business)


def _check(user: User, assessment: Assessment) -> None:
    if not can_fill(user, assessment.business):
        raise AssessError("not_allowed")
    if not assessment.is_draft:
        raise AssessError("not_draft")


def _record_helper(assessment: Assessment, user: User) -> None:
    if user.role in HELPER_ROLES:
        assessment.assisted_by_id = user.id


def start_assessment(
    business: Business, user: User, questionnaire: Questionnaire
) -> tuple[Assessment, bool]:
    """Return the business's open draft, or open one on ``questionnaire``; True if new.

    The business's row is locked first, as a move and a submission lock it, and its province is
    read under the lock: a draft opened while the business moves waits for the move and opens
    where the move left the business (the move carries only the drafts that exist).
    """
    _lock_businesses([business.id])
    db.session.refresh(business, ["province_code"])
    if not can_fill(user, business):
        raise AssessError("not_allowed")
    draft = open_draft(business.id)
    if draft is not None:
        _record_helper(draft, user)
        db.session.flush()
        return draft, False
    assessment = Assessment(
        business=business,
        province_code=business.province_code,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        status=AssessmentStatus.DRAFT,
        answers={},
        current_step=1,
        started_by_id=user.id,
    )
    _record_helper(assessment, user)
    try:
        # A double click on "Start": the one-draft-per-business index lets one request open
        # the draft; the other gets that draft instead of an error.
        with db.session.begin_nested():
            db.session.add(assessment)
            db.session.flush()
    except sa.exc.IntegrityError:
        draft = open_draft(business.id)
        if draft is None:
            raise
        _record_helper(draft, user)
        db.session.flush()
        return draft, False
    log.info(
        "assessment %s (%s v%s) started for business %s by user %s",
        assessment.id,
        questionnaire.id,
        questionnaire.version,
        business.id,
        user.id,
    )
    return assessment, True


def _lock(assessment: Assessment) -> Assessment:
    """Take the assessment's write lock and reload it as stored now; held until commit.

    The answers are one JSON set that a save reads, changes and writes back, so two saves (or
    a save and the submission) must never interleave: the later write would drop the other's
    answers. We lock the assessment row rather than store one row per answer: the set stays
    the one record that scoring, reports and the generator read, and the waiting is short
    (one person's saves of one assessment). PostgreSQL: SELECT ... FOR UPDATE makes the
    others wait for our commit. SQLite ignores FOR UPDATE but runs one writing transaction at
    a time: an empty update first takes that lock, so the read after it sees every save
    committed before ours and no other can commit until we do.
    """
    business = assessment.business
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(Assessment)
            .where(Assessment.id == assessment.id)
            .values(id=Assessment.id)
            .execution_options(synchronize_session=False)
        )
    reloaded = db.session.scalars(
        locked(sa.select(Assessment).where(Assessment.id == assessment.id))
    ).one()
    if reloaded.business_id == business.id:
        # The reload resets the relationship: give it back the business already in memory,
        # rather than let the session fetch it again once nothing refers to it.
        set_committed_value(reloaded, "business", business)
    return reloaded


def save_answers(
    assessment: Assessment,
    user: User,
    values: Mapping[str, Any],
    cleared: Iterable[str] = (),
    step: int | None = None,
) -> Assessment:
    """Keep normalized answers (and forget cleared ones); remember the page to resume at.

    Under the assessment's lock: simultaneous saves of other questions all survive, and a
    save that comes after the submission is refused (``not_draft``), never dropped.
    """
    assessment = _lock(assessment)
    _check(user, assessment)
    answers = dict(assessment.answers or {})
    answers.update(values)
    for question_id in cleared:
        answers.pop(question_id, None)
    # A new dict, so the JSON column sees the change.
    assessment.answers = answers
    if step is not None:
        assessment.current_step = step
    assessment.updated_at = utcnow()
    _record_helper(assessment, user)
    db.session.flush()
    log.info("assessment %s: %d answers saved", assessment.id, len(values))
    return assessment


def submit_assessment(assessment: Assessment, user: User, questionnaire: Questionnaire) -> Result:
    """Score the answers once and store the scores; the assessment never changes again.

    The answers are read, frozen and scored under the assessment's lock, so a save arriving
    meanwhile either lands before (and is scored) or is refused after; a second submission
    waits and is refused with ``not_draft``. The business's row is locked first (as a move
    locks it before changing its assessments), and its latest result and the peer counts are
    brought up to date before returning.
    """
    _lock_businesses([assessment.business_id])
    assessment = _lock(assessment)
    _check(user, assessment)
    answers = assessment.answers or {}
    if questionnaire.missing(answers):
        raise AssessError("missing_answers")
    result = score(questionnaire, answers)
    shown = {q.id for q in questionnaire.visible_questions(answers)}
    # Keep only what was asked: answers to questions hidden later are not part of the record.
    assessment.answers = {k: v for k, v in answers.items() if k in shown}
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = assessment.updated_at = utcnow()
    assessment.overall_score = result.overall
    assessment.level = result.level
    assessment.current_step = len(questionnaire.dimensions) + 1
    assessment.scores = [
        AssessmentScore(
            dimension=dimension,
            score=value,
            province_code=assessment.province_code,
            submitted_at=assessment.submitted_at,
        )
        for dimension, value in result.dimensions.items()
    ]
    _record_helper(assessment, user)
    db.session.flush()
    refresh_latest([assessment.business_id])
    log.info("assessment %s submitted: %s (level %s)", assessment.id, result.overall, result.level)
    signals.assessment_submitted.send(assessment, user=user, result=result)
    return result


# --------------------------------------------------- latest results and peer-group score counts
#
# The peer comparison of the results page and the PDF is read from ``PeerScoreCount`` (how many
# businesses of a group have each score), so it costs the same whatever the number of businesses.
# ``LatestAssessment`` says which assessment each business is counted at. Both change in the
# transaction that changes a business's latest result or its groups: ``submit_assessment`` calls
# ``refresh_latest`` itself; every other write (a field household, a move, a change of sector, a
# corrected submission date) is caught by session hooks that ``connect`` installs, which refresh
# the businesses touched just before the commit. ``rebuild_summaries`` (``flask
# rebuild-assessment-summaries``) recomputes both from the assessments, after a bulk load.

#: Businesses refreshed per round of queries (keeps IN lists short).
BATCH = 500
#: The columns of a submitted assessment whose change can change what its business counts as.
_COUNTED = ("status", "submitted_at", "business_id", "province_code", "questionnaire_id")


def _upsert(model: Any) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _lock_businesses(ids: list[int]) -> None:
    """Lock the businesses' rows (in id order, so two writers never wait for each other in turn).

    A business's latest result and the counts it is in change only under its lock: two
    submissions of one business, or a submission and a move, take turns, and the second one
    reads what the first committed. SQLite has no row locks: an empty update takes its one
    write lock instead.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(Business)
            .where(Business.id.in_(ids))
            .values(id=Business.id)
            .execution_options(synchronize_session=False)
        )
        return
    db.session.execute(
        locked(sa.select(Business.id).where(Business.id.in_(ids)).order_by(Business.id))
    )


def _latest_rows(ids: list[int] | None) -> sa.Select:
    """Select each business's latest submitted assessment, with the groups it counts in."""
    rank = sa.func.row_number().over(
        partition_by=Assessment.business_id,
        order_by=(Assessment.submitted_at.desc(), Assessment.id.desc()),
    )
    ranked = sa.select(
        Assessment.business_id,
        Assessment.id.label("assessment_id"),
        Assessment.submitted_at,
        Assessment.questionnaire_id,
        Assessment.province_code,
        rank.label("rank"),
    ).where(Assessment.status == AssessmentStatus.SUBMITTED)
    if ids is not None:
        ranked = ranked.where(Assessment.business_id.in_(ids))
    latest = ranked.subquery("ranked")
    return (
        sa.select(
            latest.c.business_id,
            latest.c.assessment_id,
            latest.c.submitted_at,
            latest.c.questionnaire_id,
            latest.c.province_code,
            # The sector as stored (its name), the key of the sector group.
            sa.type_coerce(Business.sector, sa.String).label("sector"),
        )
        .join(Business, Business.id == latest.c.business_id)
        .where(latest.c.rank == 1)
    )


def _scores_of(assessment_ids: set[int]) -> dict[int, list[tuple[str, float]]]:
    """Return each assessment's (dimension, score) pairs, the overall score under ``""``."""
    found: dict[int, list[tuple[str, float]]] = {a: [] for a in assessment_ids}
    if not assessment_ids:
        return found
    for row in db.session.execute(
        sa.select(AssessmentScore.assessment_id, AssessmentScore.dimension, AssessmentScore.score)
        .where(AssessmentScore.assessment_id.in_(assessment_ids))
        .union_all(
            sa.select(Assessment.id, sa.literal(OVERALL), Assessment.overall_score).where(
                Assessment.id.in_(assessment_ids), Assessment.overall_score.is_not(None)
            )
        )
    ):
        found[row[0]].append((row[1], row[2]))
    return found


def _group_keys(row: Any) -> tuple[tuple[str, str], tuple[str, str]]:
    return (
        (PeerGroupKind.SECTOR.value, row.sector),
        (PeerGroupKind.PROVINCE.value, str(row.province_code)),
    )


def _counted(row: Any) -> tuple:
    return (row.assessment_id, row.questionnaire_id, row.province_code, row.sector)


def refresh_latest(business_ids: Iterable[int]) -> int:
    """Bring these businesses' latest result and the peer counts up to date; return how many
    businesses changed. A constant number of queries per batch of businesses."""
    ids = sorted(set(business_ids))
    touched.discard(db.session, ids)
    changed = 0
    for start in range(0, len(ids), BATCH):
        changed += _refresh_batch(ids[start : start + BATCH])
    return changed


def _refresh_batch(ids: list[int]) -> int:
    _lock_businesses(ids)
    table = cast(sa.Table, LatestAssessment.__table__)  # a model's __table__ is typed FromClause
    # FOR UPDATE also waits for a rebuild (which holds these tables) and then reads its rows.
    stored = {
        row.business_id: row
        for row in db.session.execute(locked(sa.select(table).where(table.c.business_id.in_(ids))))
    }
    wanted = {row.business_id: row for row in db.session.execute(_latest_rows(ids))}
    changes = []
    for business_id in ids:
        old, new = stored.get(business_id), wanted.get(business_id)
        if old is None and new is None:
            continue
        if old is not None and new is not None and tuple(old) == tuple(new):
            continue
        changes.append((old, new))
    if not changes:
        return 0
    scores = _scores_of({row.assessment_id for pair in changes for row in pair if row is not None})
    deltas: dict[tuple, int] = {}
    for old, new in changes:
        for row, sign in ((old, -1), (new, 1)):
            if row is None or (
                old is not None and new is not None and _counted(old) == _counted(new)
            ):
                continue
            for group, key in _group_keys(row):
                for dimension, value in scores[row.assessment_id]:
                    at = (group, key, row.questionnaire_id, dimension, value)
                    deltas[at] = deltas.get(at, 0) + sign
    _apply_counts({at: n for at, n in deltas.items() if n})
    gone = [old.business_id for old, new in changes if old is not None and new is None]
    if gone:
        db.session.execute(sa.delete(table).where(table.c.business_id.in_(gone)))
    rows = [new._asdict() for _old, new in changes if new is not None]
    if rows:
        stmt = _upsert(table).values(rows)
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[table.c.business_id],
                set_={c: stmt.excluded[c] for c in rows[0] if c != "business_id"},
            )
        )
    return len(changes)


def _apply_counts(deltas: dict[tuple, int]) -> None:
    """Add these changes to the counts at once, and drop the counts that reach zero."""
    if not deltas:
        return
    table = cast(sa.Table, PeerScoreCount.__table__)
    key = (
        table.c.peer_group,
        table.c.group_key,
        table.c.questionnaire_id,
        table.c.dimension,
        table.c.score,
    )
    names = [c.name for c in key]
    # In key order: two transactions change shared rows in the same order, never crosswise.
    rows = [dict(zip(names, at, strict=True), businesses=n) for at, n in sorted(deltas.items())]
    stmt = _upsert(table).values(rows)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={"businesses": table.c.businesses + stmt.excluded.businesses},
        )
    )
    db.session.execute(
        sa.delete(table).where(table.c.businesses == 0, sa.tuple_(*key).in_(sorted(deltas)))
    )


def rebuild_summaries() -> tuple[int, int]:
    """Recompute every business's latest result and every peer count from the assessments.

    Set-based statements whose time grows with the assessments, for after a bulk load or a
    restore (``flask rebuild-assessment-summaries``). On PostgreSQL the two tables are held
    meanwhile, so a submission made during the rebuild waits and then counts itself on top.
    Return the numbers of latest results and of count rows.
    """
    db.session.flush()
    touched.discard(db.session)
    latest = cast(sa.Table, LatestAssessment.__table__)
    counts = cast(sa.Table, PeerScoreCount.__table__)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("LOCK TABLE latest_assessments, peer_score_counts IN EXCLUSIVE MODE")
        )
    db.session.execute(sa.delete(counts))
    db.session.execute(sa.delete(latest))
    rows = _latest_rows(None)
    db.session.execute(sa.insert(latest).from_select([c.name for c in rows.selected_columns], rows))
    groups = (
        (PeerGroupKind.SECTOR, latest.c.sector),
        (PeerGroupKind.PROVINCE, sa.cast(latest.c.province_code, sa.String)),
    )
    parts = []
    for kind, key in groups:
        dimension_scores = (
            sa.select(
                sa.literal(kind.value),
                key,
                latest.c.questionnaire_id,
                AssessmentScore.dimension,
                AssessmentScore.score,
                sa.func.count(),
            )
            .join(AssessmentScore, AssessmentScore.assessment_id == latest.c.assessment_id)
            .group_by(
                key, latest.c.questionnaire_id, AssessmentScore.dimension, AssessmentScore.score
            )
        )
        overall_scores = (
            sa.select(
                sa.literal(kind.value),
                key,
                latest.c.questionnaire_id,
                sa.literal(OVERALL),
                Assessment.overall_score,
                sa.func.count(),
            )
            .join(Assessment, Assessment.id == latest.c.assessment_id)
            .where(Assessment.overall_score.is_not(None))
            .group_by(key, latest.c.questionnaire_id, Assessment.overall_score)
        )
        parts += [dimension_scores, overall_scores]
    db.session.execute(
        sa.insert(counts).from_select(
            ["peer_group", "group_key", "questionnaire_id", "dimension", "score", "businesses"],
            sa.union_all(*parts),
        )
    )
    db.session.flush()
    found = db.session.scalar(sa.select(sa.func.count()).select_from(latest)) or 0
    rows_counted = db.session.scalar(sa.select(sa.func.count()).select_from(counts)) or 0
    log.info("assessment summaries rebuilt: %s latest results, %s count rows", found, rows_counted)
    return found, rows_counted


def _changed_businesses(session: Session) -> set[int]:
    """The businesses whose latest result or peer groups a flush may have changed."""
    changed: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Assessment):
            state = sa.inspect(obj)
            if obj.status != AssessmentStatus.SUBMITTED and not state.attrs.status.history.deleted:
                continue  # a draft: saved on every answer, counted nowhere
            for name in _COUNTED:
                history = state.attrs[name].history
                if obj in session.new or obj in session.deleted or history.has_changes():
                    if name == "business_id":
                        changed.update(b for b in history.deleted if b is not None)
                    if obj.business_id is not None:
                        changed.add(obj.business_id)
        elif isinstance(obj, Business) and obj.id is not None and obj not in session.new:
            state = sa.inspect(obj)
            if (
                state.attrs.sector.history.has_changes()
                or state.attrs.province_code.history.has_changes()
            ):
                changed.add(obj.id)
    return changed


#: Every commit refreshes the businesses its flushes touched (portal/commit_hooks.py).
touched = TouchedBusinesses(
    key="assess_latest_pending", collect=_changed_businesses, refresh=refresh_latest
)


def connect() -> None:
    """Keep the latest results and the peer counts current on every commit (create_app)."""
    touched.install()


# ------------------------------------------------------------------ a business's move


def count_moving_rows(business: Business, **_event: object) -> dict[str, int]:
    """What a move of the business would carry: its assessments (signals.business_moving)."""
    count = sa.select(sa.func.count(Assessment.id)).where(Assessment.business_id == business.id)
    return {"assessments": db.session.execute(count).scalar_one()}


def carry_moved_rows(business: Business, **_event: object) -> dict[str, int]:
    """Carry the business's assessments and their scores to its new province
    (signals.business_moved)."""
    place = {"province_code": business.province_code}
    ids = sa.select(Assessment.id).where(Assessment.business_id == business.id)
    assessments = move_rows(Assessment, Assessment.business_id == business.id, **place)
    move_rows(AssessmentScore, AssessmentScore.assessment_id.in_(ids), **place)
    return {"assessments": assessments}


def connect_business_moves() -> None:
    """Count and carry the assessments of a business that moves (create_app)."""
    signals.business_moving.connect(count_moving_rows)
    signals.business_moved.connect(carry_moved_rows)
