"""The one way to make a PDF: HTML from a Jinja template, printed by WeasyPrint."""

from flask import current_app
from weasyprint import HTML


def write_pdf(html: str) -> bytes:
    """Return the PDF of ``html``, tagged for screen readers (PDF/UA-1; language from <html>).

    Relative URLs (fonts, images under static/) resolve against the app's root folder.
    """
    return HTML(string=html, base_url=current_app.root_path).write_pdf(pdf_variant="pdf/ua-1")
