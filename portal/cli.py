"""Command-line tasks: demo data, synthetic data at scale, the translation workflow and the
training data audit."""

import logging
import os
import time

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.auth.cli import create_admin
from portal.config import ROOT
from portal.privacy.cli import privacy_cli
from portal.training.cli import training_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(synthetic)
    app.cli.add_command(translate)
    app.cli.add_command(training_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(create_admin)


def _refuse_in_production() -> None:
    """Stop a command that writes made-up people into a real portal's database."""
    config = current_app.config
    if config.get("ENV_NAME") != "development" and not config.get("TESTING"):
        raise click.ClickException(
            "this command adds made-up accounts and data: it runs only with PORTAL_ENV=development"
        )


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill an empty database with demo provinces' staff, trainers, owners and businesses."""
    from portal.demo import seed_demo_data

    _refuse_in_production()
    # Keep the output to what a new user needs: the demo accounts, not every operation's log.
    loggers = [logging.getLogger("portal")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        seed_demo_data(echo=click.echo)
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@click.command()
@click.option("--businesses", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option(
    "--provinces", default="22,1,15", show_default=True, help="Province codes, comma-separated."
)
@click.option("--seed", type=int, default=2030, show_default=True)
@with_appcontext
def synthetic(businesses: int, provinces: str, seed: int) -> None:
    """Add realistic synthetic businesses with their assessments, training and listings."""
    from portal import geo
    from portal.synthetic import generate

    _refuse_in_production()
    try:
        codes = tuple(int(code) for code in provinces.split(","))
    except ValueError:
        raise click.BadParameter("province codes are numbers", param_hint="--provinces") from None
    unknown = [code for code in codes if geo.get_province(code) is None]
    if unknown:
        raise click.BadParameter(f"no such province: {unknown}", param_hint="--provinces")
    start = time.perf_counter()
    counts = generate(businesses, province_codes=codes, seed=seed, echo=click.echo)
    click.echo(f"Done in {time.perf_counter() - start:.1f}s; rows added:")
    for table, n in counts.items():
        click.echo(f"  {table:<20} {n:>10,}")


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
    extract.callback()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching")


@translate.command()
def compile() -> None:  # noqa: A001 (the command's name)
    """Compile the catalogs to .mo files the portal reads."""
    _pybabel("compile", "-d", TRANSLATIONS)
