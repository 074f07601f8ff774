"""One YAML reader: yes/no/on/off stay strings, and no other module parses YAML itself."""

import ast
from pathlib import Path

import pytest

from assessments.yaml_reader import YAMLError, load_yaml, parse_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_yaml_1_1_words_stay_strings():
    raw = parse_yaml("ids: [no, yes, on, off, No, YES, On, OFF]\nflags: [true, false, True]\n")
    assert raw["ids"] == ["no", "yes", "on", "off", "No", "YES", "On", "OFF"]
    assert raw["flags"] == [True, False, True]


def test_option_id_no_stays_a_string_when_read_from_a_file(tmp_path):
    path = tmp_path / "options.yaml"
    path.write_text("options:\n  - id: no\n    text: Không\n  - id: yes\n", encoding="utf-8")
    assert [o["id"] for o in load_yaml(path)["options"]] == ["no", "yes"]


def test_reader_is_safe():
    with pytest.raises(YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']")


def _yaml_loads(path: Path) -> list[str]:
    """Return the yaml.*load* calls in one source file."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and "load" in node.func.attr
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "yaml"
        ):
            calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return calls


def test_no_module_but_the_reader_parses_yaml():
    reader = ROOT / "assessments" / "yaml_reader.py"
    sources = [
        path
        for package in ("assessments", "portal")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != reader
    ]
    assert [call for path in sources for call in _yaml_loads(path)] == []
    assert _yaml_loads(reader)
