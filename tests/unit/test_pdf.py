"""PDFs are printed in one place (portal/pdf.py), so every one is tagged PDF/UA-1."""

from pathlib import Path

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
