"""The stored summaries a commit brings up to date (portal/commit_hooks.py): a savepoint that
rolls back inside the transaction keeps what the transaction touched before it."""

import pytest
import sqlalchemy as sa

from portal.assess import operations as assess
from portal.assess.models import LatestAssessment
from portal.assess.questionnaires import choose
from portal.auth.models import Role, User
from portal.businesses.models import Business, Sector
from portal.extensions import db
from portal.reports.models import ReportTotal
from tests.factories import any_answers


def _failed_savepoint(email: str) -> None:
    """A double click's race as the portal catches it: a savepoint refused by a unique index."""
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(User(name="Trùng", email=email, password_hash="x", role=Role.OWNER))
        db.session.flush()


def test_a_failed_savepoint_keeps_the_touched_businesses(app, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner, sector=Sector.AGRICULTURE)
    with app.app_context():
        # One transaction: an assessment submitted, the business's sector changed …
        row = db.session.get(Business, business.id)
        user = db.session.get(User, owner.id)
        questionnaire = choose(row).questionnaire
        assessment, _new = assess.start_assessment(row, user, questionnaire)
        assess.save_answers(assessment, user, any_answers(questionnaire))
        assess.submit_assessment(assessment, user, questionnaire)
        row.sector = Sector.HANDICRAFTS
        db.session.flush()
        # … then a savepoint rolls back, and the transaction commits.
        _failed_savepoint(owner.email)
        db.session.commit()

        # The peer groups count the business in its new sector …
        latest = db.session.get(LatestAssessment, business.id)
        assert latest is not None and latest.sector == Sector.HANDICRAFTS.name
        # … and the reports count its first assessment.
        first_assessed = db.session.scalar(
            sa.select(sa.func.sum(ReportTotal.n)).where(ReportTotal.measure == "first_assessed")
        )
        assert first_assessed == 1
