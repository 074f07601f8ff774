"""The one way each language shows dates, date-times and months (portal/formatting.py)."""

from datetime import date, datetime

import pytest
from flask_babel import force_locale

from portal import formatting


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("vi", "01/12/2026"), ("en", "1 Dec 2026"), ("en_GB", "1 Dec 2026")],
)
def test_dates_are_day_month_and_four_digit_year(locale, expected):
    assert formatting.format_date(date(2026, 12, 1), locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("vi", "05/03/2027 14:30"), ("en", "5 Mar 2027, 14:30")],
)
def test_date_times_are_shown_in_the_portal_time_zone(locale, expected):
    # 07:30 UTC is 14:30 in Vietnam.
    assert formatting.format_datetime(datetime(2027, 3, 5, 7, 30), locale) == expected
    assert formatting.format_time(datetime(2027, 3, 5, 7, 30), locale) == "14:30"


@pytest.mark.parametrize(
    ("locale", "day", "moment", "month"),
    [
        ("vi", "01/01/2027", "01/01/2027 06:30", "01/2027"),
        ("en", "1 Jan 2027", "1 Jan 2027, 06:30", "Jan 2027"),
    ],
)
def test_new_year_arrives_in_vietnam_before_it_does_in_utc(locale, day, moment, month):
    instant = datetime(2026, 12, 31, 23, 30)  # stored naive UTC: already 1 January in Hà Nội
    assert formatting.format_date(instant, locale) == day
    assert formatting.format_datetime(instant, locale) == moment
    assert formatting.format_month(instant, locale) == month


@pytest.mark.parametrize(("locale", "expected"), [("vi", "01/2026"), ("en", "Jan 2026")])
def test_report_month_keys_are_shown_as_months(locale, expected):
    assert formatting.format_month("2026-01", locale) == expected
    assert formatting.format_month(date(2026, 1, 31), locale) == expected


def test_early_years_keep_four_digits():
    assert formatting.format_date(date(5, 1, 2), "vi") == "02/01/0005"
    assert formatting.format_date(date(5, 1, 2), "en") == "2 Jan 0005"


def test_nothing_to_show_is_an_empty_string():
    for function in (
        formatting.format_date,
        formatting.format_datetime,
        formatting.format_time,
        formatting.format_month,
    ):
        assert function(None, "vi") == ""


def test_time_zone_is_the_portal_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_TIMEZONE", "UTC")
    with app.app_context():
        assert formatting.format_datetime(datetime(2026, 12, 31, 23, 30), "vi") == (
            "31/12/2026 23:30"
        )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("vi", "01/01/2027 | 01/01/2027 06:30 | 01/2027 | 06:30 | 01/01/2027 | 01/01/2027 06:30"),
        (
            "en",
            "1 Jan 2027 | 1 Jan 2027, 06:30 | Jan 2027 | 06:30 | 1 Jan 2027 | 1 Jan 2027, 06:30",
        ),
    ],
)
def test_filters_follow_the_page_language(app, locale, expected):
    # Flask-Babel's own filter names, with their old width argument, give the same one form.
    source = (
        "{{ d|date }} | {{ t|datetime }} | {{ t|month }} | {{ t|time }}"
        " | {{ d|dateformat('long') }} | {{ t|datetimeformat('short') }}"
    )
    with app.test_request_context(), force_locale(locale):
        rendered = app.jinja_env.from_string(source).render(
            d=date(2027, 1, 1), t=datetime(2026, 12, 31, 23, 30)
        )
    assert rendered == expected
