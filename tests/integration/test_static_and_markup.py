"""Static files cached for a year under versioned URLs and compressed; markup for phones.

Static: every page links its CSS and scripts as ``/static/...?v=<hash of the content>``; that
URL is answered ``public, max-age=31536000, immutable`` and compressed as the browser accepts,
any other (no version, an old one) ``no-cache``. Pages are never compressed (BREACH).
Markup: the question page's buttons come in the order they are drawn (Back, then Next) while
Enter still means Next; the three wide tables fold into labelled cards on a phone or scroll in
a box the keyboard can reach.
"""

import gzip
import hashlib
import os
import re
from html.parser import HTMLParser

import brotli
import pytest

from portal.assess import operations as assess_operations
from portal.assess.questionnaires import registry
from portal.auth.models import Role
from portal.businesses.models import Business, BusinessKind
from portal.extensions import db

STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "static")
YEAR = "public, max-age=31536000, immutable"


def _version(filename: str) -> str:
    with open(os.path.join(STATIC, filename), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


class _Elements(HTMLParser):
    """Every start tag of a page, in document order, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def fetch(client, url: str, **kwargs):
    """GET ``url``, read the body and close the response (a static file is then closed too)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


def elements(html: str, tag: str | None = None) -> list[dict]:
    parser = _Elements()
    parser.feed(html)
    return [a | {"_tag": t} for t, a in parser.tags if tag is None or t == tag]


# ------------------------------------------------------------------------- static files


def test_pages_link_static_files_by_a_hash_of_their_content(client):
    html = client.get("/").get_data(as_text=True)
    for filename in ("css/app.css", "js/app.js", "img/icon.svg"):
        assert f"/static/{filename}?v={_version(filename)}" in html


def test_a_versioned_static_file_is_cached_for_a_year_and_compressed(client):
    url = f"/static/css/app.css?v={_version('css/app.css')}"
    with open(os.path.join(STATIC, "css", "app.css"), "rb") as f:
        content = f.read()

    plain = fetch(client, url)
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == YEAR
    assert "Content-Encoding" not in plain.headers
    assert plain.data == content

    zipped = fetch(client, url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Cache-Control"] == YEAR
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == content
    assert len(zipped.data) < len(content) / 2

    br = fetch(client, url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.data) == content

    script = fetch(
        client, f"/static/js/app.js?v={_version('js/app.js')}", headers={"Accept-Encoding": "gzip"}
    )
    assert script.headers["Content-Encoding"] == "gzip"
    assert script.headers["Cache-Control"] == YEAR


@pytest.mark.parametrize("query", ["", "?v=0123456789ab"])
def test_an_unversioned_or_outdated_static_url_is_checked_each_time(client, query):
    response = fetch(client, f"/static/css/app.css{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    # The browser asks again cheaply: an unchanged file answers 304.
    again = fetch(
        client, f"/static/css/app.css{query}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_pages_are_not_compressed(client, auth, make_user):
    # A compressed page carrying a CSRF token beside reflected input would invite BREACH.
    response = client.get("/auth/login", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    auth.login(make_user())
    page = client.get("/dashboard", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"


# ------------------------------------------------------------------- question page order


def test_question_page_buttons_come_back_then_next_and_enter_still_means_next(
    app, client, auth, make_user, make_business
):
    owner = make_user()
    business = make_business(owner=owner, kind=BusinessKind.ENTERPRISE)
    with app.app_context():
        b = db.session.get(Business, business.id)
        draft, _new = assess_operations.start_assessment(
            b, b.owner, registry().get("enterprise", 1)
        )
        db.session.commit()
        draft_id = draft.id
    auth.login(owner)
    html = client.get(f"/assessments/{draft_id}/step/2").get_data(as_text=True)
    buttons = [e for e in elements(html, "button") if e.get("type") == "submit"]
    form_buttons = [b for b in buttons if b.get("name") == "action"]
    # Enter submits with the form's first submit button: a hidden "next".
    assert form_buttons[0]["value"] == "next" and "hidden" in form_buttons[0]
    shown = [b["value"] for b in form_buttons if "hidden" not in b]
    assert shown == ["back", "next", "later"]

    # The first page has no Back; Next is still the first shown.
    first = client.get(f"/assessments/{draft_id}/step/1").get_data(as_text=True)
    shown = [
        b["value"]
        for b in elements(first, "button")
        if b.get("name") == "action" and "hidden" not in b
    ]
    assert shown == ["next", "later"]
    # And the stylesheet no longer reorders them.
    with open(os.path.join(STATIC, "css", "app.css"), encoding="utf-8") as f:
        assert not re.search(r"\.step-(back|next)\s*\{[^}]*order", f.read())


def test_enter_without_a_button_goes_to_the_next_page(app, client, auth, make_user, make_business):
    owner = make_user()
    business = make_business(owner=owner, kind=BusinessKind.ENTERPRISE)
    with app.app_context():
        b = db.session.get(Business, business.id)
        draft, _new = assess_operations.start_assessment(
            b, b.owner, registry().get("enterprise", 1)
        )
        db.session.commit()
        draft_id = draft.id
    auth.login(owner)
    # A browser that submits without naming a button (no default button) moves on too.
    response = client.post(f"/assessments/{draft_id}/step/2", data={})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{draft_id}/step/3")


# ----------------------------------------------------------------------- wide tables


def _labels_of(html: str, table_id: str | None = None) -> list[str]:
    """The data-label of each cell of the page's first table (or the one with ``table_id``)."""
    tags = elements(html)
    start = next(
        i
        for i, e in enumerate(tags)
        if e["_tag"] == "table" and (table_id is None or e.get("id") == table_id)
    )
    labels = []
    for e in tags[start + 1 :]:
        if e["_tag"] == "table":
            break
        if e["_tag"] in ("td", "th") and "data-label" in e:
            labels.append(e["data-label"])
    return labels


def test_accounts_table_folds_into_labelled_cards(client, auth, make_user):
    staff = make_user(role=Role.STAFF)
    make_user(role=Role.TRAINER, name="Vũ Thị Lan")
    auth.login(staff)
    html = client.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    table = next(e for e in elements(html, "table"))
    assert "table--stack" in table["class"]
    assert _labels_of(html)[:3] == ["Role", "Province", "Status"]


def test_money_report_tables_fold_into_labelled_cards(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    html = client.get("/billing/report", headers={"Accept-Language": "en"}).get_data(as_text=True)
    tables = {e.get("id"): e["class"] for e in elements(html, "table")}
    assert "table--stack" in tables["money-report"]
    assert "table--stack" in tables["budgets"]
    # The Total row says what each figure is, too.
    assert _labels_of(html, "money-report")[-3:] == [
        "Fees collected",
        "Subsidies granted",
        "Refunds",
    ]


def test_enrolment_report_scrolls_in_a_box_the_keyboard_reaches(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    html = client.get("/reports/enrolments", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    box = next(e for e in elements(html, "div") if "table-scroll" in e.get("class", ""))
    assert box["tabindex"] == "0"
    assert box["role"] == "region"
    labelled_by = box["aria-labelledby"]
    assert any(e.get("id") == labelled_by for e in elements(html))
    assert "Swipe the table sideways to see every column →" in html
    # The downloads are tap targets on a phone.
    downloads = [e for e in elements(html, "a") if "/reports/enrolments." in e.get("href", "")]
    assert len(downloads) >= 3  # CSV, XLSX, PDF
    assert all("tap-target" in e.get("class", "") for e in downloads)
