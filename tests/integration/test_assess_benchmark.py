"""Benchmarks of peer groups, and pages whose query count does not grow with the data."""

from datetime import datetime

from portal.assess.queries import peer_scores, progress_of
from portal.auth.models import Role
from portal.businesses.models import Business, BusinessKind, Sector
from portal.extensions import db
from portal.querycount import count_queries
from tests.conftest import HA_NOI
from tests.integration.test_assess import EN, HOUSEHOLD_ANSWERS, submitted_assessment


def _households(make_business, count, **fields):
    return [make_business(kind=BusinessKind.HOUSEHOLD, **fields) for _ in range(count)]


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


def test_peer_scores_take_each_business_latest_result_of_the_same_questionnaire(app, make_business):
    business = make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TOURISM)
    weak = dict(HOUSEHOLD_ANSWERS, internet="none", smartphone="none", computer="no")
    submitted_assessment(app, business, answers=weak, submitted_at=datetime(2030, 1, 1))
    latest = submitted_assessment(app, business, submitted_at=datetime(2030, 5, 1))
    enterprise = make_business(kind=BusinessKind.ENTERPRISE, sector=Sector.TOURISM)
    submitted_assessment(app, enterprise)
    elsewhere = make_business(kind=BusinessKind.HOUSEHOLD, province_code=HA_NOI)
    submitted_assessment(app, elsewhere)
    with app.app_context():
        from portal.assess.models import Assessment

        expected = db.session.get(Assessment, latest).overall_score
        assert peer_scores("household", sector=Sector.TOURISM) == [expected]
        assert len(peer_scores("household", province_code=HA_NOI)) == 1
        assert len(peer_scores("enterprise", sector=Sector.TOURISM)) == 1


def test_results_page_query_count_does_not_grow_with_data(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    mine = make_business(owner=owner, kind=BusinessKind.HOUSEHOLD)
    submitted_assessment(app, mine, submitted_at=datetime(2020, 1, 1))
    mine_id = submitted_assessment(app, mine)
    for peer in _households(make_business, 3):
        submitted_assessment(app, peer)
    auth.login(owner)
    small, _page = _page_queries(app, client, f"/assessments/{mine_id}")
    for peer in _households(make_business, 12):
        submitted_assessment(app, peer)
        submitted_assessment(app, peer)
    large, page = _page_queries(app, client, f"/assessments/{mine_id}")
    assert "Based on 16 businesses." in page
    assert large == small


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
