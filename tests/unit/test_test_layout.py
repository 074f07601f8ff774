"""Test modules import builders from tests/factories.py (and fixtures from the conftests,
tests/stripe_support.py and tests/field_support.py), never from another test module: a test
module can then be renamed, split or deleted without breaking others, and
``pytest tests/x/test_y.py`` collects only it.

The modules are parsed, not imported. ``LEFTOVERS`` listed the imports still to move, each with
the builders it took; it only shrinks: an entry whose import is gone fails a test, and #15 moved
the last ones, so any import of a test module now fails (move what it needs instead).
"""

import ast
import pathlib
from functools import cache

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[1]

#: (importing file, imported test module) -> the builders still to move into tests/factories.py.
#: Empty since #15 moved the last ones; entries are only ever removed.
LEFTOVERS: dict[tuple[str, str], str] = {}

#: Calls that import a module named by a string.
IMPORT_CALLS = {"import_module", "__import__", "importorskip"}


def _test_modules(root: pathlib.Path) -> set[str]:
    return {p.stem for p in root.rglob("test_*.py")}


def _imported_names(node: ast.AST) -> list[str]:
    """The dotted names a node imports (every spelling pytest's sys.path lets work)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        # "from tests.integration import test_billing" imports the module too; so would
        # "from . import test_billing" (relative: tests/ has no packages, but say so anyway).
        base = node.module or ""
        return [n for n in (base, *(f"{base}.{a.name}".strip(".") for a in node.names)) if n]
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        first = node.args[0]
        if called in IMPORT_CALLS and isinstance(first, ast.Constant):
            return [str(first.value)]
    return []


@cache
def _imports(root: pathlib.Path = TESTS) -> dict[tuple[str, str], str]:
    """Return every (importing file, imported test module) under ``root``, with where (parsed
    once per run: the tests below only read it)."""
    modules = _test_modules(root)
    found: dict[tuple[str, str], str] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for name in _imported_names(node):
                parts = name.split(".")
                # "tests.integration.test_x", or plain "test_x": pytest puts each test
                # directory on sys.path, so "import test_field" works from its neighbours.
                candidates = parts[1:] if parts[0] == "tests" else parts[:1]
                for part in candidates:
                    if part in modules:
                        where = f"{path.relative_to(root.parent)}:{node.lineno}"
                        found.setdefault((path.stem, part), where)
    return found


def test_no_test_module_imports_another():
    wrong = sorted(
        f"{where}: {importer} imports {imported}; move what it needs into tests/factories.py"
        for (importer, imported), where in _imports().items()
        if importer != imported and (importer, imported) not in LEFTOVERS
    )
    assert not wrong, "\n".join(wrong)


def test_every_leftover_is_still_needed():
    """A leftover whose import is gone is removed, so the list only shrinks. (An entry whose
    importing file does not exist here is let be: it may belong to a change not merged yet.)"""
    seen = set(_imports())
    present = {p.stem for p in TESTS.rglob("*.py")}
    stale = sorted(f"{a} -> {b}" for a, b in LEFTOVERS if a in present and (a, b) not in seen)
    assert not stale, "no longer imported, remove from LEFTOVERS: " + ", ".join(stale)


def test_no_leftover_is_added():
    """#15 emptied LEFTOVERS and it only shrinks: a new import is moved, never listed."""
    assert not LEFTOVERS, "move these into tests/factories.py instead: " + ", ".join(
        f"{a} -> {b}" for a, b in sorted(LEFTOVERS)
    )


@pytest.mark.parametrize(
    "source",
    [
        "import tests.integration.test_field",
        "import tests.integration.test_field as field_tests",
        "from tests.integration.test_field import record",
        "from tests.integration import test_field",
        "import test_field",
        "from test_field import record",
        "from . import test_field",
        "from .test_field import record",
        "def f():\n    from tests.integration.test_field import record",
        "import importlib\nimportlib.import_module('tests.integration.test_field')",
        "from importlib import import_module\nimport_module('test_field')",
        "__import__('tests.integration.test_field')",
        "import pytest\npytest.importorskip('tests.integration.test_field')",
    ],
)
def test_every_way_of_importing_a_test_module_is_found(tmp_path, source):
    (tmp_path / "integration").mkdir()
    (tmp_path / "integration" / "test_field.py").write_text("def record(): ...\n")
    (tmp_path / "unit").mkdir()
    (tmp_path / "unit" / "test_other.py").write_text(source + "\n")
    assert ("test_other", "test_field") in _imports(tmp_path)


def test_builders_fixtures_and_mentions_are_not_imports_of_test_modules(tmp_path):
    (tmp_path / "integration").mkdir()
    (tmp_path / "integration" / "test_field.py").write_text("def record(): ...\n")
    (tmp_path / "unit").mkdir()
    (tmp_path / "unit" / "test_other.py").write_text(
        "from tests.factories import field_record\n"
        "from tests.conftest import QUANG_NINH\n"
        "import tests.field_support\n"
        "NAME = 'tests.integration.test_field'\n"
        "print('test_field')\n"
    )
    assert _imports(tmp_path) == {}


def test_test_module_names_are_unique():
    """pytest imports test modules by their basename (tests/ has no __init__.py)."""
    stems = [p.stem for p in TESTS.rglob("test_*.py")]
    assert sorted(stems) == sorted(set(stems))
