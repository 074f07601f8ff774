"""The speed benchmark (scripts/benchmark) still runs, tiny: every part once on SQLite.

Only the shape of its output is checked, never a timing: the figures are for README "Speed".
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal.devtools.benchmark import RESULTS_PAGE, RESULTS_PDF, pages

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"[\d,]+(?:\.\d+)?"


@pytest.mark.engine_independent  # it runs the benchmark on SQLite whatever the suite's database
def test_the_quick_benchmark_prints_every_table(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "DATABASE_URL"
    }
    env |= {"PORTAL_ENV": "development", "PORTAL_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "portal.devtools.benchmark", "--quick", "--databases", "sqlite"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    readme = out.split('## README tables (paste into README "Speed")', 1)[1]
    assert re.search(r"Measured \d{4}-\d\d-\d\d \d\d:\d\d UTC, \d+ CPUs", readme)

    for request in ("question", "autosave"):
        row = re.search(rf"^\| sqlite \| {request} \| (.*) \|$", readme, re.M)
        assert row, request
        cells = row[1].split(" | ")
        assert len(cells) == 10, cells
        for ratio in (cells[2], cells[4], cells[5]):  # the portal's, then the two floors'
            assert re.fullmatch(rf"{NUMBER}×", ratio) and float(ratio[:-1]) > 0, cells

    expected = [*(url for urls in pages().values() for url in urls), RESULTS_PAGE, RESULTS_PDF]
    found = re.findall(r"^\| `(.+)` \| sqlite \| (.*) \|$", readme, re.M)
    assert [page for page, _cells in found] == expected
    for page, cells in found:
        printing = rf", printing {NUMBER} / {NUMBER}" if page.split("?")[0].endswith(".pdf") else ""
        assert re.fullmatch(rf"{NUMBER} / {NUMBER} \(\d+\){printing}", cells), (page, cells)

    assert re.search(r"^\| sqlite \| 500 \| [\d.]+ \| 500 \| 500 \|", readme, re.M)
