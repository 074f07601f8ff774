"""The portal's one clock: every "now" and every "today" comes from here.

Instants are stored as naive UTC datetimes. Every calendar date a person sees or a rule compares
(deadlines, periods, targets, file names, "this month") is a date in the portal's time zone
(``PORTAL_TIMEZONE``, default Asia/Ho_Chi_Minh), never the machine's: a server on UTC or in
California gives the same answers as one in Hà Nội. Nothing else calls ``date.today()`` or
``datetime.now()``; tests move this clock with time-machine.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def zone() -> ZoneInfo:
    """Return the portal's time zone (the app's setting, else Vietnam's)."""
    name = DEFAULT_TIMEZONE
    if has_app_context():
        name = current_app.config.get("PORTAL_TIMEZONE") or DEFAULT_TIMEZONE
    return ZoneInfo(name)


def utcnow() -> datetime:
    """Return the current instant as stored in the database: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """Return the current time in the portal's time zone (aware)."""
    return datetime.now(UTC).astimezone(zone())


def today() -> date:
    """Return today's date in the portal's time zone."""
    return now().date()


def to_local(instant: datetime) -> datetime:
    """Return a stored instant (naive UTC, or aware) in the portal's time zone."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone())


def local_date(instant: datetime) -> date:
    """Return the calendar date, in the portal's time zone, of a stored instant."""
    return to_local(instant).date()


def to_utc(local: datetime) -> datetime:
    """Return a wall-clock time in the portal's time zone as a stored (naive UTC) instant."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def day_start(day: date) -> datetime:
    """Return local midnight at the start of ``day`` as a stored (naive UTC) instant."""
    return to_utc(datetime.combine(day, time()))


def day_end(day: date) -> datetime:
    """Return local midnight at the end of ``day`` (start of the next) as a stored instant."""
    return day_start(day + timedelta(days=1))


def utc_offset_hours() -> int:
    """Return the portal's current whole-hour offset from UTC (Vietnam: +7, no summer time)."""
    offset = now().utcoffset()
    assert offset is not None  # now() is aware
    return int(offset.total_seconds() // 3600)
