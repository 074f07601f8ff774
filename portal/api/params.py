"""Query parameters of the JSON API, checked strictly: anything unexpected is a 400."""

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from werkzeug.datastructures import MultiDict

from portal import clock, geo
from portal.businesses.models import BusinessKind, Sector
from portal.inputs import FIRST_DAY, LAST_DAY, parse_int
from portal.reports.queries import Filters

#: Longest period a request may cover (keeps the monthly series short).
MAX_PERIOD_DAYS = 20 * 366
LANGUAGES = ("vi", "en")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_COMMON = ("start", "end", "commune", "sector", "kind", "lang")
E = TypeVar("E", Sector, BusinessKind)


class InvalidParameter(ValueError):
    """A query parameter the API cannot use; its message is sent to the client (English)."""


@dataclass(frozen=True)
class ApiQuery:
    filters: Filters
    by: str | None
    lang: str


def parse(
    args: MultiDict,
    province_code: int,
    groupings: Collection[str] = (),
    default_by: str | None = None,
) -> ApiQuery:
    """Return the filters of a request for this province, or raise InvalidParameter."""
    allowed = (*_COMMON, "by") if groupings else _COMMON
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise InvalidParameter(
            f"Unknown parameter {unknown[0]!r}; this endpoint accepts: {', '.join(allowed)}."
        )
    repeated = sorted(k for k in args if len(args.getlist(k)) > 1)
    if repeated:
        raise InvalidParameter(f"Parameter {repeated[0]!r} was given more than once.")
    today = clock.today()
    end = _date(args, "end") or today
    start = _date(args, "start") or date(end.year, 1, 1)
    if start > end:
        raise InvalidParameter("'start' must not be after 'end'.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidParameter("The period may cover at most 20 years.")
    by = args.get("by") or default_by
    if groupings and by not in groupings:
        raise InvalidParameter(f"'by' must be one of: {', '.join(groupings)}.")
    lang = args.get("lang") or "vi"
    if lang not in LANGUAGES:
        raise InvalidParameter(f"'lang' must be one of: {', '.join(LANGUAGES)}.")
    filters = Filters(
        province_code=province_code,
        start=start,
        end=end,
        commune_code=_commune(args.get("commune"), province_code),
        sector=_choice(args.get("sector"), Sector, "sector"),
        kind=_choice(args.get("kind"), BusinessKind, "kind"),
    )
    return ApiQuery(filters, by, lang)


def _date(args: MultiDict, name: str) -> date | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(f"{name!r} must be a date written YYYY-MM-DD.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidParameter(f"{name!r} must be a date from {FIRST_DAY} to {LAST_DAY}.")
    return day


def _commune(raw: str | None, province_code: int) -> int | None:
    if not raw:
        return None
    code = parse_int(raw)
    if code is None or not geo.is_commune_in_province(code, province_code):
        raise InvalidParameter("'commune' must be the code of a commune or ward of the province.")
    return code


def _choice(raw: str | None, enum: type[E], name: str) -> E | None:
    if not raw:
        return None
    try:
        return enum(raw)
    except ValueError:
        raise InvalidParameter(
            f"{name!r} must be one of: {', '.join(e.value for e in enum)}."
        ) from None
