"""The one way to make a PDF: HTML from a Jinja template, printed by WeasyPrint.

Printing is the slow part (half a second to a second for a few pages, all of it CPU), so:

- each thread keeps its WeasyPrint font configuration (Pango's font map, with the fonts it has
  loaded and measured) from one PDF to the next: about a tenth of a report's time. One per
  thread, since Pango's font maps are not to be shared between threads. The PDFs use installed
  fonts only: an @font-face rule would add its font to the thread's configuration for good;
- the PDFs printed lately are kept in memory by the SHA-256 of their HTML (``RenderedCache``).
  WeasyPrint prints the same HTML to the same bytes, and the HTML holds everything a PDF shows
  (names, scores, peer counts, dates, the style; images as data: URLs), so a kept PDF is exactly
  what printing again would give: nothing to invalidate, and nobody can get a PDF whose HTML
  their own request did not produce (a template that loaded a file by URL would have to put
  that file's content, or its hash, in its HTML). A change of anything shown (a business
  renamed, peers that submitted since, another day's date) is another HTML, hence a new PDF.
  Kept per process, for minutes, within a few megabytes: nothing is written to disk, so
  closing an account (which erases names and answers) leaves no copy behind once the minutes
  are over;
- WeasyPrint's own user-agent style sheet is replaced by a shorter one
  (``static/pdf/ua.css``): the same rules for what the PDFs contain, without the selectors
  WeasyPrint would try on every element (its sheet gives each element ::marker, ::footnote-*
  and ::note-* pseudo-elements, whose styles it computes). That is a private method of
  WeasyPrint (``HTML._ua_stylesheets``), checked at import: without it, its own sheet is used;
  tests/integration/test_pdf_print.py checks that the hook still takes effect and that every
  kind of PDF prints to the same pixels as with WeasyPrint's sheet;
- the document's <style> (one per template, in pdf_base.html's <head>) is parsed once per
  process and passed as a ready style sheet (WeasyPrint parses CSS anew for each print
  otherwise, issue #618). Taken out of the HTML it is a "user" sheet rather than an "author"
  one, which changes nothing here: no template has !important, style attributes still win.
  The HTML hashed for the kept copies is the whole HTML, <style> included.

WeasyPrint is imported at the first print, not with the portal: it takes about a second
(mostly Pango's C declarations), which every process would pay at start-up (the command-line
tools, the test suite's servers), printing or not.
"""

import atexit
import hashlib
import threading
import time
import unicodedata
from collections import OrderedDict
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from flask import Response, current_app

#: The user-agent style sheet of the PDFs (see the module's notes).
UA_SHEET = Path(__file__).resolve().parents[1] / "static" / "pdf" / "ua.css"

#: What else makes the bytes: the printer's version, the user-agent sheet (the fonts come with
#: the deployment).
_PRINTER = (
    f"weasyprint {version('weasyprint')}, pydyf {version('pydyf')}, "
    f"ua {hashlib.sha256(UA_SHEET.read_bytes()).hexdigest()}"
)

#: The WeasyPrint whose own sheet ``ua.css`` was trimmed from; older ones keep their own sheet
#: (theirs differ, and before 70 the @footnote area needs rules ours would have to follow).
LEAN_UA_SINCE = 70


@lru_cache(maxsize=1)
def _weasyprint() -> SimpleNamespace:
    """WeasyPrint's classes and the portal's document class, at the first use."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    # This thread's font configuration goes before WeasyPrint's modules are torn down at
    # exit: imported after this module, they go first, and the configuration's clean-up
    # (WeasyPrint before 70) would find them gone.
    atexit.register(lambda: _thread.__dict__.pop("font_config", None))

    # WeasyPrint 70 asks the document for its user-agent sheets through this private method.
    lean_ua = int(version("weasyprint").split(".")[0]) >= LEAN_UA_SINCE and callable(
        getattr(HTML, "_ua_stylesheets", None)
    )

    # WeasyPrint ships no type information: to the type checker HTML is Any.
    class PortalHTML(HTML):  # type: ignore[misc]
        """A document printed with the portal's user-agent sheet rather than WeasyPrint's."""

        if lean_ua:

            def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
                return [_ua_sheet()]

    return SimpleNamespace(
        CSS=CSS, FontConfiguration=FontConfiguration, PortalHTML=PortalHTML, LEAN_UA=lean_ua
    )


@lru_cache(maxsize=1)
def _ua_sheet() -> Any:
    return _weasyprint().CSS(filename=str(UA_SHEET))


def __getattr__(name: str) -> Any:
    # pdf.PortalHTML and pdf.LEAN_UA (whether the portal's sheet is in use), for the tests.
    if name in ("PortalHTML", "LEAN_UA"):
        return getattr(_weasyprint(), name)
    raise AttributeError(name)


@lru_cache(maxsize=32)
def _style_sheet(style: str, base_url: str) -> Any:
    """The parsed <style> of a template (a handful of distinct ones: kept for the process)."""
    return _weasyprint().CSS(string=style, base_url=base_url)


def _split_style(html: str) -> tuple[str, str]:
    """``html`` without its <style> element, and that element's content ("" if none)."""
    head, opened, rest = html.partition("<style>")
    style, closed, tail = rest.partition("</style>")
    if not closed or "<style" in tail:
        return html, ""
    return head + tail, style


class RenderedCache:
    """Recent PDFs by the hash of what printed them, least recently used out first."""

    def __init__(self, max_bytes: int, max_entry_bytes: int, seconds: float) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.seconds = seconds
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            self._expire(time.monotonic())
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, pdf: bytes) -> None:
        if len(pdf) > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._entries[key] = (time.monotonic() + self.seconds, pdf)
            self._size += len(pdf)
            while self._size > self.max_bytes:
                _key, (_until, evicted) = self._entries.popitem(last=False)
                self._size -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _expire(self, now: float) -> None:
        # Entries are in order of use, not of expiry: look at them all (a few hundred at most).
        for key in [k for k, (until, _pdf) in self._entries.items() if until <= now]:
            self._size -= len(self._entries.pop(key)[1])


#: A report is 40-100 kB; a batch of invitation letters (hundreds of pages) is not kept.
rendered = RenderedCache(max_bytes=24 * 1024 * 1024, max_entry_bytes=2 * 1024 * 1024, seconds=600)

_thread = threading.local()


def _font_config() -> Any:
    font_config = getattr(_thread, "font_config", None)
    if font_config is None:
        font_config = _thread.font_config = _weasyprint().FontConfiguration()
    return font_config


def write_pdf(html: str) -> bytes:
    """Return the PDF of ``html``, tagged for screen readers (PDF/UA-1; language from <html>).

    Relative URLs (fonts, images under static/) resolve against the app's root folder; a PDF
    printed from the same HTML lately comes from memory (see the module's notes).
    """
    base_url = current_app.root_path
    digest = hashlib.sha256(f"{_PRINTER}\n{base_url}\n{html}".encode()).hexdigest()
    pdf = rendered.get(digest)
    if pdf is None:
        pdf = _print(html, base_url)
        rendered.put(digest, pdf)
    return pdf


def _print(html: str, base_url: str, **options: object) -> bytes:
    """Print ``html``; ``options`` for WeasyPrint are for tests (``uncompressed_pdf``)."""
    body, style = _split_style(html)
    document = _weasyprint().PortalHTML(string=body, base_url=base_url)
    return document.write_pdf(
        pdf_variant="pdf/ua-1",
        font_config=_font_config(),
        stylesheets=[_style_sheet(style, base_url)] if style.strip() else None,
        **options,
    )


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
