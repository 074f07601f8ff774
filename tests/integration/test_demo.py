"""The demo data that `scripts/run` loads."""

import sqlalchemy as sa

from portal.assess.models import Assessment
from portal.businesses.models import Business
from portal.extensions import db
from portal.training.models import Cohort


def test_seed_demo_creates_accounts_businesses_courses_and_assessments(app, client, auth):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "staff.quangninh@demo.vn" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Business.id))) == 24
        assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 3
        assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 15
    # Running it again adds nothing.
    assert "not added again" in app.test_cli_runner().invoke(args=["seed-demo"]).output
    auth.login("staff.quangninh@demo.vn", "demo-password-2030")
    page = client.get("/reports/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "500" in page
