"""The PDFs print with the portal's own user-agent sheet and their <style> parsed once
(portal/pdf.py): what comes out must be what WeasyPrint prints with its own sheet from the same
HTML, to the byte (dates and the document id aside), so that headings stay bold, tables keep
their layout, lists their numbers and the tags for screen readers their structure."""

import re
from importlib.metadata import version

import pytest
from weasyprint import CSS, HTML

from portal import pdf
from portal.auth.models import Role
from portal.businesses.models import BusinessKind, Sector
from tests.factories import (
    complete_with_certificate,
    enrol_now,
    new_training,
    pdf_text,
    submitted_assessment,
)

_VARYING = re.compile(rb"/(CreationDate|ModDate) \([^)]*\)|/ID \[[^\]]*\]")


@pytest.fixture
def printed(monkeypatch):
    """The HTML of each PDF printed, from an empty cache."""
    pdf.rendered.clear()
    htmls = []
    real = pdf._print

    def keeping(html, base_url, **options):
        htmls.append(html)
        return real(html, base_url, **options)

    monkeypatch.setattr(pdf, "_print", keeping)
    yield htmls
    pdf.rendered.clear()


def _as_weasyprint_prints_it(app, html: str) -> bytes:
    return HTML(string=html, base_url=app.root_path).write_pdf(
        pdf_variant="pdf/ua-1", uncompressed_pdf=True
    )


OLDER_WEASYPRINT = int(version("weasyprint").split(".")[0]) < pdf.LEAN_UA_SINCE


@pytest.mark.skipif(OLDER_WEASYPRINT, reason="an older WeasyPrint prints with its own sheet")
def test_the_weasyprint_hook_is_there():
    """WeasyPrint's private hook for the user-agent sheet: an upgrade that drops it would print
    with its own sheet again, slower; this says so rather than let it pass unseen."""
    assert pdf.LEAN_UA
    assert pdf.PortalHTML._ua_stylesheets is not HTML._ua_stylesheets


@pytest.mark.skipif(OLDER_WEASYPRINT, reason="an older WeasyPrint prints with its own sheet")
def test_the_portals_sheet_is_the_one_used(app, monkeypatch):
    # The portal's sheet and one rule more (WeasyPrint before 70 needs the sheet's @page rules).
    hiding = CSS(string=pdf.UA_SHEET.read_text() + "\nhtml { display: none }")
    monkeypatch.setattr(pdf, "_ua_sheet", lambda: hiding)
    html = "<!doctype html><html lang=vi><head><style>p { color: #000 }</style></head>"
    html += "<body><p>Có in ra không</p></body></html>"
    assert "Có in ra không" not in pdf_text(pdf._print(html, app.root_path))
    monkeypatch.undo()
    assert "Có in ra không" in pdf_text(pdf._print(html, app.root_path))


@pytest.mark.engine_independent  # two prints of the same HTML compared
def test_every_kind_of_pdf_prints_as_with_weasyprints_own_sheet(
    app, client, auth, make_user, make_business, trainer, printed
):
    owner = make_user(locale="vi")
    business = make_business(
        owner=owner, kind=BusinessKind.HOUSEHOLD, sector=Sector.TRADE, name="Hộ Chè Tân Cương"
    )
    assessment_id = submitted_assessment(app, business)
    done = complete_with_certificate(app, trainer, business)
    enrol_now(app, new_training(app, trainer).cohort_id, make_business().id)

    auth.login(owner)
    for url in (
        f"/assessments/{assessment_id}/report.pdf?lang=vi",
        f"/assessments/{assessment_id}/report.pdf?lang=en",
        f"/training/certificates/{done.certificate_id}.pdf",
    ):
        assert client.get(url).status_code == 200, url
    auth.logout()
    auth.login(make_user(role=Role.STAFF))
    for url in (
        "/reports/enrolments.pdf?by=commune&layout=official",
        "/reports/enrolments.pdf?by=course",
    ):
        assert client.get(url).status_code == 200, url
    assert len(printed) == 5

    for html in list(printed):
        ours = pdf._print(html, app.root_path, uncompressed_pdf=True)
        theirs = _as_weasyprint_prints_it(app, html)
        assert _VARYING.sub(b"", ours) == _VARYING.sub(b"", theirs), html[:300]


def test_a_missing_rule_would_show(app):
    """The comparison above can fail: the same document without the rule that makes <th> and
    <strong> bold prints otherwise."""
    html = (
        "<!doctype html><html lang=vi><head><style>td { padding: 1mm }</style></head><body>"
        "<h1>Báo cáo</h1><table><tr><th>Lượt</th><td><strong>12</strong></td></tr></table>"
        "<ol><li>Một</li></ol></body></html>"
    )
    sheet = pdf.UA_SHEET.read_text(encoding="utf-8")
    assert "b, strong, th { font-weight: bold }" in sheet
    lacking = CSS(string=sheet.replace("b, strong, th { font-weight: bold }", ""))

    class Lacking(HTML):
        def _ua_stylesheets(self, forms=False):
            return [lacking]

    def printed_with(cls):
        body, style = pdf._split_style(html)
        return _VARYING.sub(
            b"",
            cls(string=body, base_url=app.root_path).write_pdf(
                pdf_variant="pdf/ua-1",
                uncompressed_pdf=True,
                stylesheets=[CSS(string=style)],
            ),
        )

    assert printed_with(pdf.PortalHTML) == _VARYING.sub(b"", _as_weasyprint_prints_it(app, html))
    assert printed_with(Lacking) != printed_with(pdf.PortalHTML)
