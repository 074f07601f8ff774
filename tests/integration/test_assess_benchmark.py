"""Benchmarks of peer groups, and pages whose query count does not grow with the data."""

import random
from datetime import datetime

import sqlalchemy as sa
from babel.numbers import format_decimal

from assessments import benchmark
from portal.assess.models import Assessment, AssessmentScore
from portal.assess.operations import rebuild_summaries
from portal.assess.queries import OVERALL, peer_groups, progress_of
from portal.assess.questionnaires import registry
from portal.auth.models import Role
from portal.businesses.models import Business, BusinessKind, Sector
from portal.devtools.querycount import count_queries
from portal.extensions import db
from tests.conftest import HA_NOI
from tests.factories import (
    EN,
    HOUSEHOLD_ANSWERS,
    pdf_text,
    submitted_assessment,
    varied_answers,
)

HOUSEHOLD = registry().latest("household")
HOUSEHOLD_DIMENSIONS = [d.id for d in HOUSEHOLD.dimensions]


def _household(make_business, **fields):
    return make_business(kind=BusinessKind.HOUSEHOLD, **fields)


def _households(make_business, count, **fields):
    return [_household(make_business, **fields) for _ in range(count)]


def _page_queries(app, client, url):
    with app.app_context(), count_queries(db.engine) as counter:
        response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return counter.count, response.get_data(as_text=True)


def test_benchmark_appears_only_from_ten_businesses(app, client, auth, make_user, make_business):
    owner = make_user()
    mine = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
    mine_id = submitted_assessment(app, mine)
    peers = _households(make_business, 8, sector=Sector.TRADE)
    for peer in peers:
        submitted_assessment(app, peer, answers=dict(HOUSEHOLD_ANSWERS, internet="none"))
    auth.login(owner)
    _count, page = _page_queries(app, client, f"/assessments/{mine_id}")
    assert page.count("Not shown yet: fewer than 10 businesses") == 2

    # A second assessment of the same business does not make the group bigger.
    submitted_assessment(app, peers[0], answers=HOUSEHOLD_ANSWERS)
    _count, page = _page_queries(app, client, f"/assessments/{mine_id}")
    assert page.count("Not shown yet") == 2

    tenth = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
    submitted_assessment(app, tenth)
    _count, page = _page_queries(app, client, f"/assessments/{mine_id}")
    assert "Based on 10 businesses." in page
    assert page.count("Not shown yet") == 0


def _latest_scores(app, assessment_ids):
    """Return the overall and dimension scores of these assessments, by key ("" is overall)."""
    with app.app_context():
        values: dict[str, list[float]] = {}
        for assessment in db.session.scalars(
            sa.select(Assessment).where(Assessment.id.in_(assessment_ids))
        ):
            values.setdefault(OVERALL, []).append(assessment.overall_score)
            for dimension, value in assessment.dimension_scores.items():
                values.setdefault(dimension, []).append(value)
        return values


def _peer_groups(app, assessment_id):
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        return {group.key: group for group in peer_groups(assessment, assessment.business)}


def test_peer_groups_take_each_business_latest_result_of_the_same_questionnaire(app, make_business):
    rng = random.Random(7)
    latest = []
    for _ in range(10):
        business = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TOURISM)
        latest.append(submitted_assessment(app, business, answers=varied_answers(rng)))
    # An earlier, weaker result of a business does not count; only its latest does.
    weak = dict(HOUSEHOLD_ANSWERS, internet="none", smartphone="none", computer="no")
    reassessed = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TOURISM)
    submitted_assessment(app, reassessed, answers=weak, submitted_at=datetime(2030, 1, 1))
    latest.append(submitted_assessment(app, reassessed, submitted_at=datetime(2030, 5, 1)))
    # Neither another questionnaire nor another province's household of another sector counts.
    submitted_assessment(app, make_business(kind=BusinessKind.ENTERPRISE, sector=Sector.TOURISM))
    elsewhere = make_business(kind=BusinessKind.HOUSEHOLD, province_code=HA_NOI)
    submitted_assessment(app, elsewhere)

    groups = _peer_groups(app, latest[0])
    expected = {key: benchmark(values) for key, values in _latest_scores(app, latest).items()}
    assert set(expected) == {OVERALL, *HOUSEHOLD_DIMENSIONS}
    for key in ("sector", "province"):
        assert groups[key].overall == expected[OVERALL]
        assert groups[key].dimensions == {d: expected[d] for d in HOUSEHOLD_DIMENSIONS}
        assert groups[key].overall.count == 11


def test_quartiles_from_the_database_equal_those_of_all_values(app, make_business):
    rng = random.Random(2024)
    latest = []
    for _ in range(9):
        latest.append(
            submitted_assessment(app, _household(make_business), answers=varied_answers(rng))
        )
    # Every remainder of (n - 1) / 4, so every way of interpolating, with ties among the scores.
    for _ in range(4):
        latest.append(
            submitted_assessment(app, _household(make_business), answers=varied_answers(rng))
        )
        expected = {key: benchmark(v) for key, v in _latest_scores(app, latest).items()}
        group = _peer_groups(app, latest[0])["sector"]
        assert group.overall == expected.pop(OVERALL)
        assert group.dimensions == expected


def test_a_dimension_too_few_businesses_have_stays_hidden(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    mine = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD)
    mine_id = submitted_assessment(app, mine)
    rng = random.Random(5)
    peers = [
        submitted_assessment(
            app, make_business(kind=BusinessKind.HOUSEHOLD), answers=varied_answers(rng)
        )
        for _ in range(9)
    ]
    # As if one peer had been scored by a version without the "online_sales" dimension.
    with app.app_context():
        db.session.execute(
            sa.delete(AssessmentScore).where(
                AssessmentScore.assessment_id == peers[0],
                AssessmentScore.dimension == "online_sales",
            )
        )
        # A change made behind the operations' back: the peer counts are rebuilt, as after a
        # restore (flask rebuild-assessment-summaries).
        rebuild_summaries()
        db.session.commit()
    groups = _peer_groups(app, mine_id)
    for group in groups.values():
        assert group.overall.count == 10
        assert group.dimensions["online_sales"] is None
        assert all(
            group.dimensions[d].count == 10 for d in HOUSEHOLD_DIMENSIONS if d != "online_sales"
        )
    auth.login(owner)
    _count, page = _page_queries(app, client, f"/assessments/{mine_id}")
    assert page.count("Too few businesses to show") == 2
    assert page.count('class="peer-bar"') == 2 * len(HOUSEHOLD_DIMENSIONS)
    assert "Not shown yet" not in page


def test_results_page_shows_each_dimension_against_its_group(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    mine = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
    mine_id = submitted_assessment(app, mine)
    rng = random.Random(11)
    peers = [mine_id]
    for _ in range(9):
        business = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE)
        peers.append(submitted_assessment(app, business, answers=varied_answers(rng)))
    # Four more in the province only: the province group is larger than the sector group.
    for _ in range(4):
        business = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.HEALTH)
        submitted_assessment(app, business, answers=varied_answers(rng))
    auth.login(owner)
    _count, page = _page_queries(app, client, f"/assessments/{mine_id}")
    assert "Based on 10 businesses." in page and "Based on 14 businesses." in page
    assert page.count('class="peer-bar"') == 2 * (1 + len(HOUSEHOLD_DIMENSIONS))
    assert "Where the middle half of similar businesses score" in page
    assert "median" not in page.lower() and "quarter" not in page.lower()
    online_sales = benchmark(_latest_scores(app, peers)["online_sales"])
    median, q1, q3 = (
        format_decimal(v, "#,##0.#", locale="en")
        for v in (online_sales.median, online_sales.q1, online_sales.q3)
    )
    assert f'{median} <span class="small muted range">({q1}–{q3})</span>' in page
    # The PDF report shows the same table, one row per dimension and one for the overall score.
    text = pdf_text(client.get(f"/assessments/{mine_id}/report.pdf?lang=en").data)
    assert "Based on 10 businesses." in text and "Based on 14 businesses." in text
    assert text.count("Middle score (middle half)") == 2
    assert f"{median} ({q1}–{q3})" in text


def test_owner_dashboard_shows_each_business_state_in_constant_queries(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    fresh = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, name="A chưa làm")
    auth.login(owner)
    small, page = _page_queries(app, client, "/dashboard")
    assert "Take the assessment" in page

    done = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, name="B đã làm")
    done_id = submitted_assessment(app, done)
    started = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD, name="C đang làm")
    submitted_assessment(app, started)
    client.post(f"/businesses/{started.id}/assessments/start")
    for _ in range(4):
        submitted_assessment(app, make_business(owner=owner, kind=BusinessKind.HOUSEHOLD))
    large, page = _page_queries(app, client, "/dashboard")
    assert large == small
    assert f"/assessments/{done_id}" in page and "See results (level" in page
    assert "Continue the assessment" in page
    assert f"/businesses/{fresh.id}/assessments/start" in page
    with app.app_context():
        progress = progress_of(db.session.query(Business).all())
        assert progress[started.id].draft_id and progress[started.id].latest_id
        assert fresh.id not in progress


def test_staff_history_page_for_a_province_business(app, client, auth, make_user, make_business):
    household = make_business(kind=BusinessKind.HOUSEHOLD, name="Hộ Chè Đường Hoa")
    submitted_assessment(app, household, submitted_at=datetime(2020, 1, 1))
    submitted_assessment(app, household, answers=dict(HOUSEHOLD_ANSWERS, computer="no"))
    auth.login(make_user(role=Role.STAFF))
    page = client.get(f"/businesses/{household.id}/assessments", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count("<tr>") == 3
    assert "points down since last time" in text
