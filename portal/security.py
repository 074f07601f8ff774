"""HTTP security headers for every response."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, Response, current_app, g, request
from flask_login import current_user

from portal.access import mark_view

F = TypeVar("F", bound=Callable[..., Any])

CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def build_policy(extra: dict[str, list[str]] | None = None) -> str:
    """Return the Content-Security-Policy, with ``extra`` sources added to their directives."""
    extra = extra or {}
    directives = {name: sources + extra.get(name, []) for name, sources in CSP_DIRECTIVES.items()}
    for name, sources in extra.items():
        directives.setdefault(name, sources)
    return "; ".join(f"{name} {' '.join(dict.fromkeys(srcs))}" for name, srcs in directives.items())


CONTENT_SECURITY_POLICY = build_policy()


def allow_sources(directive: str, *sources: str) -> None:
    """Let this response's page use ``sources`` for ``directive`` (e.g. a payment script)."""
    extra = g.setdefault("csp_extra", {})
    extra.setdefault(directive, []).extend(sources)


class PortalRequest(Request):
    """A request whose body may not exceed MAX_CONTENT_LENGTH, or its view's own upload limit.

    Werkzeug answers 413 from the Content-Length header, before reading the body.
    """

    # Read-only on purpose (the view sets the limit, never a caller), where Flask 3.1's may be set.
    @property  # type: ignore[misc]
    def max_content_length(self) -> int | None:  # type: ignore[override]
        view = current_app.view_functions.get(self.endpoint or "")
        upload_limit = getattr(view, "upload_limit", None)
        if upload_limit is not None:
            return upload_limit()
        return current_app.config["MAX_CONTENT_LENGTH"]


def accepts_upload(limit: Callable[[], int]) -> Callable[[F], F]:
    """Let a view take request bodies up to ``limit()`` bytes (files), not the default."""

    def decorate(view: F) -> F:
        return mark_view(view, upload_limit=limit)

    return decorate


def init_app(app: Flask) -> None:
    app.request_class = PortalRequest

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        extra = g.get("csp_extra")
        policy = build_policy(extra) if extra else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if _is_private(response):
            # A shared computer's back button or a proxy must not show someone else's page.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        return response


def _is_private(response: Response) -> bool:
    """Tell whether a response was made for one signed-in person or API client."""
    if request.endpoint == "static":
        return False
    if g.get("api_province") is not None:
        return True
    # is_anonymous, not is_authenticated: after a commit the account's row is expired, and
    # is_authenticated (its "active" column) would read it again only to set a header.
    return bool(current_user) and not current_user.is_anonymous
