"""Health checks for load balancers and orchestrators: /healthz (alive) and /readyz (ready)."""

from functools import cache

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, g, jsonify
from sqlalchemy.exc import SQLAlchemyError

from portal.access import public
from portal.extensions import db, limiter, login_manager

bp = Blueprint("health", __name__)


@bp.before_request
def _anonymous() -> None:
    # A probe is nobody: never look up an account (no database) nor touch the session.
    g._login_user = login_manager.anonymous_user()


def _answer(body: dict, status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
@public
@limiter.exempt
def healthz() -> Response:
    """Answer 200 while the process serves requests; the database is not consulted."""
    return _answer({"status": "ok"}, 200)


@cache
def _script_heads(directory: str) -> frozenset[str]:
    """Return the head revisions of the migration scripts shipped with this code."""
    config = current_app.extensions["migrate"].migrate.get_config(directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@bp.route("/readyz")
@public
@limiter.exempt
def readyz() -> Response:
    """Answer 200 when the database answers and its schema is at the code's migration head."""
    heads = _script_heads(current_app.extensions["migrate"].directory)
    try:
        with db.engine.connect() as connection:
            # What alembic's MigrationContext reads, without its log lines on every probe.
            current: frozenset[str] = frozenset()
            if sa.inspect(connection).has_table("alembic_version"):
                version = sa.text("SELECT version_num FROM alembic_version")
                current = frozenset(connection.scalars(version))
    except SQLAlchemyError:
        current_app.logger.warning("readiness: the database is unreachable", exc_info=True)
        return _answer({"status": "unavailable", "database": "unreachable"}, 503)
    if current != heads:
        # Code newer than the schema (flask db upgrade not run yet), or older: not ready.
        return _answer(
            {
                "status": "unavailable",
                "database": "ok",
                "migrations": "not at head",
                "current": sorted(current),
                "head": sorted(heads),
            },
            503,
        )
    return _answer({"status": "ok", "database": "ok", "migrations": "head"}, 200)
