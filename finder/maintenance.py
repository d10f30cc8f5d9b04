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
        source = sqlite3.connect(url.database or "")
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
        return
    dump = shutil.which("pg_dump")
    if dump is None:
        raise RuntimeError("pg_dump is not installed")
    subprocess.run(  # noqa: S603 - fixed program, arguments from our own configuration
        [dump, "--format=custom", f"--file={target}", _libpq_url(url)], check=True
    )


def restore(source: Path) -> None:
    url = make_url(str(db.engine.url))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        copy = sqlite3.connect(source)
        live = sqlite3.connect(url.database or "")
        with live:
            copy.backup(live)
        live.close()
        copy.close()
        return
    tool = shutil.which("pg_restore")
    if tool is None:
        raise RuntimeError("pg_restore is not installed")
    subprocess.run(  # noqa: S603 - fixed program, arguments from our own configuration
        [tool, "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq_url(url)}", str(source)],
        check=True,
    )


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
