"""The enrolment counts report, read in one statement, equals the four statements it replaced.

``counted_separately`` is the report as it was read before (events and businesses by group and
state, businesses by group, businesses by state and in all, each its own scan of the event
log): the oracle, for every grouping and filter on synthetic history with a class that has no
trainer (a group whose key is NULL, which must not be taken for a total).
"""

from datetime import date

import pytest
import sqlalchemy as sa

from portal import clock, geo
from portal.auth.models import Role, User
from portal.businesses.models import BusinessKind, BusinessSize, Sector
from portal.devtools.synthetic import generate
from portal.extensions import db
from portal.reports import enrolments
from portal.reports.enrolments import COUNTED_STATES, GROUPINGS, _enrolment_stmt
from portal.reports.filters import Filters, month_of_instant
from portal.training.models import Cohort, EnrolmentEvent, EventState
from tests.conftest import HA_NOI, QUANG_NINH


def counted_separately(f: Filters, by: str, user: User) -> dict:
    """The report's numbers as the four separate statements counted them (the oracle)."""
    key = {
        "course": EnrolmentEvent.course_id,
        "cohort": EnrolmentEvent.cohort_id,
        "trainer": Cohort.trainer_id,
        "commune": EnrolmentEvent.commune_code,
        "sector": EnrolmentEvent.sector,
        "month": month_of_instant(EnrolmentEvent.at),
    }[by].label("key")
    distinct = sa.func.count(sa.distinct(EnrolmentEvent.business_id))
    cells = {}
    for k, state, n, businesses in db.session.execute(
        _enrolment_stmt(
            f, user, key, EnrolmentEvent.state, sa.func.count(), distinct, by=by
        ).group_by(key, EnrolmentEvent.state)
    ):
        cells[(k, EventState(state))] = (n, businesses)
    groups = dict(
        db.session.execute(_enrolment_stmt(f, user, key, distinct, by=by).group_by(key)).all()
    )
    states = {
        EventState(state): n
        for state, n in db.session.execute(
            _enrolment_stmt(f, user, EnrolmentEvent.state, distinct, by=by).group_by(
                EnrolmentEvent.state
            )
        )
    }
    whole = db.session.scalar(_enrolment_stmt(f, user, distinct, by=by))
    return {"cells": cells, "groups": groups, "states": states, "whole": whole}


def read_at_once(f: Filters, by: str, user: User) -> dict:
    report = enrolments.enrolment_counts(f, by, user, "vi")
    cells = {
        (row.key, state): (row.counts[state], row.businesses[state])
        for row in report.rows
        for state in COUNTED_STATES
        if row.counts[state]
    }
    return {
        "cells": cells,
        "groups": {row.key: row.any_businesses for row in report.rows},
        "states": {s: n for s, n in report.total_businesses.items() if n},
        "whole": report.any_businesses,
    }


@pytest.fixture
def history(app, make_user):
    staff = make_user(Role.STAFF, province_code=QUANG_NINH)
    with app.app_context():
        generate(150, province_codes=(QUANG_NINH, HA_NOI), echo=lambda _m: None)
        # A class without a trainer: its events group under the NULL key.
        cohort = db.session.scalar(
            sa.select(Cohort)
            .where(Cohort.province_code == QUANG_NINH)
            .where(Cohort.id.in_(sa.select(EnrolmentEvent.cohort_id)))
            .order_by(Cohort.id)
        )
        cohort.trainer_id = None
        db.session.commit()
    return staff


def test_the_report_in_one_statement_equals_the_separate_counts(app, history):
    today = clock.today()
    commune = int(geo.communes(QUANG_NINH)[0].code)
    periods = [(date(today.year - 2, 1, 1), today), (date(today.year, 1, 1), today)]
    filters = [
        {},
        {"commune_code": commune},
        {"sector": Sector.AGRICULTURE},
        {"kind": BusinessKind.HOUSEHOLD},
        {"size": BusinessSize.MICRO, "kind": BusinessKind.HOUSEHOLD_BUSINESS},
    ]
    with app.test_request_context():  # the labels are translated
        user = db.session.get(User, history.id)
        found_none_key = False
        for start, end in periods:
            for extra in filters:
                f = Filters(QUANG_NINH, start, end, **extra)
                for by in GROUPINGS:
                    want = counted_separately(f, by, user)
                    assert read_at_once(f, by, user) == want, (by, start, extra)
                    found_none_key |= (None, EventState.ENROLLED) in want["cells"]
        assert found_none_key, "the class without a trainer was not counted"
        everything = counted_separately(Filters(QUANG_NINH, periods[0][0], today), "course", user)
        assert everything["whole"] and everything["whole"] < sum(everything["groups"].values())
