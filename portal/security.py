"""HTTP security headers for every response."""

from flask import Flask, Response, g, request
from flask_login import current_user

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


def init_app(app: Flask) -> None:
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
    return bool(current_user) and current_user.is_authenticated
