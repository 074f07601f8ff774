"""The field app's service worker version (portal/field/views.py ``_version``): the same in every
process the portal runs in, whatever its string hashing, so that a phone switched from one
gunicorn worker to another keeps its app; and new when a file the worker keeps offline, or a
questionnaire, changes, so that phones fetch it."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from portal.config import ROOT
from portal.field import views

#: Builds the portal and prints the worker's version and Python's own hash() of a string.
VERSION_IN_A_NEW_PROCESS = """
from flask import url_for

from portal import create_app
from portal.field.views import ASSETS, _version

app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
with app.test_request_context():
    print(_version([url_for("static", filename=name) for name in ASSETS]), hash("field"))
"""


def _served_version(client) -> str:
    """The version in the service worker the portal serves (its cache's name)."""
    return re.search(r'const CACHE = "field-(\w+)";', client.get("/field/sw.js").text)[1]


def _version_in_a_process(hash_seed: str) -> tuple[str, str]:
    env = os.environ | {"PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", VERSION_IN_A_NEW_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    version, string_hash = done.stdout.split()
    return version, string_hash


@pytest.mark.engine_independent  # the version is read from files, in processes on SQLite
def test_two_processes_with_different_string_hashing_agree_on_the_version(client):
    first, first_hash = _version_in_a_process("1")
    second, second_hash = _version_in_a_process("2")
    assert first_hash != second_hash  # the two processes really hash strings differently
    assert first == second == _served_version(client)
    assert re.fullmatch(r"[0-9a-f]{12}", first)


def test_the_version_changes_with_an_assets_content_and_the_questionnaires(
    app, client, monkeypatch, tmp_path
):
    original = _served_version(client)
    # The same files somewhere else: the same version (it follows content, not place).
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    monkeypatch.setattr(app, "static_folder", str(static))
    assert _served_version(client) == original

    script = static / "field" / "app.js"
    content = script.read_bytes()
    script.write_bytes(content + b"\n// changed\n")
    changed = _served_version(client)
    assert changed != original
    script.write_bytes(content)
    assert _served_version(client) == original

    # A new questionnaire version (the definitions' content hash) is a new worker too.
    definitions = views._definitions() | {"version": "another-questionnaire-version"}
    monkeypatch.setattr(views, "_definitions", lambda: definitions)
    assert _served_version(client) not in (original, changed)
