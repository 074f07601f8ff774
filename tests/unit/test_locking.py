"""Row locks are taken in one place (portal/locking.py), so they all reload what they lock."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_only_the_locking_module_takes_row_locks():
    helper = ROOT / "portal" / "locking.py"
    takers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if path != helper and "with_for_update" in path.read_text(encoding="utf-8")
    ]
    assert takers == []
