"""Translated error pages."""

import contextlib
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal.extensions import db, login_manager

#: Errors that mean "the database cannot be reached now": 503, try again shortly.
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError)
#: The generic error page's heading, also the message of JSON error answers.
GENERIC_ERROR = "This request could not be handled"
#: Seconds a client (or a proxy) should wait before trying again.
RETRY_AFTER = "30"


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Any, int, list[tuple[str, str]]]:
        code = error.code or 500
        if request.is_json:
            # A script sent JSON (the questionnaire's autosave): it reads JSON back.
            body = jsonify(error=error.name.lower().replace(" ", "_"), message=_(GENERIC_ERROR))
            headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
            return body, code, headers
        template = f"errors/{code}.html" if code in (403, 404, 429) else "errors/generic.html"
        # Keep the exception's own headers: Allow on a 405, Retry-After on a 429...
        return render_template(template, error=error), code, error.get_headers()

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        with contextlib.suppress(SQLAlchemyError):  # the connection is gone: render anyway
            db.session.rollback()
        return render_template("errors/500.html"), 500

    for exception in DATABASE_DOWN:
        app.register_error_handler(exception, database_unavailable)


def database_unavailable(error: Exception) -> Response:
    """Answer 503 without touching the database: a page in the person's language, JSON on /api/."""
    current_app.logger.error("database unavailable: %s", type(error).__name__, exc_info=error)
    # Nobody is signed in as far as this answer knows: no account lookup, no menu.
    g._login_user = login_manager.anonymous_user()
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    if request.path.startswith("/api/"):
        response = jsonify(
            error="service_unavailable",
            message="The service is unavailable for a moment. Try again shortly.",
        )
    else:
        response = Response(render_template("errors/503.html"), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER
    response.headers["Cache-Control"] = "no-store"
    return response
