"""Command-line tasks: demo data and the translation workflow."""

import os

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask
from flask.cli import with_appcontext

from portal import ROOT


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(translate)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill an empty database with demo provinces' staff, trainers, owners and businesses."""
    from portal.demo import seed_demo_data

    seed_demo_data(echo=click.echo)


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
    _pybabel(
        "extract",
        "-F",
        os.path.join(TRANSLATIONS, "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "-o",
        POT,
        ROOT,
    )


@translate.command()
def update() -> None:
    """Extract, then merge new strings into the vi and en catalogs."""
    extract.callback()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching")


@translate.command()
def compile() -> None:  # noqa: A001 (the command's name)
    """Compile the catalogs to .mo files the portal reads."""
    _pybabel("compile", "-d", TRANSLATIONS)
