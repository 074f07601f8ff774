"""PDFs printed lately are kept by the hash of their HTML (portal/pdf.py): a request that
produces the same HTML gets the same bytes without printing, anything shown that changed
prints anew, and nobody gets a PDF their own request would not have produced."""

import pytest

from portal import pdf
from portal.auth.models import Role, User
from portal.businesses.models import Business, BusinessKind, Sector
from portal.extensions import db
from portal.privacy import operations as privacy
from tests.conftest import HA_NOI
from tests.factories import (
    HOUSEHOLD_ANSWERS,
    enrol_now,
    new_training,
    pdf_text,
    submitted_assessment,
)

#: The cache is keyed by the HTML a request produced, whatever database it was made from:
#: SQLite pass only (PDFs of PostgreSQL's data are printed by the other modules' tests).
pytestmark = pytest.mark.engine_independent


@pytest.fixture
def prints(monkeypatch):
    """Count the PDFs WeasyPrint prints, from an empty cache."""
    pdf.rendered.clear()
    printed = []
    real = pdf._print

    def counting(html, base_url):
        printed.append(html)
        return real(html, base_url)

    monkeypatch.setattr(pdf, "_print", counting)
    yield printed
    pdf.rendered.clear()


def _household(make_business, **fields):
    return make_business(kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE, **fields)


def test_same_html_same_bytes_without_printing_again(
    app, client, auth, make_user, make_business, prints
):
    owner = make_user()
    assessment_id = submitted_assessment(app, _household(make_business, owner=owner))
    auth.login(owner)
    url = f"/assessments/{assessment_id}/report.pdf?lang=vi"
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and len(prints) == 1
    # Another language is another HTML.
    english = client.get(f"/assessments/{assessment_id}/report.pdf?lang=en")
    assert len(prints) == 2 and english.data != first.data
    assert "Digital readiness report" in pdf_text(english.data)


def test_what_the_pdf_shows_changed_prints_anew(
    app, client, auth, make_user, make_business, prints
):
    owner = make_user()
    mine = _household(make_business, owner=owner, name="Hộ Trà Đồng Hỷ")
    assessment_id = submitted_assessment(app, mine)
    for _ in range(9):
        submitted_assessment(app, _household(make_business), answers=HOUSEHOLD_ANSWERS)
    auth.login(owner)
    url = f"/assessments/{assessment_id}/report.pdf?lang=en"
    before = pdf_text(client.get(url).data)
    assert "Based on 10 businesses." in before and "Hộ Trà Đồng Hỷ" in before

    # Another business of the sector submits: the peer counts shown are the current ones.
    submitted_assessment(app, _household(make_business), answers=HOUSEHOLD_ANSWERS)
    after = pdf_text(client.get(url).data)
    assert "Based on 11 businesses." in after and "Based on 10 businesses." not in after

    # The business is renamed: the report names it so.
    with app.app_context():
        db.session.get(Business, mine.id).name = "Hộ Chè Tân Cương"
        db.session.commit()
    renamed = pdf_text(client.get(url).data)
    assert "Hộ Chè Tân Cương" in renamed and "Hộ Trà Đồng Hỷ" not in renamed
    assert len(prints) == 3


def test_closing_the_account_leaves_nothing_of_it_in_the_next_pdf(
    app, client, auth, make_user, make_business, staff, prints
):
    owner = make_user(name="Lò Văn Pá")
    business = _household(make_business, owner=owner, name="Hộ Mật ong Lò Văn Pá")
    assessment_id = submitted_assessment(app, business)
    auth.login(staff)
    url = f"/assessments/{assessment_id}/report.pdf?lang=vi"
    assert "Lò Văn Pá" in pdf_text(client.get(url).data)
    with app.app_context():
        privacy.close_account(db.session.get(User, owner.id))
        db.session.commit()
    assert "Lò Văn Pá" not in pdf_text(client.get(url).data)
    assert len(prints) == 2


def test_another_provinces_people_never_get_it(app, client, auth, make_user, make_business, prints):
    owner = make_user()
    assessment_id = submitted_assessment(app, _household(make_business, owner=owner))
    auth.login(owner)
    url = f"/assessments/{assessment_id}/report.pdf"
    assert client.get(url).status_code == 200
    assert len(prints) == 1
    auth.logout()
    # Kept in memory, yet refused before anything is looked up: scoping comes first.
    for other in (
        make_user(role=Role.STAFF, province_code=HA_NOI),
        make_user(province_code=HA_NOI),
    ):
        auth.login(other)
        assert client.get(url).status_code == 404
        auth.logout()
    assert len(prints) == 1


def test_official_reports_of_two_provinces_are_their_own(
    app, client, auth, make_user, make_business, prints
):
    trainer = make_user(role=Role.TRAINER)
    enrol_now(app, new_training(app, trainer).cohort_id, make_business().id)
    url = "/reports/enrolments.pdf?by=course&layout=official"
    texts = {}
    for province in (22, HA_NOI):
        auth.login(make_user(role=Role.STAFF, province_code=province))
        texts[province] = [pdf_text(client.get(url).data) for _ in range(2)]
        auth.logout()
    assert "QUẢNG NINH" in texts[22][0] and "HÀ NỘI" not in texts[22][0]
    assert "HÀ NỘI" in texts[HA_NOI][0] and "QUẢNG NINH" not in texts[HA_NOI][0]
    # Each printed once; the second request of each is the first's bytes.
    assert texts[22][1] == texts[22][0] and texts[HA_NOI][1] == texts[HA_NOI][0]
    assert len(prints) == 2


def test_the_cache_keeps_recent_pdfs_within_its_bounds(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(pdf.time, "monotonic", lambda: now[0])
    cache = pdf.RenderedCache(max_bytes=10, max_entry_bytes=6, seconds=60)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # now the most recently used
    cache.put("c", b"cccc")  # 12 bytes: the least recently used goes
    assert cache.get("b") is None and cache.get("a") == b"aaaa" and cache.get("c") == b"cccc"
    cache.put("big", b"x" * 7)  # larger than an entry may be: not kept
    assert cache.get("big") is None
    now[0] += 61  # kept for a minute only
    assert cache.get("a") is None and cache.get("c") is None
    cache.put("d", b"dddddd")
    assert cache.get("d") == b"dddddd"


def test_official_table_takes_automatic_layout_when_figures_are_too_large(
    app, client, auth, make_user, make_business, monkeypatch, prints
):
    """Its columns are as wide as the totals need; large figures print in a smaller type, and
    only figures too wide for the page's width even then leave the layout to WeasyPrint."""
    from portal.reports import queries
    from portal.reports.enrolments import COUNTED_STATES, CountRow, EnrolmentCounts
    from portal.training.models import EventState

    scale = [1]

    def counts(*args, **kwargs):
        # Thousands of enrolments and completions, a few of the rest; or all of them huge.
        n = scale[0]
        big = (EventState.ENROLLED, EventState.COMPLETED)
        events = {s: 3 * n if s in big or n > 10_000 else 7 for s in COUNTED_STATES}
        businesses = {s: 2 * n if s in big or n > 10_000 else 5 for s in COUNTED_STATES}
        row = CountRow(
            key=1,
            label="Xã Quảng La",
            counts=events,
            businesses=businesses,
            any_businesses=2 * n,
        )
        return EnrolmentCounts(
            by="commune", rows=[row], total_businesses=businesses, any_businesses=2 * n
        )

    monkeypatch.setattr(queries, "enrolment_counts", counts)
    auth.login(make_user(role=Role.STAFF))
    url = "/reports/enrolments.pdf?by=commune&layout=official"
    for n, fixed, smaller in (
        (1, True, None),
        (1_500, True, None),
        (40_000, True, "8pt"),
        (10_000_000, False, None),
    ):
        scale[0] = n
        text = pdf_text(client.get(url).data)
        assert f"{3 * n:,}".replace(",", ".") in text
        assert ('class="data fixed"' in prints[-1]) is fixed
        assert ('class="data fixed" style="font-size:' in prints[-1]) is bool(smaller)
        if smaller:
            assert f'style="font-size: {smaller}"' in prints[-1]
