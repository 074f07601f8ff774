"""The bank list of the payment sign: the same as the VietQR list that vietnam-qr-pay carries,
and found from whatever a person types."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from portal.paysign.banks import by_bin, find_bank, load_banks

JS = Path(__file__).resolve().parents[1] / "js"


def _package_banks() -> list[dict]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "vietnam-qr-pay").is_dir():
        pytest.fail("vietnam-qr-pay is not installed: run scripts/bootstrap.sh --test")
    out = subprocess.run(
        [node, str(JS / "decode.js"), "--banks"], capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)


def test_banks_yaml_is_the_packages_list_by_the_rule_in_its_header():
    kept: dict[str, dict] = {}
    for bank in _package_banks():
        if bank.get("deprecated") or bank["vietQRStatus"] < 0 or bank["key"] == "momo":
            continue
        other = kept.get(bank["bin"])
        if other is None or bank["vietQRStatus"] > other["vietQRStatus"]:
            kept[bank["bin"]] = bank
    expected = {b["bin"]: (b["shortName"], b["name"]) for b in kept.values()}
    assert {b.bin: (b.short_name, b.name) for b in load_banks()} == expected


def test_the_big_banks_are_there_with_their_bins():
    names = {b.bin: b.short_name for b in load_banks()}
    assert names["970436"] == "Vietcombank"
    assert names["970415"] == "VietinBank"
    assert names["970418"] == "BIDV"
    assert names["970405"] == "Agribank"
    assert names["970407"] == "Techcombank"
    assert names["970422"] == "MB Bank"
    assert len(names) >= 50


@pytest.mark.parametrize(
    "typed",
    [
        "Vietcombank",
        "vietcombank",
        "  VIETCOMBANK ",
        "970436",
        "Ngân hàng TMCP Ngoại Thương Việt Nam",
        "ngan hang tmcp ngoai thuong viet nam",
        "Vietcombank · Ngân hàng TMCP Ngoại Thương Việt Nam (970436)",
    ],
)
def test_a_bank_is_found_by_what_people_type(typed):
    assert find_bank(typed) == by_bin("970436")


@pytest.mark.parametrize("typed", ["", "Ngân hàng Mặt Trăng", "123456", "Vietcombank (970415)"])
def test_no_bank_for_what_names_none(typed):
    assert find_bank(typed) is None


def test_every_label_finds_its_own_bank():
    for bank in load_banks():
        assert find_bank(bank.label) == bank
        assert find_bank(bank.short_name) == bank
