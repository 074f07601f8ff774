"""PDFs are printed in one place (portal/pdf.py), so every one is tagged PDF/UA-1."""

from pathlib import Path

from portal.pdf import pdf_response

ROOT = Path(__file__).resolve().parents[2]


def _imports_weasyprint(source: str) -> bool:
    return "from weasyprint" in source or "import weasyprint" in source


def test_only_the_pdf_module_calls_weasyprint():
    helper = ROOT / "portal" / "pdf.py"
    callers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if path != helper and _imports_weasyprint(path.read_text(encoding="utf-8"))
    ]
    assert callers == []
    assert 'pdf_variant="pdf/ua-1"' in helper.read_text(encoding="utf-8")


def test_pdf_response_names_the_file(app):
    with app.test_request_context():
        shown = pdf_response(b"%PDF-", "certificate-AB12.pdf")
        saved = pdf_response(b"%PDF-", "hộ-kinh-doanh.pdf", attachment=True)
    assert shown.mimetype == "application/pdf"
    assert shown.headers["Content-Disposition"] == "inline; filename=certificate-AB12.pdf"
    assert saved.headers["Content-Disposition"].startswith("attachment; filename=ho-kinh-doanh.pdf")
    assert "filename*=UTF-8''h%E1%BB%99-kinh-doanh.pdf" in saved.headers["Content-Disposition"]
