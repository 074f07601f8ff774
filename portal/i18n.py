"""Language choice and locale-aware formatting."""

from decimal import Decimal

from babel.numbers import format_currency
from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user


def select_locale() -> str:
    """Choose the language: account, then session, then browser, then Vietnamese."""
    if "locale" in g:
        return g.locale
    languages = current_app.config["LANGUAGES"]
    locale = None
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        locale = current_user.locale
    elif session.get("locale") in languages:
        locale = session["locale"]
    else:
        locale = request.accept_languages.best_match(languages)
    g.locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    return g.locale


def current_language() -> str:
    """Return "vi" or "en" for the current request."""
    return str(get_locale() or "vi").split("_")[0]


def format_vnd(amount: int | Decimal | None) -> str:
    """Format an amount of Vietnamese dong for the current locale (VND has no minor unit)."""
    if amount is None:
        return ""
    return format_currency(amount, "VND", locale=current_language())
