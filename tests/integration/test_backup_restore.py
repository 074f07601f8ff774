"""Backup and restore as README "Deploy", section 10, says: pg_dump, pg_restore, flask db upgrade.

A fresh PostgreSQL database gets the demo data; its dump is restored into another new database
and the portal, pointed at the copy, shows Quảng Ninh's staff the same dashboard figures.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import fresh_database

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="backups are pg_dump and pg_restore: PostgreSQL only",
    ),
    pytest.mark.skipif(not PG_BINS, reason="PostgreSQL's client programs are not installed"),
]

# What Quảng Ninh's province staff see: the province dashboard's figures and the home page's.
FIGURES = """
import html, json, re
from portal import create_app

app = create_app({"WTF_CSRF_ENABLED": False})
client = app.test_client()
response = client.post("/auth/login", data={"login": "staff.quangninh@demo.vn",
                                            "password": "demo-password-2030"})
assert response.status_code == 302, response.status_code
figures = {}
for path in ("/reports/?province=22", "/dashboard"):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200, (path, response.status_code)
    page = response.get_data(as_text=True)

    def texts(tag_pattern, fragment):
        found = re.findall(rf"<({tag_pattern})\\b[^>]*>(.*?)</\\1>", fragment, re.S)
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", t)).split()) for _, t in found]

    # Table rows as a set: rows with equal counts (communes with as many businesses) come in
    # the database's physical order, which a restore may change.
    rows = sorted(texts("td|th", row) for row in re.findall(r"<tr\\b.*?</tr>", page, re.S))
    outside = re.sub(r"<table\\b.*?</table>", "", page, flags=re.S)
    stats = re.findall(r'<span class="stat-value">([^<]*)</span>', outside)
    figures[path] = {"figures": texts("strong|dd", outside) + stats, "rows": rows}
print(json.dumps(figures, ensure_ascii=False))
"""


def _run(command: list, env: dict) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return done.stdout


def test_a_restored_dump_serves_the_same_dashboard_figures(tmp_path: Path) -> None:
    pg_bin = PG_BINS[-1]
    original_url, drop_original = fresh_database("portal_backup")
    restored_url, drop_restored = fresh_database("portal_restored")
    base = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    base |= {"FLASK_APP": "portal", "PORTAL_ENV": "development"}
    original = base | {"DATABASE_URL": original_url}
    restored = base | {"DATABASE_URL": restored_url}
    dump = tmp_path / "portal.dump"
    try:
        _run([FLASK, "db", "upgrade"], original)
        assert "staff.quangninh@demo.vn" in _run([FLASK, "seed-demo"], original)
        before = json.loads(_run([sys.executable, "-c", FIGURES], original))

        # The nightly backup, then the restore onto an empty database, as the README says.
        _run([pg_bin / "pg_dump", "--format=custom", f"--file={dump}", original_url], original)
        _run([pg_bin / "pg_restore", "--no-owner", f"--dbname={restored_url}", dump], restored)
        assert "(head)" in _run([FLASK, "db", "current"], restored)
        _run([FLASK, "db", "upgrade"], restored)

        after = json.loads(_run([sys.executable, "-c", FIGURES], restored))
        assert after == before
        # The figures are real ones: the demo's province has businesses and digital ones.
        dashboard = before["/reports/?province=22"]
        assert dashboard["figures"] and dashboard["rows"]
        for page in before.values():
            assert any(f.isdigit() and int(f) > 0 for f in page["figures"]), page
    finally:
        drop_restored()
        drop_original()
