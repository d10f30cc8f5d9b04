"""Retention and backups: ``flask purge``, ``flask backup`` and ``flask restore``."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import URL, make_url

from finder.extensions import db
from finder.models import Patient, Referral, ReferralEvent
from finder.referrals import statuses
from finder.referrals.operations import audit


def purge(now: dt.datetime, retention_days: int) -> int:
    """Delete closed referrals untouched for longer than the retention period, with their
    history and any patient left without a referral. The audit log keeps a row saying so."""
    cutoff = now - dt.timedelta(days=retention_days)
    expired = db.session.scalars(
        select(Referral.id).where(
            Referral.status.not_in(statuses.OPEN), Referral.status_changed_at < cutoff
        )
    ).all()
    if expired:
        patients = set(
            db.session.scalars(select(Referral.patient_id).where(Referral.id.in_(expired)))
        )
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id.in_(expired)))
        db.session.execute(
            Referral.__table__.update()
            .where(Referral.linked_from_id.in_(expired))
            .values(linked_from_id=None)
        )
        db.session.execute(delete(Referral).where(Referral.id.in_(expired)))
        still_referred = set(
            db.session.scalars(select(Referral.patient_id).where(Referral.patient_id.in_(patients)))
        )
        db.session.execute(delete(Patient).where(Patient.id.in_(patients - still_referred)))
    audit("retention.purge", None, referrals=len(expired), retention_days=retention_days)
    db.session.commit()
    return len(expired)


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
