"""Helpers every template can use."""

from types import SimpleNamespace
from typing import NamedTuple

from babel.support import NullTranslations
from flask import Flask, current_app, g, render_template, request
from flask_babel import format_decimal, get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from portal import geo, labels
from portal.i18n import current_language, format_vnd


def init_app(app: Flask) -> None:
    # Flask-Babel's own template functions find the locale and the catalog again for every
    # string (about ten context lookups each, dozens of strings a page); these find the
    # catalog once per locale and request. (The method comes with the jinja2.ext.i18n extension
    # Flask-Babel added, so the type checker does not know it.)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
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
            "main_menu": main_menu,
        }


def _catalog() -> NullTranslations:
    """Return the request's catalog, as Flask-Babel's get_translations would, in one lookup.

    Kept on Flask-Babel's own per-request namespace beside the locale it was found for: under
    ``force_locale`` (a PDF or a letter in the recipient's language) the locale object changes,
    and the catalog is looked up again.
    """
    context: SimpleNamespace | None = g.get("_flask_babel")
    locale = getattr(context, "babel_locale", None)
    if context is None or locale is None:
        return get_translations()
    found = context.__dict__.get("portal_catalog")
    if found is None or found[0] is not locale:
        found = context.portal_catalog = (locale, get_translations())
    return found[1]


class MenuRole(NamedTuple):
    """All the main menu may know of the person it is shown to."""

    role: str

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


#: Stands for the CSRF token in a kept menu (a NUL never comes out of a template otherwise).
_TOKEN_MARK = "\x00csrf-token\x00"


def main_menu() -> Markup:
    """Return the main menu for the current person's role and language.

    It is the same for everyone of a role (its links, their labels), so it is rendered once
    per role, language and root URL and kept in the app (a handful of entries); only the
    sign-out form's CSRF token is the request's own. About a tenth of a signed-in page's
    rendering otherwise.
    """
    signed_in = bool(current_user) and current_user.is_authenticated
    role = MenuRole(str(current_user.role.value)) if signed_in else None
    kept: dict[tuple, str] = current_app.extensions.setdefault("portal_main_menus", {})
    key = (current_language(), request.script_root if request else "", role)
    menu = kept.get(key)
    if menu is None:
        menu = kept[key] = render_template(
            "_menu.html", user=role, csrf_token=lambda: Markup(_TOKEN_MARK)
        )
    if _TOKEN_MARK in menu:
        return Markup(menu.replace(_TOKEN_MARK, str(escape(generate_csrf()))))
    return Markup(menu)
