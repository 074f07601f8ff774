"""Every string a person reads exists in Vietnamese and English, with the same placeholders."""

import os
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
TRANSLATIONS = os.path.join(ROOT, "translations")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


@pytest.fixture(scope="module")
def source_ids() -> set[str]:
    """Extract the strings of the code and templates the way `flask translate extract` does."""
    with open(os.path.join(TRANSLATIONS, "babel.cfg")) as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = DEFAULT_KEYWORDS | {"_l": None, "lazy_ngettext": (1, 2)}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _catalog(lang: str):
    with open(os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages.po"), "rb") as po:
        return read_po(po, locale=lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_string_is_translated(source_ids, lang):
    catalog = _catalog(lang)
    missing = sorted(
        msgid
        for msgid in source_ids
        if msgid not in catalog
        or not catalog[msgid].string
        or (isinstance(catalog[msgid].string, tuple) and not all(catalog[msgid].string))
        or catalog[msgid].fuzzy
    )
    assert missing == [], f"untranslated in {lang}: run `flask --app portal translate update`"


def test_vietnamese_keeps_every_placeholder():
    wrong = []
    for message in _catalog("vi"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
            wrong.append(ids[0])
    assert wrong == []
