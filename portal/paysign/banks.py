"""The banks a payment sign can name (banks.yaml), and finding one from what a person typed.

Pure Python like vietqr.py: no Flask, nothing of the portal.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assessments.yaml_reader import load_yaml
from portal.paysign.vietqr import fold_ascii

BANKS_FILE = Path(__file__).with_name("banks.yaml")
_KEY_DROP = re.compile(r"[^a-z0-9]")
#: "Vietcombank (970436)" or "Vietcombank · Ngân hàng TMCP…": the labels the page offers.
_LABEL_BIN = re.compile(r"\(([0-9]{6})\)\s*$")


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str
    name: str

    @property
    def label(self) -> str:
        """How the page lists it, and what the bank field holds once chosen."""
        return f"{self.short_name} · {self.name} ({self.bin})"


def _key(text: str) -> str:
    """Compare names without case, diacritics, spaces or signs ("BIDV" = "b.i.d.v")."""
    return _KEY_DROP.sub("", fold_ascii(text).lower())


@cache
def load_banks() -> tuple[Bank, ...]:
    """Return every bank of banks.yaml, in the file's order (by short name)."""
    data = load_yaml(BANKS_FILE)
    banks = tuple(
        Bank(bin=str(row["bin"]), short_name=row["short_name"], name=row["name"])
        for row in data["banks"]
    )
    bins = [b.bin for b in banks]
    if len(set(bins)) != len(bins) or not all(re.fullmatch(r"[0-9]{6}", b) for b in bins):
        raise ValueError(f"{BANKS_FILE.name}: every bank needs its own 6-digit BIN")
    return banks


def by_bin(bin: str) -> Bank | None:
    return next((b for b in load_banks() if b.bin == bin), None)


@cache
def _index() -> dict[str, Bank]:
    index: dict[str, Bank] = {}
    for bank in load_banks():
        for text in (bank.short_name, bank.name, bank.label):
            index.setdefault(_key(text), bank)
    return index


def find_bank(text: str) -> Bank | None:
    """Return the bank a person chose or typed: its label from the list, its BIN, its short
    or full name (any case, with or without diacritics); None if it names no bank."""
    text = (text or "").strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]{6}", text):
        return by_bin(text)
    if match := _LABEL_BIN.search(text):
        bank = by_bin(match[1])
        if bank is not None and _key(text) == _key(bank.label):
            return bank
    return _index().get(_key(text))
