"""Logs: one line per request and per unhandled error, JSON (default) or text, with a request id.

A request id comes from the proxy's ``X-Request-ID`` when it is short and plain, else a new one;
it is echoed in the response's ``X-Request-ID`` and in every log line of the request. Query
strings are never logged, and path segments that carry secrets (password-reset tokens) are
replaced by ``[redacted]``. With ``SENTRY_DSN`` set and sentry-sdk installed (the ``sentry``
extra), errors also go to Sentry.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context, request
from flask_login import user_logged_in

from portal.extensions import login_manager

log = logging.getLogger("portal.request")

REQUEST_ID_HEADER = "X-Request-ID"
#: What a request id from outside may look like (a UUID, a proxy's hex id): else a new one.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: URL variables that hold secrets; their value never reaches a log line.
SECRET_ARGS = ("token",)
#: The same for paths that routing did not match (a 404 or 405 still carries the token).
SECRET_PATHS = re.compile(r"^(/auth/reset/)[^/]+")
REDACTED = "[redacted]"
#: Probes every few seconds: logged only when they fail.
QUIET_PATHS = ("/healthz", "/readyz")
#: Names every LogRecord has; anything else on a record is a field of the JSON line.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def redact_path(path: str) -> str:
    """Return ``path`` with the secret segments replaced (the query string is never kept)."""
    path = path.split("?", 1)[0]
    if has_request_context() and request.path == path and request.view_args:
        for name in SECRET_ARGS:
            value = request.view_args.get(name)
            if isinstance(value, str) and value:
                path = path.replace(value, REDACTED)
    path = SECRET_PATHS.sub(lambda m: m[1] + REDACTED, path)
    return path[:512]


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class _RequestIdFilter(logging.Filter):
    """Give every record the id of the request it was written in (or None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["traceback"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


class _StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is now (gunicorn's, or a test's capture)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(log_format: str) -> None:
    """Send the root logger's INFO and above to stderr in ``log_format`` ("json" or "text")."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)  # a second app in one process (tests) replaces the first's
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _user_fields() -> dict[str, Any]:
    """Return the signed-in account's id and province, read without a database query."""
    fields: dict[str, Any] = {"user_id": None, "province": None}
    if "log_user" in g:
        fields["user_id"], fields["province"] = g.log_user
        return fields
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        state = sa.inspect(user)
        fields["user_id"] = state.identity[0] if state.identity else None
        fields["province"] = state.dict.get("province_code")
    if fields["province"] is None and g.get("api_province") is not None:
        fields["province"] = getattr(g.api_province, "code", g.api_province)
    return fields


def _remember_user(user: Any) -> None:
    # Read now: after the view's commit the account's attributes would need a query.
    if has_request_context() and user is not None:
        g.log_user = (user.id, user.province_code)


def _sentry(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    try:
        import sentry_sdk
        from sentry_sdk.integrations.flask import FlaskIntegration
    except ImportError:
        logging.getLogger(__name__).warning(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install -e '.[sentry]'"
        )
        return

    def scrub(event: dict, _hint: dict) -> dict:
        # No secrets to Sentry either: no query string, cookies or body, the path redacted.
        req = event.get("request") or {}
        if "url" in req:
            parts = urlsplit(req["url"])
            req["url"] = urlunsplit((parts.scheme, parts.netloc, redact_path(parts.path), "", ""))
        for key in ("query_string", "cookies", "data"):
            req.pop(key, None)
        return event

    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        environment=app.config.get("ENV_NAME"),
        send_default_pii=False,
        before_send=scrub,
    )


def init_app(app: Flask) -> None:
    """Log every request of ``app`` (after configure_logging and the login manager's setup)."""
    _sentry(app)

    # Load the account's log fields where it is loaded, not after the view's commit.
    loader = login_manager._user_callback

    def load_and_remember(cookie_id: str) -> Any:
        user = loader(cookie_id) if loader else None
        _remember_user(user)
        return user

    if loader is not None:
        login_manager.user_loader(load_and_remember)
    user_logged_in.connect(lambda _app, user, **_: _remember_user(user), app, weak=False)

    @app.before_request
    def start_request() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        g.request_id = request_id
        response.headers[REQUEST_ID_HEADER] = request_id
        if request.path in QUIET_PATHS and response.status_code < 400:
            return response
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else None
        path = redact_path(request.path)
        fields = {
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": round(duration, 1) if duration is not None else None,
            **_user_fields(),
        }
        log.info(
            "%s %s %s %sms",
            request.method,
            path,
            response.status_code,
            fields["duration_ms"],
            extra=fields,
        )
        return response

    def log_exception(exc_info: Any) -> None:
        # Flask's own message names request.path, which may hold a reset token.
        app.logger.error(
            "Exception on %s [%s]", redact_path(request.path), request.method, exc_info=exc_info
        )

    # This app's method replaced, not Flask's: mypy allows assigning methods on classes only.
    app.log_exception = log_exception  # type: ignore[method-assign]
