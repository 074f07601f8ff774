"""A short-lived in-process cache of the API summary.

The summary is cheap already (it reads the report aggregates), but machine clients poll it: the
same province and parameters within ``API_SUMMARY_CACHE_SECONDS`` (default 60; 0 turns it off,
as the test suite does unless a test asks) get the same body again (``X-Cache: hit``). Only
here, on the server: the response stays ``Cache-Control: no-store`` like every answer made for
one API client (``portal.security``), so no proxy keeps it. Per process and bounded, with no
new dependency: Flask-Caching would add a backend to run for a few kilobytes per province.
"""

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from threading import Lock

from flask import Response, current_app

from portal import clock

DEFAULT_SECONDS = 60
#: Bodies kept at most (the least recently stored go first).
MAX_ENTRIES = 512

_entries: OrderedDict[tuple, tuple[datetime, bytes]] = OrderedDict()
_lock = Lock()


def seconds() -> int:
    default = 0 if current_app.testing else DEFAULT_SECONDS
    return int(current_app.config.get("API_SUMMARY_CACHE_SECONDS", default))


def cached(key: tuple, build: Callable[[], Response]) -> Response:
    """Answer with the body stored under ``key`` while it is fresh, else build and store it."""
    ttl = seconds()
    if ttl <= 0:
        return build()
    now = clock.utcnow()
    with _lock:
        hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        response = Response(hit[1], mimetype="application/json")
        response.headers["X-Cache"] = "hit"
    else:
        response = build()
        if response.status_code == 200:
            with _lock:
                _entries[key] = (now + timedelta(seconds=ttl), response.get_data())
                _entries.move_to_end(key)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        response.headers["X-Cache"] = "miss"
    return response


def clear() -> None:
    with _lock:
        _entries.clear()
