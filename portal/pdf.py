"""The one way to make a PDF: HTML from a Jinja template, printed by WeasyPrint."""

import unicodedata
from urllib.parse import quote

from flask import Response, current_app
from weasyprint import HTML


def write_pdf(html: str) -> bytes:
    """Return the PDF of ``html``, tagged for screen readers (PDF/UA-1; language from <html>).

    Relative URLs (fonts, images under static/) resolve against the app's root folder.
    """
    return HTML(string=html, base_url=current_app.root_path).write_pdf(pdf_variant="pdf/ua-1")


def pdf_response(pdf: bytes, filename: str, *, attachment: bool = False) -> Response:
    """Answer ``pdf`` as ``filename``: shown by the browser, or saved with ``attachment``."""
    response = current_app.response_class(pdf, mimetype="application/pdf")
    disposition = "attachment" if attachment else "inline"
    try:
        filename.encode("ascii")
        names = {"filename": filename}
    except UnicodeEncodeError:  # as send_file does: an ASCII name, and the real one encoded
        ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
        names = {"filename": ascii_name, "filename*": f"UTF-8''{quote(filename, safe='')}"}
    response.headers.set("Content-Disposition", disposition, **names)
    return response
