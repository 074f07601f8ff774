"""Bounds on what a request may carry, checked once for every route.

Ids in URLs and integer query parameters stay within what an id column holds (PostgreSQL's
``integer``, 32 bits signed): anything larger is a 404 or is ignored, never a database error.
No text reaches the database with a NUL character, which PostgreSQL refuses: a request
carrying one is answered 400 before any view runs.
"""

from datetime import date
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

#: The largest id or code a request may name: the largest value of an id column on PostgreSQL.
MAX_ID = 2**31 - 1
#: The largest page number of a listing (far beyond any province's data).
MAX_PAGE = 100_000
#: The days a request may name: any period, deadline or target of the portal falls within them.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
_NUL = "\x00"


class IdConverter(IntegerConverter):
    """``<int:...>`` in a URL: ASCII digits, 0 up to MAX_ID; anything else is a 404."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_int(value: Any, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """Return ``value`` as an int if it is ASCII digits within the bounds, else None."""
    text = str(value).strip() if value is not None else ""
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 20:
        return None
    number = -int(digits) if negative else int(digits)
    return number if minimum <= number <= maximum else None


def ids_from(values: list[str]) -> list[int]:
    """Return the ids among submitted values (checkboxes), ignoring anything else."""
    return [n for n in (parse_int(v) for v in values) if n is not None]


def int_arg(name: str, default: int | None = None, *, maximum: int = MAX_ID) -> int | None:
    """Return the query parameter ``name`` as a non-negative int, else ``default``."""
    number = parse_int(request.args.get(name), maximum=maximum)
    return default if number is None else number


def page_arg(name: str = "page") -> int:
    """Return the ``?page=`` (or ``?<name>=``) number of a listing: 1 unless a sensible page
    is asked for."""
    return max(int_arg(name, 1, maximum=MAX_PAGE) or 1, 1)


def _carries_nul() -> bool:
    if _NUL in request.path:
        return True
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if _NUL in key or _NUL in value:
                return True
    if request.is_json:
        # A JSON string may write NUL as an escape: refuse it the same way.
        body = request.get_data(cache=True)
        return b"\\u0000" in body or b"\x00" in body
    return False


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint adds its rules) and the NUL check."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def refuse_nul() -> None:
        if _carries_nul():
            abort(400)
