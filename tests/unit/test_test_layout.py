"""Test modules import builders from tests/factories.py (and fixtures from the conftests and
tests/stripe_support.py), never from another test module: a test module can then be renamed,
split or deleted without breaking others, and ``pytest tests/x/test_y.py`` collects only it.

The modules are parsed, not imported. ``LEFTOVERS`` lists the imports still to move, each with
the builders it takes; it only shrinks: an entry whose import is gone fails the last test.
"""

import ast
import pathlib

TESTS = pathlib.Path(__file__).resolve().parents[1]

#: (importing file, imported test module) still to move into tests/factories.py: the helpers of
#: test_field*.py, test_reports*.py, test_assess*.py and test_query_counts.py, which other
#: changes were editing at the time of #15.
LEFTOVERS = {
    ("test_field_background_sync", "test_field_app"): "_assess, _helper, _open, _queue, ...",
}


def _test_modules() -> set[str]:
    return {p.stem for p in TESTS.rglob("test_*.py")}


def _imports() -> dict[tuple[str, str], str]:
    """Return every (importing file, imported test module) in tests/, with where."""
    modules = _test_modules()
    found: dict[tuple[str, str], str] = {}
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # "from tests.integration import test_billing" imports the module too.
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                parts = name.split(".")
                if parts[0] != "tests":
                    continue
                for part in parts[1:]:
                    if part in modules:
                        where = f"{path.relative_to(TESTS.parent)}:{node.lineno}"
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


def test_test_module_names_are_unique():
    """pytest imports test modules by their basename (tests/ has no __init__.py)."""
    stems = [p.stem for p in TESTS.rglob("test_*.py")]
    assert sorted(stems) == sorted(set(stems))
