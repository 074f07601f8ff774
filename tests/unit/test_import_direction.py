"""The dependency direction of portal/: core <- features <- composition roots and devtools.

Every ``import`` in portal/ counts, at module level or inside a function (a lazy import is still a
dependency, only a hidden one). The modules are parsed, not imported.

- Core: the top-level modules ``portal/*.py`` (access, scoping, clock, forms, inputs, security,
  storage, urls, mail, spreadsheets, formatting, geo, i18n, errors, logs, jobs, permissions,
  config, extensions, templating, labels, static_files, ...). They are what every feature is
  written against, so they must work whichever features exist: a core module imports no feature.
- Composition roots: ``portal/__init__.py`` (the app factory registers every blueprint),
  ``portal/models.py`` (imports every model so that Alembic sees the whole schema) and
  ``portal/cli.py`` (the one list of ``flask`` commands). Their job is to know every feature.
- Devtools: ``portal/devtools/`` (demo and synthetic data, benchmarks) sits above the features and
  may import any of them; no feature and no core module imports it.
- Features: every other package ``portal/<name>/``. A feature may use another one's public
  functions and models, but two features never import each other (a cycle), except for the
  pairs in ``ALLOWED_PAIRS``, each with the reason it is still there.
"""

import ast
import pathlib

PORTAL = pathlib.Path(__file__).resolve().parents[2] / "portal"
ROOTS = {"__init__", "models", "cli"}
DEVTOOLS = "devtools"
NOT_CODE = {"migrations", "__pycache__"}

#: Modules of a feature that the core may import, with why. The signed-in user and their role are
#: what every access rule is written against; they live in the auth feature's models.
CORE_MAY_IMPORT = {
    "portal.auth.models": "User and Role: the identity that access rules and labels name",
}

#: Core modules that still import a feature beyond CORE_MAY_IMPORT: (core module, feature, why).
CORE_EXCEPTIONS = {
    ("labels", "businesses"): "labels of the business kinds, sectors and sizes, used everywhere",
}

#: Pairs of features that import each other: (importer, imported) -> why. Each is a cycle to
#: cut, so the dict stays empty: a feature that needs another to act sends a signal
#: (portal/signals.py), and one that needs another's data asks through a signal whose receivers
#: answer (business_moving, seat_holds_asked, recommendations_asked). The remaining one-way
#: dependencies (e.g. billing -> training, businesses -> auth, training -> assess) are allowed.
ALLOWED_PAIRS: dict[tuple[str, str], str] = {}


def _area(path: pathlib.Path) -> str:
    """Name the area a file belongs to: a top-level module's stem or a package's name."""
    rel = path.relative_to(PORTAL)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _features() -> set[str]:
    return {
        p.name
        for p in PORTAL.iterdir()
        if p.is_dir() and p.name not in NOT_CODE | {DEVTOOLS} and any(p.glob("*.py"))
    }


def _imported_modules(path: pathlib.Path) -> list[tuple[str, int]]:
    """Return every portal module ``path`` imports, with the line, lazy imports included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(("portal", *path.relative_to(PORTAL).with_suffix("").parts))
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # "from portal import geo" imports the module portal.geo.
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name.startswith("portal.")]


def _edges() -> list[tuple[str, str, str, str]]:
    """Return (importer area, imported area, imported module, where) for every import."""
    edges = []
    for path in sorted(PORTAL.rglob("*.py")):
        if NOT_CODE & set(path.relative_to(PORTAL).parts):
            continue
        for module, line in _imported_modules(path):
            imported = module.split(".")[1]
            where = f"{path.relative_to(PORTAL.parent)}:{line}"
            edges.append((_area(path), imported, module, where))
    return edges


def test_core_modules_import_no_feature():
    features = _features()
    wrong = sorted(
        f"{where}: core module {importer} imports {module}"
        for importer, imported, module, where in _edges()
        if importer not in features | ROOTS | {DEVTOOLS}
        and imported in features
        and not any(module.startswith(allowed) for allowed in CORE_MAY_IMPORT)
        and (importer, imported) not in CORE_EXCEPTIONS
    )
    assert not wrong, "\n".join(wrong)


def test_nothing_but_the_command_line_imports_devtools():
    wrong = sorted(
        f"{where}: {importer} imports {module}"
        for importer, imported, module, where in _edges()
        if imported == DEVTOOLS and importer not in {DEVTOOLS, "cli"}
    )
    assert not wrong, "\n".join(wrong)


def test_no_two_features_import_each_other_outside_the_allowed_pairs():
    features = _features()
    pairs: dict[tuple[str, str], str] = {}
    for importer, imported, _module, where in _edges():
        if importer in features and imported in features and importer != imported:
            pairs.setdefault((importer, imported), where)
    cycles = sorted(
        f"{pairs[a, b]}: {a} imports {b}, and {pairs[b, a]}: {b} imports {a}"
        for a, b in pairs
        if a < b and (b, a) in pairs and (a, b) not in ALLOWED_PAIRS and (b, a) not in ALLOWED_PAIRS
    )
    assert not cycles, "\n".join(cycles)


def test_every_allowance_is_still_needed():
    """An allowance whose import is gone is removed, so the lists only shrink."""
    seen = {(importer, imported) for importer, imported, _module, _where in _edges()}
    stale = sorted(
        f"{a} -> {b}"
        for a, b in {*CORE_EXCEPTIONS, *ALLOWED_PAIRS}
        if (a, b) not in seen or ((a, b) in ALLOWED_PAIRS and (b, a) not in seen)
    )
    assert not stale, "no longer imported, remove from the lists: " + ", ".join(stale)
