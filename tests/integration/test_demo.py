"""The demo data that `scripts/run` loads."""

import sqlalchemy as sa

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
