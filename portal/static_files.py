"""Static files: URLs versioned by content, cached for a year, compressed.

``url_for("static", filename=...)`` adds ``?v=<hash of the file's content>``. A request whose
``v`` is the file's current hash is answered ``Cache-Control: public, max-age=31536000,
immutable``: a changed file gets a new URL, so a phone never keeps a stale copy and never asks
again for an unchanged one. A request without ``v``, or with an old one (a page from another
server during an upgrade), is answered ``no-cache`` so the browser checks it each time.

CSS, scripts and SVG are compressed with Flask-Compress (zstd, brotli or gzip, as the browser
accepts). Pages are not: a compressed page that carries a CSRF token next to text the visitor
typed would open it to BREACH. In production nginx serves ``/static`` itself with the same
headers (README, Deploy).
"""

import hashlib
import os

from flask import Flask, Request, Response, current_app, request
from flask_compress import Compress
from werkzeug.security import safe_join

YEAR_IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED_TYPES = ["text/css", "text/javascript", "application/javascript", "image/svg+xml"]

compress = Compress()

#: path -> ((mtime_ns, size), hash): a file edited while the portal runs gets a new hash.
_hashes: dict[str, tuple[tuple[int, int], str]] = {}


def file_version(filename: str) -> str | None:
    """Return a short hash of the static file's content, or None if there is no such file."""
    path = safe_join(current_app.static_folder or "", filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    known = _hashes.get(path)
    if known is not None and known[0] == key:
        return known[1]
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    _hashes[path] = (key, digest)
    return digest


class CompressedFiles:
    """Flask-Compress's cache: each static file's compressed forms, kept in memory."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        self.data[key] = value


def _compressed_key(req: Request) -> str:
    # Each version of a file is compressed once per algorithm, then kept in memory.
    return f"{req.path}?{file_version((req.view_args or {}).get('filename', ''))}"


def init_app(app: Flask) -> None:
    # Only the static responses below are compressed, never pages (see the module's note).
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_CACHE_BACKEND", CompressedFiles)
    app.config.setdefault("COMPRESS_CACHE_KEY", _compressed_key)
    compress.init_app(app)

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        version = file_version(values["filename"])
        if version is not None:
            values["v"] = version

    @app.after_request
    def cache_and_compress_static(response: Response) -> Response:
        if request.endpoint != "static":
            return response
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        if version is not None and version == file_version(filename):
            response.headers["Cache-Control"] = YEAR_IMMUTABLE
        else:
            response.headers["Cache-Control"] = "no-cache"
        if response.status_code == 200 and response.mimetype in COMPRESSED_TYPES:
            # Read the (small) file now: the file is then closed with the response, which
            # Flask-Compress's streaming path would not do.
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
