"""Helpers every template can use."""

from flask import Flask, request
from flask_babel import format_decimal
from flask_wtf.csrf import generate_csrf

from portal import geo, labels
from portal.i18n import current_language, format_vnd


def init_app(app: Flask) -> None:
    app.add_template_filter(format_vnd, "vnd")
    app.add_template_filter(format_decimal, "number")
    app.add_template_filter(geo.province_name, "province_name")
    app.add_template_filter(geo.commune_name, "commune_name")

    @app.context_processor
    def inject_helpers() -> dict:
        return {
            "labels": labels,
            "lang": current_language(),
            "csrf_token": generate_csrf,
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
