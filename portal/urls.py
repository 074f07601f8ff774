"""Absolute URLs: always on the configured public address, never the request's Host header.

A link written into a mail, a PDF or a QR code outlives the request, and the Host header is
whatever the client sent: building from it would let anyone make the portal mail a genuine
reset link to their own site. ``PORTAL_BASE_URL`` (e.g. https://dbp.quangninh.gov.vn) is the
only source.
"""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: object) -> str:
    """Return the absolute URL of ``endpoint`` on the portal's public address."""
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
