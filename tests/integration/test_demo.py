"""The demo data that `scripts/run` loads."""

from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.assess.models import Assessment
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind
from portal.devtools.demo import DEMO_PROVINCES
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus
from portal.reports.models import DigitalStatus, ProvinceTarget
from portal.training.models import Certificate, Cohort, Course


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where))


def test_seed_demo_creates_accounts_businesses_courses_and_assessments(app, runner, client, auth):
    result = runner.invoke(args=["seed-demo"])
    assert result.exception is None, result.output
    assert "staff.quangninh@demo.vn" in result.output
    with app.app_context():
        assert _count(User, User.role == Role.ADMIN) >= 1
        today = clock.today()
        # What a first look needs, in every demo province (not how many of each).
        for code in DEMO_PROVINCES:
            for role in (Role.STAFF, Role.TRAINER):
                assert _count(User, User.role == role, User.province_code == code), (code, role)
            businesses = db.session.scalars(
                sa.select(Business).where(Business.province_code == code)
            ).all()
            assert businesses, code
            assert all(b.owner.role == Role.OWNER for b in businesses), code
            assert {b.kind for b in businesses} == set(BusinessKind), code
            cohorts = db.session.scalars(sa.select(Cohort).where(Cohort.province_code == code))
            deadlines = [c.enrolment_deadline for c in cohorts]
            # An open class and a finished one, and a course with a fee.
            assert any(d >= today for d in deadlines), code
            assert any(d < today for d in deadlines), code
            assert _count(Course, Course.province_code == code, Course.fee_vnd > 0), code
            assert _count(Certificate, Certificate.province_code == code), code
            submitted = (Assessment.province_code == code, Assessment.status == "submitted")
            assert _count(Assessment, *submitted), code
            assert _count(
                Evidence, Evidence.province_code == code, Evidence.status == EvidenceStatus.VERIFIED
            ), code
            assert _count(ProvinceTarget, ProvinceTarget.province_code == code), code
        digital = _count(
            DigitalStatus, DigitalStatus.province_code == 22, DigitalStatus.ceased_at.is_(None)
        )
        assert digital > 0
    # Running it again adds nothing.
    with app.app_context():
        before = _count(User)
    assert "not added again" in runner.invoke(args=["seed-demo"]).output
    with app.app_context():
        assert _count(User) == before
    auth.login("staff.quangninh@demo.vn", "demo-password-2030")
    page = client.get("/reports/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "500" in page
    assert f'<strong class="big-number">{digital}</strong>' in page


@pytest.mark.parametrize(
    "instant",
    [
        "2026-06-15T16:59:00+00:00",  # 23:59 in Vietnam
        "2026-06-15T17:01:00+00:00",  # 00:01 the next day in Vietnam, still the 15th in UTC
        "2026-12-31T23:30:00+00:00",  # already New Year's Day in Vietnam
    ],
)
def test_seed_demo_works_at_any_hour(app, runner, instant):
    with time_machine.travel(datetime.fromisoformat(instant), tick=True):
        result = runner.invoke(args=["seed-demo"])
        assert result.exception is None, result.output
        with app.app_context():
            for code in DEMO_PROVINCES:
                assert _count(Certificate, Certificate.province_code == code), code
                # The open classes still take enrolments: their deadline is after Vietnam's
                # today.
                deadlines = db.session.scalars(
                    sa.select(Cohort.enrolment_deadline).where(Cohort.province_code == code)
                ).all()
                assert any(d >= clock.today() for d in deadlines), code
