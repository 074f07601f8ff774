"""The demo data that `scripts/run` loads."""

from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.assess.models import Assessment
from portal.businesses.models import Business
from portal.extensions import db
from portal.onboarding.models import Evidence, EvidenceStatus
from portal.reports.models import DigitalStatus
from portal.training.models import Certificate, Cohort


def test_seed_demo_creates_accounts_businesses_courses_and_assessments(app, client, auth):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "staff.quangninh@demo.vn" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Business.id))) == 24
        # An open class, a finished one and a paid one per province.
        assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 9
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 15
        verified = sa.select(sa.func.count(Evidence.id)).where(
            Evidence.status == EvidenceStatus.VERIFIED
        )
        assert db.session.scalar(verified) > 0
        digital = db.session.scalar(
            sa.select(sa.func.count(DigitalStatus.id)).where(
                DigitalStatus.province_code == 22, DigitalStatus.ceased_at.is_(None)
            )
        )
        assert digital > 0
        assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 15
    # Running it again adds nothing.
    assert "not added again" in app.test_cli_runner().invoke(args=["seed-demo"]).output
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
def test_seed_demo_works_at_any_hour(app, instant):
    with time_machine.travel(datetime.fromisoformat(instant), tick=True):
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exception is None, result.output
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 15
            # The open classes still take enrolments: their deadline is after Vietnam's today.
            deadlines = db.session.scalars(sa.select(Cohort.enrolment_deadline)).all()
            assert sum(d >= clock.today() for d in deadlines) == 6
