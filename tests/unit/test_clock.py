"""One clock: Vietnam's calendar at any hour, on any server, and no other reader of the time."""

import ast
import pathlib
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask import Flask

from portal import clock
from tests.conftest import shifted_instant

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("utc", "vietnam_day"),
    [
        ("2026-06-15T16:59:00", date(2026, 6, 15)),
        ("2026-06-15T17:01:00", date(2026, 6, 16)),
        ("2026-12-31T23:30:00", date(2027, 1, 1)),
        ("2026-06-15T00:30:00", date(2026, 6, 15)),
    ],
)
def test_today_is_vietnams_date_whatever_the_machines(utc, vietnam_day):
    at = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        assert clock.today() == vietnam_day
        assert clock.utcnow() == at.replace(tzinfo=None)
        assert clock.now().date() == vietnam_day


def test_the_time_zone_is_a_setting():
    app = Flask(__name__)
    app.config["PORTAL_TIMEZONE"] = "America/Los_Angeles"
    with time_machine.travel(datetime(2026, 6, 15, 3, 0, tzinfo=UTC), tick=False):
        assert clock.today() == date(2026, 6, 15)
        with app.app_context():
            assert clock.today() == date(2026, 6, 14)


def test_a_local_day_is_stored_as_its_utc_bounds():
    assert clock.day_start(date(2027, 1, 1)) == datetime(2026, 12, 31, 17, 0)
    assert clock.day_end(date(2026, 12, 31)) == datetime(2026, 12, 31, 17, 0)
    assert clock.local_date(datetime(2026, 12, 31, 17, 0)) == date(2027, 1, 1)
    assert clock.local_date(datetime(2026, 12, 31, 16, 59)) == date(2026, 12, 31)


def test_the_test_clock_setting_names_an_instant():
    now = datetime(2026, 12, 1, 2, 43, tzinfo=UTC)
    assert shifted_instant("23:30", now) == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert shifted_instant("12-31T23:30", now) == datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    later = datetime(2027, 2, 1, tzinfo=UTC)
    assert shifted_instant("12-31T23:30", later) == datetime(2027, 12, 31, 23, 30, tzinfo=UTC)
    assert shifted_instant("2026-06-15T16:59") == datetime(2026, 6, 15, 16, 59, tzinfo=UTC)


#: The only module that may read the machine's clock.
CLOCK_MODULE = ROOT / "portal" / "clock.py"
FORBIDDEN = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("time", "time")}


def _clock_reads(path: pathlib.Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if (name, node.func.attr) in FORBIDDEN:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_nothing_but_the_clock_module_reads_the_machines_clock():
    sources = [*ROOT.joinpath("portal").rglob("*.py"), *ROOT.joinpath("assessments").rglob("*.py")]
    offenders = [hit for path in sources if path != CLOCK_MODULE for hit in _clock_reads(path)]
    assert offenders == []
