"""The development commands: ``flask seed-demo`` and ``flask synthetic``.

Both write made-up accounts and data, so both refuse to run unless ``PORTAL_ENV=development``
(or the app is under test). Registered by ``portal.cli.init_app`` with the product's commands.
"""

import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext


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
    from portal.devtools.demo import seed_demo_data

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
    from portal.devtools.synthetic import generate

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


#: What ``portal.cli.init_app`` registers from this package.
COMMANDS = (seed_demo, synthetic)
