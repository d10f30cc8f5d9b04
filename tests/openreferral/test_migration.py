"""Migration 0014 on a directory that already has rows (SQLite and PostgreSQL): nothing is
lost, every row gets the UUID derived from its slug or key, the directory-version triggers
still fire, and new rows get theirs from the model."""

from __future__ import annotations

import uuid

from flask_migrate import upgrade
from sqlalchemy import text

from finder.extensions import db
from tests.conftest import ROOT, make_app, own_database

TABLES = ("area", "provider", "programme", "programme_text", "programme_area", "venue")
ROWS = (
    "INSERT INTO area (slug, name) VALUES ('north', 'North')",
    "INSERT INTO provider (slug, name) VALUES ('team', 'Team')",
    "INSERT INTO programme (slug, provider_id, delivery, diabetes_types, stages, self_referral,"
    " covers_other_conditions, content_languages, sources, last_verified) VALUES ('course', 1,"
    " 'group', '[\"type2\"]', '[\"recent\"]', false, false, '[\"en\"]', '[]', '2026-01-01')",
    "INSERT INTO programme_text (programme_id, locale, name, summary, what_happens, who_for,"
    " how_to_join) VALUES (1, 'en', 'n', 's', 'w', 'f', 'h')",
    "INSERT INTO programme_area (programme_id, area_id) VALUES (1, 1)",
    "INSERT INTO venue (slug, name, address, postcode, area_id, step_free)"
    " VALUES ('hall', 'Hall', '1 Road, Town', 'ZZ1 1AA', 1, true)",
    "INSERT INTO course_run (key, programme_id, venue_id, start_date, start_time, end_time,"
    " language, places_left) VALUES ('run', 1, 1, '2027-01-04', '10:00:00', '12:00:00', 'en', 5)",
)
NAMESPACE = uuid.UUID("0f4b8a52-3c1e-4b8e-9a57-5d1e2f6c7a10")


def count(table: str) -> int:
    return int(db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608 - fixed names


def test_0014_keeps_every_row_and_gives_each_its_uuid(tmp_path_factory):
    url = own_database("migration_0014", tmp_path_factory)
    app = make_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="0011")
        for row in ROWS:
            db.session.execute(text(row))
        db.session.commit()
        before = {t: count(t) for t in (*TABLES, "course_run")}
        db.session.remove()

        upgrade(directory=str(ROOT / "migrations"))

        assert {t: count(t) for t in (*TABLES, "course_run")} == before
        for table, natural in (("programme", "course"), ("venue", "hall"), ("course_run", "run")):
            stored = db.session.scalar(text(f"SELECT uuid FROM {table}"))  # noqa: S608
            assert stored == str(uuid.uuid5(NAMESPACE, f"{table}:{natural}"))
        version = db.session.scalar(text("SELECT version FROM directory_version"))
        db.session.execute(text("UPDATE programme SET sessions = 2"))
        db.session.commit()
        assert db.session.scalar(text("SELECT version FROM directory_version")) > version
        db.session.remove()
        db.engine.dispose()
