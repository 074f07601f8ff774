"""Courses (and ways to sell online) to recommend after an assessment, with the reason for each.

The results page of an assessment asks for them through ``signals.recommendations_asked``
(:func:`recommend_after`), so that the assessment feature does not import this one."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments.listing_paths import ListingPath, load_catalog
from assessments.recommend import Recommendation, load_rules, recommend
from portal import clock, signals
from portal.assess.models import Assessment
from portal.businesses.models import Business, BusinessKind
from portal.extensions import db
from portal.i18n import current_language
from portal.training.models import Audience, Cohort, Course, CourseFormat, TrainingSession

#: Dimension ids that only the household questionnaire has.
HOUSEHOLD_ONLY = {"devices", "payments", "product_info", "skills_safety"}


def audience_of(business: Business, dimension_scores: Mapping[str, float]) -> str:
    """Tell which questionnaire the scores come from (household businesses may take either)."""
    if set(dimension_scores) & HOUSEHOLD_ONLY:
        return "household"
    if set(dimension_scores) - {"online_sales"}:
        return "enterprise"
    return "household" if business.kind == BusinessKind.HOUSEHOLD else "enterprise"


#: How near a class is to the business, nearest first. The commune list we have
#: (vietnam-provinces) carries neither coordinates nor neighbours, so after the business's own
#: commune come online classes (no travel at all), then the rest of the province.
SAME_COMMUNE, ONLINE, IN_PROVINCE = 0, 1, 2


class CourseRecommendation(NamedTuple):
    """A recommended course, why, and its open class nearest the business."""

    course: Course
    reason: str
    cohort: Cohort
    #: SAME_COMMUNE, ONLINE or IN_PROVINCE.
    closeness: int
    #: The class's next session still to come; None if none is planned.
    next_session: TrainingSession | None


def closeness(commune_code: int | None, online: bool, business: Business) -> int:
    """Tell how near a class meets (its commune, its course's format): in the business's
    commune, online, or elsewhere."""
    if commune_code is not None and commune_code == business.commune_code:
        return SAME_COMMUNE
    return ONLINE if online else IN_PROVINCE


def _next_session(cohort: Cohort, now: datetime) -> TrainingSession | None:
    return next((s for s in cohort.sessions if s.starts_at >= now), None)


def _nearest_classes(
    courses: list[Course], business: Business, now: datetime
) -> dict[int, tuple[Cohort, int, TrainingSession | None]]:
    """Return {course id: (its open class nearest the business, closeness, next session)}.

    Nearest first, then the sooner next session, then the class's id. The open classes grow
    with the province's activity, so they are compared as plain rows (place, format, next
    session's start); only the chosen ones are loaded as objects, with their sessions.
    """
    if not courses:
        return {}
    online = {c.id for c in courses if c.format == CourseFormat.ONLINE}
    next_start = (
        sa.select(sa.func.min(TrainingSession.starts_at))
        .where(TrainingSession.cohort_id == Cohort.id, TrainingSession.starts_at >= now)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Cohort.id, Cohort.course_id, Cohort.commune_code, next_start).where(
            Cohort.course_id.in_([c.id for c in courses]),
            Cohort.enrolment_deadline >= clock.today(),
        )
    )
    best: dict[int, tuple] = {}
    for cohort_id, course_id, commune_code, starts in rows:
        key = (
            closeness(commune_code, course_id in online, business),
            starts or datetime.max,
            cohort_id,
        )
        if course_id not in best or key < best[course_id]:
            best[course_id] = key
    cohorts = db.session.scalars(
        sa.select(Cohort)
        .where(Cohort.id.in_([key[2] for key in best.values()]))
        .options(selectinload(Cohort.sessions))
    )
    return {
        cohort.course_id: (cohort, best[cohort.course_id][0], _next_session(cohort, now))
        for cohort in cohorts
    }


def recommended_courses(
    business: Business, dimension_scores: Mapping[str, float], lang: str | None = None
) -> list[CourseRecommendation]:
    """Return the province's courses with an open class that answer the business's weak
    dimensions, each with its reason ("Your score for … is 20/100.") and its nearest class.

    Nearest first (the business's commune, online, the rest of the province), then weakest
    dimension first. A course matches a recommendation by its topic, or else by a dimension it
    strengthens. Listing-path recommendations are left out here (see
    ``listing_path_recommendations``).
    """
    lang = lang or current_language()
    audience = audience_of(business, dimension_scores)
    recs = [
        r
        for r in recommend(audience, business.sector.value, dimension_scores)
        if r.kind == "course"
    ]
    if not recs:
        return []
    courses = [
        c
        for c in db.session.scalars(
            sa.select(Course)
            .where(
                Course.province_code == business.province_code,
                Course.active.is_(True),
                Course.audience.in_((Audience(audience), Audience.BOTH)),
                # With a class still taking enrolments.
                Course.cohorts.any(Cohort.enrolment_deadline >= clock.today()),
            )
            .order_by(Course.id)
        )
        if not c.sectors or business.sector.value in c.sectors
    ]
    rules = load_rules()
    chosen: dict[int, tuple[Course, str]] = {}
    by_topic = [(r, [c for c in courses if c.topic == r.target]) for r in recs]
    by_dimension = [(r, [c for c in courses if r.dimension in (c.dimensions or [])]) for r in recs]
    for rec, matches in by_topic + by_dimension:
        for course in matches:
            chosen.setdefault(course.id, (course, rec.reason(lang, rules)))
    nearest = _nearest_classes([c for c, _reason in chosen.values()], business, clock.utcnow())
    result = [
        CourseRecommendation(course, reason, *nearest[course.id])
        for course, reason in chosen.values()
        if course.id in nearest  # (its last class closed meanwhile)
    ]
    # Nearest first; of equally near, the course for the weakest dimension first.
    return sorted(result, key=lambda r: (r.closeness, _rank(recs, r.course)))


#: Listing paths only for businesses that say they qualify: path id -> (the assessment question
#: that tells, the answers that qualify). The OCOP marketplace takes OCOP-rated products only.
QUALIFYING_ANSWERS = {"ocop_marketplace": ("ocop", frozenset({"three_stars", "four_stars"}))}


@dataclass(frozen=True)
class PathRecommendation:
    """A listing path suggested by an assessment, with the reason to show."""

    path: ListingPath
    reason: str
    recommendation: Recommendation
    #: False when the answers do not show what the path requires (no OCOP stars, or the
    #: questionnaire did not ask): its first step, what to get first, is shown instead.
    qualifies: bool = True

    @property
    def target(self) -> str:
        return self.path.id


def listing_path_recommendations(
    business: Business,
    dimension_scores: Mapping[str, float],
    lang: str | None = None,
    answers: Mapping[str, object] | None = None,
) -> list[PathRecommendation]:
    """Return the listing paths the assessment suggests, weakest dimension first, leaving out
    paths not offered to the business's kind and sector (e.g. Tiki for a household).

    With the assessment's ``answers``, a path of QUALIFYING_ANSWERS is marked as not
    qualifying unless the answers show that the business meets its condition.
    """
    lang = lang or current_language()
    audience = audience_of(business, dimension_scores)
    catalog, rules = load_catalog(), load_rules()
    result = []
    for rec in recommend(audience, business.sector.value, dimension_scores, rules):
        path = catalog.get(rec.target) if rec.kind == "listing_path" else None
        if path is not None and path.is_offered_to(business.kind.value, business.sector.value):
            result.append(
                PathRecommendation(path, rec.reason(lang, rules), rec, _qualifies(path, answers))
            )
    return result


def _qualifies(path: ListingPath, answers: Mapping[str, object] | None) -> bool:
    if answers is None or path.id not in QUALIFYING_ANSWERS:
        return True
    question, qualifying = QUALIFYING_ANSWERS[path.id]
    return answers.get(question) in qualifying


def _rank(recs: list[Recommendation], course: Course) -> tuple[int, int]:
    for index, rec in enumerate(recs):
        if course.topic == rec.target:
            return (index, 0)
    for index, rec in enumerate(recs):
        if rec.dimension in (course.dimensions or []):
            return (index, 1)
    return (len(recs), 2)


def recommend_after(
    assessment: Assessment,
    *,
    dimension_scores: Mapping[str, float],
    lang: str,
    **_event: object,
) -> dict[str, list]:
    """What an assessment's results page recommends (signals.recommendations_asked): the
    courses of the business's province with an open class, and the listing paths."""
    business = assessment.business
    return {
        "recommendations": recommended_courses(business, dimension_scores, lang),
        "path_recommendations": listing_path_recommendations(
            business, dimension_scores, lang, assessment.answers or {}
        ),
    }


def connect() -> None:
    """Answer the results page's question for recommendations (create_app)."""
    signals.recommendations_asked.connect(recommend_after)
