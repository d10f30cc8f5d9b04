"""Operational commands: ``flask --app finder seed`` and friends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask, current_app

from finder.seeding import SeedError, seed


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)


@click.command("seed")
@click.option(
    "--demo/--no-demo",
    default=None,
    help="Also load demo practices' staff accounts (default: FINDER_DEMO).",
)
def seed_command(demo: bool | None) -> None:
    """Load the directory from seeds/ (idempotent); course dates are set relative to today."""
    config = current_app.config
    demo = config["FINDER_DEMO"] if demo is None else demo
    if demo and config["FINDER_ENV"] == "production":
        raise click.ClickException("Demo data cannot be loaded in production.")
    try:
        counts = seed(
            Path(config["FINDER_SEEDS_DIR"]),
            dt.date.today(),
            demo=bool(demo),
            demo_password=config["FINDER_DEMO_PASSWORD"],
        )
    except SeedError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in the seed files") from exc
    click.echo(", ".join(f"{n} {name}" for name, n in counts.items()))
