"""Every ``flask`` command is registered here, in ``init_app``, so this is the one list of what
the command line can do; each feature keeps its commands in its own ``cli.py``.

Naming rule: a feature's commands are a group named after the feature, with a verb inside
(``flask privacy purge``, ``flask training audit-certificates``, ``flask billing release-expired``,
``flask translate compile``); a command outside any group is a kebab-case verb with its object
(``create-admin``, ``refresh-digital-status``, ``seed-demo``). Names that the README's Deploy
section, the cron lines or scripts/ call are not renamed. Development commands (``seed-demo``,
``synthetic``) live in ``portal.devtools.cli`` and refuse to run outside development.
"""

import os

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask

from portal.assess.cli import rebuild_assessment_summaries
from portal.auth.cli import create_admin
from portal.billing.cli import billing_cli
from portal.config import ROOT
from portal.devtools import cli as devtools_cli
from portal.privacy.cli import privacy_cli
from portal.reports.cli import rebuild_report_aggregates, refresh_digital_status
from portal.training.cli import training_cli


def init_app(app: Flask) -> None:
    for command in devtools_cli.COMMANDS:
        app.cli.add_command(command)
    app.cli.add_command(translate)
    app.cli.add_command(training_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(create_admin)
    app.cli.add_command(billing_cli)
    app.cli.add_command(refresh_digital_status)
    app.cli.add_command(rebuild_report_aggregates)
    app.cli.add_command(rebuild_assessment_summaries)


@click.group()
def translate() -> None:
    """Extract, update and compile the interface translations (vi, en)."""


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", *args])


TRANSLATIONS = os.path.join(ROOT, "translations")
POT = os.path.join(TRANSLATIONS, "messages.pot")


@translate.command()
def extract() -> None:
    """Collect every translatable string into translations/messages.pot."""
    _extract()


def _extract() -> None:
    _pybabel(
        "extract",
        "-F",
        os.path.join(TRANSLATIONS, "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_ngettext:1,2",
        "--no-location",
        "--sort-output",
        "-o",
        POT,
        ROOT,
    )


@translate.command()
def update() -> None:
    """Extract, then merge new strings into the vi and en catalogs."""
    _extract()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching")


@translate.command()
def compile() -> None:  # noqa: A001 (the command's name)
    """Compile the catalogs to .mo files the portal reads."""
    _pybabel("compile", "-d", TRANSLATIONS)
