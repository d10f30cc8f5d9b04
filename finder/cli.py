"""Operational commands: ``flask --app finder seed`` and friends."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from finder import accounts, clock, maintenance
from finder import demo as demo_data
from finder.config import ConfigurationError
from finder.extensions import db
from finder.models import Practice, Provider, User
from finder.policy import ROLES
from finder.seeding import Outcome, SeedError, seed


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(disable_user_command)
    app.cli.add_command(enable_user_command)
    app.cli.add_command(set_role_command)
    app.cli.add_command(reset_two_step_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("seed")
@with_appcontext
@click.option(
    "--demo/--no-demo",
    default=None,
    help="Also load the demo venues, course runs, practices and staff (default: FINDER_DEMO).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Overwrite what is in the directory with the seed files (says what first).",
)
@click.option("--yes", is_flag=True, help="With --replace: do not ask before overwriting.")
def seed_command(demo: bool | None, replace: bool, yes: bool) -> None:
    """Add what the seed files have and the directory lacks; never change what is there.

    The directory is the source of truth: a commissioner's edits are kept. New demo course
    runs are dated relative to today."""
    config = current_app.config
    demo = config["FINDER_DEMO"] if demo is None else demo
    if demo and config["FINDER_ENV"] == "production":
        raise click.ClickException("Demo data cannot be loaded in production.")

    def run(replacing: bool, dry_run: bool = False) -> Outcome:
        return seed(
            Path(config["FINDER_SEEDS_DIR"]),
            clock.today(),
            demo=bool(demo),
            demo_password=config["FINDER_DEMO_PASSWORD"],
            replace=replacing,
            dry_run=dry_run,
        )

    try:
        if replace:
            planned = run(replacing=True, dry_run=True)
            if not planned.differ:
                click.echo("nothing in the directory differs from the seed files")
            else:
                click.echo(f"--replace will overwrite {len(planned.differ)} record(s):")
                for line in planned.differ:
                    click.echo(f"  {line}")
                if not yes:
                    click.confirm("Overwrite them?", abort=True)
        outcome = run(replacing=replace)
    except SeedError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in the seed files") from exc
    added = ", ".join(f"{n} {kind}" for kind, n in outcome.added.items()) or "nothing"
    click.echo(f"added {added}")
    if outcome.differ and replace:
        click.echo(f"overwrote {len(outcome.differ)} record(s) from the seed files")
    elif outcome.differ:
        click.echo(
            f"kept {len(outcome.differ)} record(s) that differ from the seed files "
            "(the directory's version wins); `flask seed --replace` overwrites them"
        )
    if demo:
        made = demo_data.seed_referrals(clock.now())
        click.echo(f"{made} demo referrals" if made else "demo referrals already present")
        listed = demo_data.seed_register(clock.now())
        click.echo(f"{listed} demo register entries" if listed else "demo register already present")


def _practice(code: str | None) -> Practice | None:
    if not code:
        return None
    practice: Practice | None = db.session.scalar(select(Practice).filter_by(code=code))
    if practice is None:
        raise click.BadParameter("give the code of an existing practice", param_hint="practice")
    return practice


def _provider(slug: str | None) -> Provider | None:
    if not slug:
        return None
    provider: Provider | None = db.session.scalar(select(Provider).filter_by(slug=slug))
    if provider is None:
        raise click.BadParameter(
            "give the slug of a provider in the directory", param_hint="provider"
        )
    return provider


def _account(email: str) -> User:
    user: User | None = db.session.scalar(select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account has the email address {email}")
    return user


def _refused(exc: accounts.AccountError) -> click.ClickException:
    return click.BadParameter(str(exc), param_hint=exc.field)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="The person's name, as staff see it.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--practice", "practice_code", help="Practice code (clinician and support only).")
@click.option("--provider", "provider_slug", help="Course provider's slug (provider only).")
@click.password_option(
    help=f"Prompted for when not given; at least {accounts.PASSWORD_MIN_LENGTH} characters."
)
def create_user_command(
    email: str,
    name: str,
    role: str,
    practice_code: str | None,
    provider_slug: str | None,
    password: str,
) -> None:
    """Create a staff account."""
    try:
        user = accounts.create_user(
            email, name, role, _practice(practice_code), password, _provider(provider_slug)
        )
    except accounts.AccountError as exc:
        raise _refused(exc) from exc
    click.echo(f"created {role} {user.email}")


@click.command("disable-user")
@with_appcontext
@click.argument("email")
def disable_user_command(email: str) -> None:
    """Disable a staff account: it cannot sign in, and its sessions end."""
    try:
        accounts.set_active(_account(email), active=False)
    except accounts.AccountError as exc:
        raise _refused(exc) from exc
    click.echo(f"disabled {email}")


@click.command("enable-user")
@with_appcontext
@click.argument("email")
def enable_user_command(email: str) -> None:
    """Enable a disabled staff account again."""
    accounts.set_active(_account(email), active=True)
    click.echo(f"enabled {email}")


@click.command("set-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--practice", "practice_code", help="Practice code (clinician and support only).")
@click.option("--provider", "provider_slug", help="Course provider's slug (provider only).")
def set_role_command(
    email: str, role: str, practice_code: str | None, provider_slug: str | None
) -> None:
    """Change a staff account's role (and practice or provider); its sessions end."""
    try:
        accounts.set_role(_account(email), role, _practice(practice_code), _provider(provider_slug))
    except accounts.AccountError as exc:
        raise _refused(exc) from exc
    click.echo(f"{email} is now {role}" + (f" at {practice_code}" if practice_code else ""))


@click.command("reset-two-step")
@with_appcontext
@click.argument("email")
def reset_two_step_command(email: str) -> None:
    """Forget an account's authenticator app: it sets up two-step sign-in again next time."""
    accounts.reset_second_factor(_account(email))
    click.echo(f"two-step sign-in reset for {email}")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete closed referrals older than FINDER_RETENTION_DAYS (audited)."""
    days = current_app.config["FINDER_RETENTION_DAYS"]
    try:
        purged = maintenance.purge(clock.now(), days, dry_run=dry_run)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    counts = f"{purged.referrals} referral(s) and {purged.patients} patient(s)"
    if dry_run:
        click.echo(f"would purge {counts} closed more than {days} days ago; deleted nothing")
    else:
        click.echo(f"purged {counts} closed more than {days} days ago")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent backup of the database to TARGET."""
    maintenance.backup(target)
    click.echo(f"backed up to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="This replaces every record in the database. Continue?")
@with_appcontext
def restore_command(source: Path) -> None:
    """Replace the database with a backup made by `flask backup`."""
    maintenance.restore(source)
    click.echo(f"restored from {source}")
