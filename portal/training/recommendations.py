"""Courses to recommend after an assessment, with the reason for each."""

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments.listing_paths import ListingPath, load_catalog
from assessments.recommend import Recommendation, load_rules, recommend
from portal.businesses.models import Business, BusinessKind
from portal.extensions import db
from portal.i18n import current_language
from portal.training.models import Audience, Course
from portal.training.queries import open_cohorts

#: Dimension ids that only the household questionnaire has.
HOUSEHOLD_ONLY = {"devices", "payments", "product_info", "skills_safety"}


def audience_of(business: Business, dimension_scores: Mapping[str, float]) -> str:
    """Tell which questionnaire the scores come from (household businesses may take either)."""
    if set(dimension_scores) & HOUSEHOLD_ONLY:
        return "household"
    if set(dimension_scores) - {"online_sales"}:
        return "enterprise"
    return "household" if business.kind == BusinessKind.HOUSEHOLD else "enterprise"


def recommended_courses(
    business: Business, dimension_scores: Mapping[str, float], lang: str | None = None
) -> list[tuple[Course, str]]:
    """Return the province's courses with an open class that answer the business's weak
    dimensions, weakest first, each with its reason ("Your score for … is 20/100.").

    A course matches a recommendation by its topic, or else by a dimension it strengthens.
    Listing-path recommendations are left out here (see ``listing_path_recommendations``).
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
            )
            .options(selectinload(Course.cohorts))
            .order_by(Course.id)
        )
        if (not c.sectors or business.sector.value in c.sectors) and open_cohorts(c)
    ]
    rules = load_rules()
    chosen: dict[int, tuple[Course, str]] = {}
    by_topic = [(r, [c for c in courses if c.topic == r.target]) for r in recs]
    by_dimension = [(r, [c for c in courses if r.dimension in (c.dimensions or [])]) for r in recs]
    for rec, matches in by_topic + by_dimension:
        for course in matches:
            chosen.setdefault(course.id, (course, rec.reason(lang, rules)))
    # Weakest dimension first: order by the recommendation that picked each course.
    order = {course_id: _rank(recs, course) for course_id, (course, _r) in chosen.items()}
    return sorted(chosen.values(), key=lambda item: order[item[0].id])


@dataclass(frozen=True)
class PathRecommendation:
    """A listing path suggested by an assessment, with the reason to show."""

    path: ListingPath
    reason: str
    recommendation: Recommendation

    @property
    def target(self) -> str:
        return self.path.id


def listing_path_recommendations(
    business: Business, dimension_scores: Mapping[str, float], lang: str | None = None
) -> list[PathRecommendation]:
    """Return the listing paths the assessment suggests, weakest dimension first, leaving out
    paths not offered to the business's kind and sector (e.g. Tiki for a household)."""
    lang = lang or current_language()
    audience = audience_of(business, dimension_scores)
    catalog, rules = load_catalog(), load_rules()
    result = []
    for rec in recommend(audience, business.sector.value, dimension_scores, rules):
        path = catalog.get(rec.target) if rec.kind == "listing_path" else None
        if path is not None and path.is_offered_to(business.kind.value, business.sector.value):
            result.append(PathRecommendation(path, rec.reason(lang, rules), rec))
    return result


def _rank(recs: list[Recommendation], course: Course) -> tuple[int, int]:
    for index, rec in enumerate(recs):
        if course.topic == rec.target:
            return (index, 0)
    for index, rec in enumerate(recs):
        if rec.dimension in (course.dimensions or []):
            return (index, 1)
    return (len(recs), 2)
