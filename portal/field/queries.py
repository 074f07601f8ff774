"""Reads of the field teams: what the app keeps offline, and the staff's team page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from assessments.listing_paths import load_catalog
from portal import clock, geo
from portal.auth.models import Role, User
from portal.extensions import db
from portal.field.models import FieldHousehold, HelperCommune
from portal.training.models import Audience, Cohort, Course, CourseFormat
from portal.training.queries import open_cohorts


def communes_of(helper: User) -> list[dict[str, Any]]:
    """The helper's communes, by name."""
    codes = db.session.scalars(
        sa.select(HelperCommune.commune_code).where(HelperCommune.helper_id == helper.id)
    ).all()
    return sorted(
        ({"code": code, "name": geo.commune_name(code)} for code in codes),
        key=lambda c: c["name"],
    )


def courses_for_households(province_code: int) -> list[dict[str, Any]]:
    """The province's active courses for households with a class still taking enrolments,
    each class with where and when it next meets (what the app needs to name the nearest)."""
    now = clock.utcnow()
    courses = db.session.scalars(
        sa.select(Course)
        .where(
            Course.province_code == province_code,
            Course.active.is_(True),
            Course.audience.in_((Audience.HOUSEHOLD, Audience.BOTH)),
        )
        .options(selectinload(Course.cohorts).selectinload(Cohort.sessions))
        .order_by(Course.id)
    )
    out = []
    for course in courses:
        classes = []
        for cohort in open_cohorts(course):
            upcoming = next((s for s in cohort.sessions if s.starts_at >= now), None)
            classes.append(
                {
                    "commune": cohort.commune_code,
                    "commune_name": geo.commune_name(cohort.commune_code),
                    "venue": cohort.venue,
                    "next": clock.to_local(upcoming.starts_at).isoformat() if upcoming else None,
                }
            )
        if classes:
            out.append(
                {
                    "id": course.id,
                    "title": {"vi": course.title_vi, "en": course.title_en},
                    "topic": course.topic,
                    "dimensions": list(course.dimensions or []),
                    "sectors": list(course.sectors or []),
                    "online": course.format == CourseFormat.ONLINE,
                    "fee_vnd": course.fee_vnd,
                    "classes": classes,
                }
            )
    return out


def listing_paths() -> list[dict[str, Any]]:
    """Listing paths a household may be pointed to (names and who they are offered to)."""
    return [
        {
            "id": path.id,
            "name": {"vi": path.name.vi, "en": path.name.en},
            "kinds": list(path.kinds),
            "sectors": list(path.sectors),
        }
        for path in load_catalog().paths
    ]


def helpers_of_province(province_code: int) -> list[tuple[User, list[int], int]]:
    """The province's helpers with their commune codes and how many households they sent."""
    helpers = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.HELPER, User.province_code == province_code)
        .order_by(User.name, User.id)
    ).all()
    communes: dict[int, list[int]] = {}
    for helper_id, code in db.session.execute(
        sa.select(HelperCommune.helper_id, HelperCommune.commune_code).where(
            HelperCommune.province_code == province_code
        )
    ):
        communes.setdefault(helper_id, []).append(code)
    counts = dict(
        db.session.execute(
            sa.select(FieldHousehold.helper_id, sa.func.count(FieldHousehold.id))
            .where(FieldHousehold.province_code == province_code)
            .group_by(FieldHousehold.helper_id)
        ).all()
    )
    return [(h, sorted(communes.get(h.id, [])), counts.get(h.id, 0)) for h in helpers]
