"""The digital-readiness portal: application factory."""

import logging
import os
import re
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import logs
from portal.config import ROOT, check_settings, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the portal; ``config`` overrides settings (tests use it)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH", os.path.join(ROOT, "instance")),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    check_settings(app.config)
    if app.config["PORTAL_PROXIES"]:
        # Behind N trusted proxies: the client's address and scheme come from their headers.
        n = app.config["PORTAL_PROXIES"]
        # This app's wsgi_app wrapped, as Flask's docs do: mypy allows assigning methods on
        # classes only.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    logs.configure_logging(app.config["LOG_FORMAT"])
    # Libraries that narrate every step at INFO: keep their warnings only.
    for name in ("weasyprint", "fontTools", "alembic.runtime.plugins"):
        logging.getLogger(name).setLevel(logging.WARNING)

    configure_extensions(app)
    logs.init_app(app)  # first of the request hooks: every line of a request has its id
    from portal import inputs

    inputs.init_app(app)  # before the blueprints: their rules use its id converter
    register_blueprints(app)
    connect_signals(app)
    from portal import cli, errors, formatting, permissions, security, static_files, templating

    security.init_app(app)
    static_files.init_app(app)
    permissions.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    return app


def configure_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from portal import models  # noqa: F401  (register every table with the metadata)
    from portal.auth.models import User
    from portal.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
    from portal.i18n import select_locale

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(ROOT, "portal", "migrations"), render_as_batch=True
    )
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(ROOT, "translations"),
    )
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")

    def load_user(cookie_id: str) -> User | None:
        # "<id>:<session version>": a cookie from before a sign-out or a new password is void.
        match = re.fullmatch(r"([0-9]{1,12}):([0-9]{1,9})", cookie_id)
        if match is None:
            return None
        user = db.session.get(User, int(match[1]))
        if user is None or user.session_version != int(match[2]):
            return None
        return user

    # Registered by a call, not as a decorator: Flask-Login has no types, and an untyped
    # decorator would leave load_user unchecked.
    login_manager.user_loader(load_user)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        configure_sqlite(app)


def configure_sqlite(app: Flask) -> None:
    """Use WAL and enforce foreign keys on every SQLite connection."""
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()


def connect_signals(app: Flask) -> None:
    """Connect each feature's receivers to the domain events of ``portal.signals``.

    Receivers are process-wide (blinker) and connecting twice is harmless. The table of who
    sends what and who listens is in README, "Architecture".
    """
    from portal.assess import operations as assess
    from portal.audit import recording as audit
    from portal.billing import operations as billing
    from portal.onboarding import operations as onboarding
    from portal.paysign import operations as paysign
    from portal.privacy import operations as privacy
    from portal.reports import operations as reports
    from portal.training import alerts as class_alerts
    from portal.training import operations as training
    from portal.training import recommendations

    assess.connect()  # the latest results' and peer counts' commit hooks
    audit.connect()  # failures.operation_refused (flash_error)
    # seat_requested, seat_taken, seat_holds_asked, enrolment_cancelled, business_moving
    billing.connect()
    class_alerts.connect()  # cohort_opened, business_moved
    privacy.connect()  # account_created
    recommendations.connect()  # recommendations_asked
    reports.connect()  # business_moved; the status history's commit hooks
    # A business's move: each feature counts (business_moving) and carries (business_moved)
    # its own rows.
    assess.connect_business_moves()
    onboarding.connect_business_moves()
    training.connect_business_moves()
    paysign.connect_business_moves()


def register_blueprints(app: Flask) -> None:
    """Register each feature's blueprint."""
    from portal.admin.views import bp as admin_bp
    from portal.api.views import bp as api_bp
    from portal.assess.views import bp as assess_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.billing.views import bp as billing_bp
    from portal.businesses.registration import bp as registration_bp
    from portal.businesses.views import bp as businesses_bp
    from portal.claims.views import bp as claims_bp
    from portal.field.views import bp as field_bp
    from portal.health import bp as health_bp
    from portal.imports.views import bp as imports_bp
    from portal.main.views import bp as main_bp
    from portal.onboarding.views import bp as onboarding_bp
    from portal.paysign.views import bp as paysign_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.reports.views import bp as reports_bp
    from portal.training.views import bp as training_bp  # with every training view module

    for bp in (
        main_bp,
        auth_bp,
        registration_bp,
        businesses_bp,
        admin_bp,
        training_bp,
        assess_bp,
        billing_bp,
        onboarding_bp,
        paysign_bp,
        reports_bp,
        api_bp,
        privacy_bp,
        audit_bp,
        health_bp,
        field_bp,
        claims_bp,
        imports_bp,
    ):
        app.register_blueprint(bp)
