"""A made-up list of businesses and households as a province would hold it: for the benchmark,
the browser test and trying the import (part of the rows name communes by their pre-2025 names)."""

from __future__ import annotations

import csv
import io
import random

from portal.imports import communes

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("Văn Bình", "Thị Mai", "Văn Hùng", "Thị Lan", "Minh Tuấn", "Thu Hà", "Quốc Huy",
         "Ngọc Ánh")
TRADE = ("Tạp hóa", "Hải sản", "Nông sản", "Chè", "Mực khô", "Gạo", "Du lịch", "Nem chả")
HEADER_EN = ["Name", "Kind", "Tax code or personal ID", "Sector", "Size", "Commune or ward",
             "Address", "Phone", "E-mail"]  # fmt: skip


def rows(province_code: int, count: int, seed: int = 14, old_share: float = 0.3) -> list[list]:
    """``count`` distinct rows (tax code or phone unique); ``old_share`` of them name a commune
    by a name from before the July 2025 merger that maps to exactly one commune today."""
    rng = random.Random(seed)
    places = communes.for_province(province_code)
    current = sorted(places.names.values())
    old = sorted(name for name, codes in places.old.values() if len(codes) == 1)
    out = []
    for n in range(count):
        commune = rng.choice(old) if old and rng.random() < old_share else rng.choice(current)
        person = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        if n % 10 == 0:
            out.append([f"Công ty TNHH {rng.choice(TRADE)} {person} {n}", "enterprise",
                        f"57{n:08d}", "trade", "small", commune, f"Số {n % 300 + 1}", "", ""])
        elif n % 10 < 6:
            out.append([f"Hộ kinh doanh {rng.choice(TRADE)} {person}", "household_business",
                        f"0{n:011d}", "food_processing", "", commune, f"Thôn {n % 12 + 1}",
                        f"09{n:08d}", f"ho{n}@example.vn" if n % 7 == 0 else ""])
        else:
            out.append([f"Hộ {person} {n}", "household", "", "agriculture", "", commune,
                        f"Thôn {n % 12 + 1}", f"03{n:08d}", ""])
    return out


def to_csv(data: list[list], header: list[str] = HEADER_EN) -> bytes:
    """The rows as a UTF-8 CSV with BOM, as spreadsheet programs save it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(data)
    return ("\ufeff" + out.getvalue()).encode()
