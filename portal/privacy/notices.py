"""The privacy notice: versioned texts in vi and en, kept as data files next to this module.

``notices/index.yaml`` lists the versions (the last is in force); ``v<N>.<lang>.md`` hold the
texts in a small subset of Markdown: ``## `` headings, ``- `` list items and paragraphs.
"""

import os
from dataclasses import dataclass
from datetime import date
from functools import cache

from flask import current_app

from assessments.yaml_reader import load_yaml

NOTICES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notices")
LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph or a list (``items``) of the notice."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Notice:
    version: int
    published: date
    #: The blocks of the text in each language.
    texts: dict[str, tuple[Block, ...]]

    def blocks(self, lang: str) -> tuple[Block, ...]:
        return self.texts.get(lang) or self.texts["vi"]


def notices_dir() -> str:
    """Return the folder of the notices (``PRIVACY_NOTICES_DIR``, tests point it elsewhere)."""
    return current_app.config.get("PRIVACY_NOTICES_DIR") or NOTICES_DIR


def parse_blocks(text: str) -> tuple[Block, ...]:
    """Split the Markdown subset into blocks."""
    blocks: list[Block] = []
    for chunk in text.strip().split("\n\n"):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            blocks.append(Block("heading", lines[0][3:].strip()))
            lines = lines[1:]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append(Block("list", items=tuple(line[2:].strip() for line in lines)))
        elif lines:
            blocks.append(Block("paragraph", " ".join(lines)))
    return tuple(blocks)


@cache
def _load(folder: str) -> tuple[Notice, ...]:
    entries = load_yaml(os.path.join(folder, "index.yaml"))
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{folder}/index.yaml: a list of versions is needed")
    notices = []
    for entry in entries:
        version = int(entry["version"])
        texts = {}
        for lang in LANGUAGES:
            path = os.path.join(folder, f"v{version}.{lang}.md")
            if not os.path.exists(path):
                raise ValueError(f"privacy notice version {version} has no text in {lang}: {path}")
            with open(path, encoding="utf-8") as fh:
                texts[lang] = parse_blocks(fh.read())
        notices.append(Notice(version, entry["published"], texts))
    versions = [n.version for n in notices]
    if versions != sorted(set(versions)):
        raise ValueError(f"{folder}/index.yaml: versions must be unique and in order")
    return tuple(notices)


def all_notices() -> tuple[Notice, ...]:
    return _load(notices_dir())


def current_notice() -> Notice:
    """Return the notice in force: the last version of the index."""
    return all_notices()[-1]


def current_version() -> int:
    return current_notice().version


def get_notice(version: int) -> Notice | None:
    return next((n for n in all_notices() if n.version == version), None)


def retention_values() -> dict[str, int]:
    """Return the retention settings the texts mention as ``{draft_days}`` and the like."""
    config = current_app.config
    return {
        "draft_days": config["RETENTION_DRAFT_DAYS"],
        "rejected_evidence_days": config["RETENTION_REJECTED_EVIDENCE_DAYS"],
    }


def fill(text: str) -> str:
    """Put the retention settings into a text of the notice."""
    values = retention_values()
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
