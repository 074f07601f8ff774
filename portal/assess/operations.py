"""Writes for assessments. Each function flushes and logs; the view commits once."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from assessments import Questionnaire, Result, score
from portal import permissions, signals
from portal.assess.labels import AssessCode
from portal.assess.models import Assessment, AssessmentScore, AssessmentStatus
from portal.assess.queries import open_draft
from portal.auth.models import Role, User
from portal.businesses.models import Business
from portal.businesses.operations import move_rows
from portal.clock import utcnow
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
    """Return the business's open draft, or open one on ``questionnaire``; True if new."""
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
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(Assessment)
            .where(Assessment.id == assessment.id)
            .values(id=Assessment.id)
            .execution_options(synchronize_session=False)
        )
    return db.session.scalars(
        locked(sa.select(Assessment).where(Assessment.id == assessment.id))
    ).one()


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
    waits and is refused with ``not_draft``.
    """
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
    log.info("assessment %s submitted: %s (level %s)", assessment.id, result.overall, result.level)
    signals.assessment_submitted.send(assessment, user=user, result=result)
    return result


# ------------------------------------------------------------------ a business's move


def count_moving_rows(business: Business, **_event: object) -> dict[str, int]:
    """What a move of the business would carry: its assessments (signals.business_moving)."""
    count = sa.select(sa.func.count(Assessment.id)).where(Assessment.business_id == business.id)
    return {"assessments": db.session.scalar(count)}


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
