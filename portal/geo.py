"""The official list of provinces and communes/wards (two-tier government since July 2025).

Backed by the `vietnam-provinces` package, so no list is typed by hand and codes are the
official ones. Rows store the integer codes; names are looked up here.
"""

from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode
from vietnam_provinces.lookup import WARD_MAPPING


@cache
def provinces() -> tuple[Province, ...]:
    """Return the 34 provinces ordered by their unaccented name."""
    return tuple(sorted(Province.iter_all(), key=lambda p: p.codename))


@cache
def _communes_by_province() -> dict[int, tuple[Ward, ...]]:
    grouped: dict[int, list[Ward]] = {}
    for ward in WARD_MAPPING.values():
        grouped.setdefault(int(ward.province_code), []).append(ward)
    return {code: tuple(sorted(w, key=lambda w: w.codename)) for code, w in grouped.items()}


def communes(province_code: int | None) -> tuple[Ward, ...]:
    """Return the communes and wards of a province, ordered by unaccented name."""
    if province_code is None:
        return ()
    return _communes_by_province().get(int(province_code), ())


def get_province(code: int | None) -> Province | None:
    """Return the province with this code, or None."""
    if code is None:
        return None
    try:
        return Province.from_code(ProvinceCode(int(code)))
    except (TypeError, ValueError):
        return None


def get_commune(code: int | None) -> Ward | None:
    """Return the commune/ward with this code, or None."""
    if code is None:
        return None
    try:
        return Ward.from_code(WardCode(int(code)))
    except (TypeError, ValueError):
        return None


def province_name(code: int | None) -> str:
    """Return the province's official name, or an empty string."""
    province = get_province(code)
    return province.name if province else ""


def commune_name(code: int | None) -> str:
    """Return the commune's official name, or an empty string."""
    ward = get_commune(code)
    return ward.name if ward else ""


def is_commune_in_province(commune_code: int | None, province_code: int | None) -> bool:
    """Tell whether the commune belongs to the province."""
    ward = get_commune(commune_code)
    return (
        ward is not None
        and province_code is not None
        and int(ward.province_code) == int(province_code)
    )
