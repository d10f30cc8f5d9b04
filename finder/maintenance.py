"""Retention and backups: ``flask purge``, ``flask backup`` and ``flask restore``."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import URL, make_url

from finder.audit import record
from finder.config import check_retention
from finder.extensions import db
from finder.models import (
    BookingLink,
    Patient,
    ProviderLink,
    Referral,
    ReferralEvent,
    Reminder,
)
from finder.referrals import statuses


@dataclass(frozen=True)
class Purged:
    referrals: int
    patients: int


def purge(now: dt.datetime, retention_days: int, *, dry_run: bool = False) -> Purged:
    """Delete closed referrals untouched for longer than the retention period, with their
    history and any patient left without a referral. The audit log keeps a row saying so.
    A dry run counts what would go and changes nothing."""
    check_retention(retention_days)  # the floor holds however the period was set
    cutoff = now - dt.timedelta(days=retention_days)
    expired = db.session.scalars(
        select(Referral.id).where(
            Referral.status.not_in(statuses.OPEN), Referral.status_changed_at < cutoff
        )
    ).all()
    patients = set(db.session.scalars(select(Referral.patient_id).where(Referral.id.in_(expired))))
    still_referred = set(
        db.session.scalars(
            select(Referral.patient_id).where(
                Referral.patient_id.in_(patients), Referral.id.not_in(expired)
            )
        )
    )
    orphans = patients - still_referred
    if dry_run:
        return Purged(len(expired), len(orphans))
    if expired:
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id.in_(expired)))
        db.session.execute(delete(ProviderLink).where(ProviderLink.referral_id.in_(expired)))
        db.session.execute(delete(BookingLink).where(BookingLink.referral_id.in_(expired)))
        db.session.execute(delete(Reminder).where(Reminder.referral_id.in_(expired)))
        db.session.execute(
            Referral.__table__.update()
            .where(Referral.linked_from_id.in_(expired))
            .values(linked_from_id=None)
        )
        db.session.execute(delete(Referral).where(Referral.id.in_(expired)))
        db.session.execute(delete(Patient).where(Patient.id.in_(orphans)))
    record("retention.purge", None, referrals=len(expired), retention_days=retention_days)
    db.session.commit()
    return Purged(len(expired), len(orphans))


def backup(target: Path) -> None:
    """A consistent copy while the app runs: SQLite's backup API, or pg_dump."""
    url = make_url(str(db.engine.url))
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(Path(url.database or ""), target)
    else:
        _run("pg_dump", "--format=custom", f"--file={target}", _libpq_url(url))


def restore(source: Path) -> None:
    url = make_url(str(db.engine.url))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(source, Path(url.database or ""))
    else:
        _run("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq_url(url)}",
             str(source))  # fmt: skip


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while others write."""
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with copy:
            origin.backup(copy)
    finally:
        copy.close()
        origin.close()


def _run(tool: str, *args: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise RuntimeError(f"{tool} is not installed")
    # A fixed program; the arguments come from our own configuration.
    subprocess.run([program, *args], check=True)  # noqa: S603


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
