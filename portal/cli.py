"""The ``iisg`` command: Flask's commands plus one group per noun (DESIGN §7)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from portal.config import StartupError, generate_production_keys


def _create_app() -> Flask:
    from portal import create_app

    return create_app()


cli = FlaskGroup(
    name="iisg",
    create_app=_create_app,
    help="Manage the IISG Database portal.",
)


@cli.group()
def keys():
    """Generate the keys a production installation needs."""


@keys.command("generate")
def keys_generate():
    """Print a fresh set of keys as environment variable assignments."""
    for name, value in generate_production_keys().items():
        click.echo(f"{name}={value}")


demo = click.Group("demo", help="Demonstration data.")


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no tenants.")
def demo_load(if_empty: bool):
    """Load the demonstration tenants, users, cycles, needs, responses and links."""
    from portal.database import schema_problem
    from portal.demo.loader import load_demo

    problem = schema_problem(current_app.extensions["migrate"].directory)
    if problem:
        raise click.ClickException(f"{problem}; run 'iisg db upgrade' first")
    report = load_demo(if_empty=if_empty)
    click.echo(report.describe())


def register(app: Flask) -> None:
    """Attach the command groups that work on a configured app."""
    app.cli.add_command(demo)


def main() -> None:
    """Run the ``iisg`` command, turning start-up problems into one line and exit status 2."""
    try:
        cli.main(prog_name="iisg")
    except StartupError as error:
        click.echo(f"iisg: {error}", err=True)
        sys.exit(2)
