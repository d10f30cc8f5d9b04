"""S34 backup and restore drill; S35 retention purge (frozen time), never under its floor."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from sqlalchemy import func, select, text

from finder.config import ConfigurationError
from finder.extensions import db
from finder.models import AuditEvent, Patient, Referral
from tests.conftest import make_app, migrated_app, own_database
from tests.staff.conftest import csrf_token, sign_in

EIGHT_YEARS = 2922  # days, two leap days included: the Records Management Code's 8 years


def counts(app) -> dict[str, int]:
    with app.app_context():
        tables = ("referral", "referral_event", "patient", "audit_event", "programme", "course_run")
        return {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}  # noqa: S608 - fixed names


@pytest.fixture
def live_database(tmp_path_factory):
    """A database of its own (SQLite, or PostgreSQL in that run), restored over by the drill."""
    return own_database("backup_drill", tmp_path_factory)


def test_s34_backup_and_restore_drill(tmp_path, live_database):
    app = migrated_app(live_database)
    client = sign_in(app.test_client(), "clinician")
    path = "/en/staff/referrals/new?programme=desmond"
    for i in range(3):
        client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "name": f"Backup Example {i}",
                "date_of_birth": "01/01/1950",
                "phone": "020 7946 0600",
                "preferred_language": "en",
                "contact_method": "phone",
            },
        )
    before = counts(app)
    runner = app.test_cli_runner()
    backup = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name": "After Backup",
            "date_of_birth": "01/01/1950",
            "phone": "020 7946 0601",
            "preferred_language": "en",
            "contact_method": "phone",
        },
    )
    assert counts(app)["referral"] == before["referral"] + 1
    started = time.perf_counter()
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert counts(app) == before
    with app.app_context():
        names = set(db.session.scalars(select(Patient.name)))
        assert {"Backup Example 0", "Backup Example 2"} <= names
        assert "After Backup" not in names
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.session.remove()
        db.engine.dispose()
    print(f"restore took {elapsed:.3f} s")


def test_s35_purge_removes_only_expired_closed_records_and_audits(tmp_path, signed_in):
    app = migrated_app(f"sqlite:///{tmp_path / 'retention.db'}")
    assert app.config["FINDER_RETENTION_DAYS"] == EIGHT_YEARS
    client = sign_in(app.test_client(), "clinician")
    path = "/en/staff/referrals/new?programme=x-pert"

    def refer(name):
        response = client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "name": name,
                "date_of_birth": "01/01/1950",
                "phone": "020 7946 0700",
                "preferred_language": "en",
                "contact_method": "phone",
            },
        )
        return response.location.rsplit("/", 1)[1]

    def close(ref):
        detail = f"/en/staff/referrals/{ref}"
        client.post(
            f"{detail}/status",
            data={"status": "declined", "csrf_token": csrf_token(client, detail)},
        )

    with time_machine.travel(dt.datetime(2026, 1, 10, tzinfo=dt.UTC), tick=False):
        client = sign_in(app.test_client(), "clinician")
        old_closed, old_open = refer("Old Closed"), refer("Old Open")
        close(old_closed)
    # 8 years and 20 days later: 2,942 days.
    with time_machine.travel(dt.datetime(2034, 1, 30, tzinfo=dt.UTC), tick=False):
        client = sign_in(app.test_client(), "clinician")
        new_closed = refer("New Closed")
        close(new_closed)
        before = counts(app)
        trial = app.test_cli_runner().invoke(args=["purge", "--dry-run"])
        assert trial.exit_code == 0, trial.output
        assert trial.output == (
            "would purge 1 referral(s) and 1 patient(s) closed more than 2922 days ago; "
            "deleted nothing\n"
        )
        assert counts(app) == before, "a dry run deletes nothing and audits nothing"
        result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0
    assert result.output == "purged 1 referral(s) and 1 patient(s) closed more than 2922 days ago\n"
    with app.app_context():
        left = set(db.session.scalars(select(Referral.reference)))
        assert old_closed not in left
        assert {old_open, new_closed} <= left
        assert "Old Closed" not in set(db.session.scalars(select(Patient.name)))
        purge = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purge"))
        assert purge is not None
        assert purge.detail == {"referrals": 1, "retention_days": EIGHT_YEARS}
        kept = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.object_ref == old_closed)
        )
        assert kept is not None
        assert kept >= 2, "the audit of a purged record is kept"


def test_s35_retention_under_eight_years_is_refused_at_start_and_by_purge(tmp_path):
    with pytest.raises(ConfigurationError, match="FINDER_RETENTION_DAYS: 365 days is under"):
        make_app(f"sqlite:///{tmp_path / 'short.db'}", FINDER_RETENTION_DAYS=365)
    make_app(f"sqlite:///{tmp_path / 'floor.db'}", FINDER_RETENTION_DAYS=EIGHT_YEARS)
    app = migrated_app(f"sqlite:///{tmp_path / 'changed.db'}")
    app.config["FINDER_RETENTION_DAYS"] = EIGHT_YEARS - 1  # changed after start
    before = counts(app)
    for args in (["purge"], ["purge", "--dry-run"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code != 0, args
        assert "under the floor of 2922 days" in result.output, args
    assert counts(app) == before
    with app.app_context():
        db.engine.dispose()
