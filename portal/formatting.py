"""Dates and times as people read them: one form per language, in the portal's time zone.

Every date, date-time and month the portal shows (pages, PDFs, exports, mail) goes through these
functions or their Jinja filters (``date``, ``datetime``, ``time``, ``month``). Vietnamese reads
01/12/2026 and 01/12/2026 14:30; English reads 1 Dec 2026 and 1 Dec 2026, 14:30, which no reader
takes for 12 January. Years always have four digits. Stored instants are naive UTC and are shown
in the portal's time zone (``clock.to_local``), never the server's.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel import dates as babel_dates
from flask import Flask, current_app, has_app_context
from flask_babel import get_locale

from portal import clock

#: Babel (CLDR) patterns per language; another language takes the English, unambiguous forms.
PATTERNS: dict[str, dict[str, str]] = {
    "vi": {
        "date": "dd/MM/yyyy",
        "datetime": "dd/MM/yyyy HH:mm",
        "time": "HH:mm",
        "month": "MM/yyyy",
    },
    "en": {
        "date": "d MMM yyyy",
        "datetime": "d MMM yyyy, HH:mm",
        "time": "HH:mm",
        "month": "MMM yyyy",
    },
}


def _locale(locale: str | None) -> str:
    """Return the locale to format in: the one given, else the request's, else the default."""
    if locale:
        return locale
    current = get_locale()
    if current is not None:
        return str(current)
    if has_app_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")
    return "vi"


def _pattern(kind: str, locale: str) -> str:
    return PATTERNS.get(locale.split("_")[0], PATTERNS["en"])[kind]


def _local_day(value: date | datetime) -> date:
    """Return a date as is, and a stored instant as its calendar date in the portal's zone."""
    if isinstance(value, datetime):
        return clock.local_date(value)
    return value


def format_date(value: date | datetime | None, locale: str | None = None) -> str:
    """Format a date (or the local date of a stored instant): 01/12/2026, 1 Dec 2026."""
    if value is None:
        return ""
    locale = _locale(locale)
    return babel_dates.format_date(_local_day(value), _pattern("date", locale), locale=locale)


def format_datetime(value: datetime | None, locale: str | None = None) -> str:
    """Format a stored instant in local time: 01/12/2026 14:30, 1 Dec 2026, 14:30."""
    if value is None:
        return ""
    locale = _locale(locale)
    return babel_dates.format_datetime(
        clock.to_local(value), _pattern("datetime", locale), tzinfo=clock.zone(), locale=locale
    )


def format_time(value: datetime | None, locale: str | None = None) -> str:
    """Format the local time of day of a stored instant: 14:30."""
    if value is None:
        return ""
    locale = _locale(locale)
    return babel_dates.format_time(
        clock.to_local(value), _pattern("time", locale), tzinfo=clock.zone(), locale=locale
    )


def format_month(value: str | date | datetime | None, locale: str | None = None) -> str:
    """Format a month, given as a report key "2026-01" or a date: 01/2026, Jan 2026."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        year, month = value.split("-")[:2]
        value = date(int(year), int(month), 1)
    locale = _locale(locale)
    return babel_dates.format_date(_local_day(value), _pattern("month", locale), locale=locale)


def _ignoring_width(function: Callable[[Any], str]) -> Callable[..., str]:
    """Wrap a formatter for Flask-Babel's filter names, whose width argument no longer applies."""

    def filter_(value: Any, _width: str | None = None) -> str:
        return function(value)

    filter_.__doc__ = function.__doc__
    return filter_


def init_app(app: Flask) -> None:
    """Register the filters; Flask-Babel's own date filters become the same single forms."""
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_month, "month")
    # A template still written with Flask-Babel's names ("|dateformat('long')") shows the one form.
    app.add_template_filter(_ignoring_width(format_date), "dateformat")
    app.add_template_filter(_ignoring_width(format_datetime), "datetimeformat")
    app.add_template_filter(_ignoring_width(format_time), "timeformat")
