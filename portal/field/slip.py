"""A field household's result slip: the page the helper prints or shows, and its PDF.

Level and its plain meaning, next steps (the nearest class, a listing path or the weakest
part's first step), and the claim code with a QR code of the absolute /claim/<code> address, by
which the household later takes the record into its own account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import segno
import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale

from assessments import Level
from portal.assess import queries as assess_queries
from portal.assess.labels import LEVEL_MEANINGS
from portal.assess.models import Assessment
from portal.assess.questionnaires import questionnaire_of
from portal.assess.report import level_of
from portal.claims import codes
from portal.claims.models import ClaimCode
from portal.extensions import db
from portal.field.models import FieldHousehold
from portal.pdf import write_pdf
from portal.training.recommendations import (
    CourseRecommendation,
    PathRecommendation,
    listing_path_recommendations,
    recommended_courses,
)
from portal.urls import external_url


@dataclass(frozen=True)
class Slip:
    household: FieldHousehold
    assessment: Assessment
    level: Level
    meaning: str
    score: float
    course: CourseRecommendation | None
    path: PathRecommendation | None
    first_step: str | None
    code: str
    claim_url: str
    qr: str
    claimed: bool


def build_slip(household: FieldHousehold, lang: str) -> Slip:
    assessment = db.session.get(Assessment, household.assessment_id)
    business = household.held_by
    assert assessment is not None and business is not None
    row = db.session.scalar(sa.select(ClaimCode).where(ClaimCode.business_id == business.id))
    code = row.code if row is not None else household.claim_code
    result = assess_queries.result_of(assessment)
    questionnaire = questionnaire_of(assessment.questionnaire_id, assessment.questionnaire_version)
    level = level_of(assessment)
    courses = recommended_courses(business, result.dimensions, lang)
    paths = [
        p
        for p in listing_path_recommendations(
            business, result.dimensions, lang, assessment.answers or {}
        )
        if p.qualifies
    ]
    weakest = min(
        questionnaire.dimensions, key=lambda d: result.dimensions.get(d.id, 0.0), default=None
    )
    steps: Any = ()
    if weakest is not None:
        steps = weakest.band_for(result.dimensions.get(weakest.id, 0.0)).next_steps
    claim_url = external_url("claims.start_with_code", code=code)
    return Slip(
        household=household,
        assessment=assessment,
        level=level,
        meaning=str(LEVEL_MEANINGS.get(level.number, "")),
        score=result.overall,
        course=courses[0] if courses else None,
        path=paths[0] if paths else None,
        first_step=steps[0].get(lang) if steps else None,
        code=codes.grouped(code),
        claim_url=claim_url,
        qr=segno.make(claim_url, error="m", micro=False).svg_data_uri(scale=6, border=4),
        claimed=row is not None and row.is_claimed,
    )


def render_pdf(household: FieldHousehold, lang: str) -> bytes:
    with force_locale(lang):
        html = render_template("field/slip_pdf.html", slip=build_slip(household, lang), lang=lang)
    return write_pdf(html)
