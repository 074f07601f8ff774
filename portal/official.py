"""Official documents (Decree 30/2020/NĐ-CP): each province's issuing body, signer and place.

The settings live in ``official_documents.yaml`` beside this module, one entry per province
code; what an entry leaves out is derived from the province's name.
"""

from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from pathlib import Path

from assessments.yaml_reader import load_yaml
from portal import formatting, geo

#: The national title and motto head every administrative document (Decree 30, Appendix I).
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

SETTINGS_FILE = Path(__file__).with_name("official_documents.yaml")


@dataclass(frozen=True)
class Issuer:
    """Who issues a province's documents, where, who signs them and who receives them."""

    #: The governing body, first header line (upper case): ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH.
    parent_body: str
    #: The issuing body itself, second header line in bold: SỞ CÔNG THƯƠNG.
    body: str
    #: The kind of document and the issuer's abbreviation after the number: BC-SCT.
    symbol: str
    #: The issuing unit in running text: Sở Công Thương tỉnh Quảng Ninh.
    unit_name: str
    #: The place of the date line: Quảng Ninh.
    place: str
    #: "KT. GIÁM ĐỐC" when a deputy signs for the head; empty when the head signs.
    signing_authority: str
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]


def _defaults(province_code: int) -> dict:
    """Return the settings the province's name gives (a department of industry and trade)."""
    name = geo.province_name(province_code)
    if name.startswith("Thành phố "):
        short = name.removeprefix("Thành phố ")
        kind, place = "thành phố", name if short == "Hồ Chí Minh" else short
    else:
        short, kind, place = name, "tỉnh", name
    return {
        "parent_body": f"ỦY BAN NHÂN DÂN {kind} {short}".upper(),
        "body": "SỞ CÔNG THƯƠNG",
        "symbol": "BC-SCT",
        "unit_name": f"Sở Công Thương {kind} {short}",
        "place": place,
        "signing_authority": "KT. GIÁM ĐỐC",
        "signer_title": "PHÓ GIÁM ĐỐC",
        "signer_name": "",
        "recipients": (f"UBND {kind} (để báo cáo);", "Lưu: VT."),
    }


@cache
def _entries() -> dict[int, dict]:
    """Read and check the settings file; a wrong entry is refused naming the province and key."""
    raw = load_yaml(SETTINGS_FILE) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{SETTINGS_FILE.name}: a mapping of province codes is needed")
    known = {f.name for f in fields(Issuer)}
    entries: dict[int, dict] = {}
    for code, entry in raw.items():
        where = f"{SETTINGS_FILE.name}: province {code}"
        if not isinstance(code, int) or geo.get_province(code) is None:
            raise ValueError(f"{where}: not a province code")
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: a mapping of settings is needed")
        for key, value in entry.items():
            if key not in known:
                raise ValueError(f"{where}: unknown setting {key!r}")
            if key == "recipients":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"{where}: recipients must be a list of lines")
            elif not isinstance(value, str):
                raise ValueError(f"{where}: {key} must be text")
        entries[code] = {k: tuple(v) if k == "recipients" else v.strip() for k, v in entry.items()}
    return entries


def issuer(province_code: int) -> Issuer:
    """Return the province's settings, the file's entry over the defaults of its name."""
    return Issuer(**(_defaults(province_code) | _entries().get(int(province_code), {})))


def vietnamese_date(day: date) -> str:
    """Return "ngày 01 tháng 12 năm 2026": days below 10 and months 1 and 2 take a leading 0.

    Decree 30, Appendix I: only those get the 0 (tháng 02, but tháng 3).
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_and_date(place: str, day: date, lang: str = "vi") -> str:
    """Return the place and date line: "Quảng Ninh, ngày 01 tháng 12 năm 2026"."""
    if lang == "vi":
        return f"{place}, {vietnamese_date(day)}"
    return f"{place}, {formatting.format_date(day, lang)}"
