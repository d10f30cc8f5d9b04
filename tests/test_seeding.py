"""`flask seed`: fills an empty directory, adds what is new, never changes what is there (unless
--replace, which says first what it will overwrite), loads demo records only in demo mode, dates
runs relative to today, and is precise about bad files."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import func, select

from finder import clock
from finder.extensions import db
from finder.models import Area, CourseRun, Practice, Programme, ProgrammeText, User, Venue
from finder.seeding import SeedError, read_seeds, seed
from tests.conftest import ROOT, migrated_app, own_database

MODELS = (Area, Programme, ProgrammeText, Venue, CourseRun, Practice, User)


def counts() -> dict[str, int]:
    return {
        m.__name__: db.session.scalars(select(func.count()).select_from(m)).one() for m in MODELS
    }


def test_seed_command_is_idempotent(app):
    runner = app.test_cli_runner()
    with app.app_context():
        before = counts()
        result = runner.invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        assert "added nothing" in result.output
        assert counts() == before
    assert before["Programme"] == 4
    assert before["User"] == 9  # the demo accounts (seeds/demo_users.yaml)


def test_runs_are_generated_relative_to_today(app):
    with app.app_context():
        runs = db.session.scalars(select(CourseRun)).all()
    today = clock.today()
    assert all(r.start_date >= today for r in runs)
    assert any(r.evening for r in runs)
    assert any(r.start_date.weekday() == 5 for r in runs), "a Saturday run"
    assert any(r.language == "bn" for r in runs), "a run in Bengali"


def test_every_programme_keeps_its_sources_and_last_verified_date(app):
    with app.app_context():
        programmes = db.session.scalars(select(Programme)).all()
    assert {p.slug for p in programmes} == {"help-diabetes", "desmond", "dsmp", "x-pert"}
    for p in programmes:
        assert p.sources
        assert all(s["url"].startswith("http") for s in p.sources)
        assert p.last_verified <= clock.today()


def test_demo_accounts_only_in_demo_mode():
    assert read_seeds(ROOT / "seeds", demo=False).entries["users"] == []
    users = read_seeds(ROOT / "seeds", demo=True).entries["users"]
    # Five practice and service accounts, and one per course provider (issue 15).
    assert len(users) == 9
    assert {u.provider for u in users if u.role == "provider"} == {
        "leicester-diabetes-centre",
        "x-pert-health",
        "whittington-health",
        "nhs-england",
    }


@pytest.fixture
def seeds_copy(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", folder)
    return folder


def edit(path, change):
    entries = yaml.safe_load(path.read_text())
    change(entries)
    path.write_text(yaml.safe_dump(entries, sort_keys=False))


def test_a_bad_seed_file_is_reported_by_file_entry_and_field(seeds_copy):
    edit(seeds_copy / "programmes.yaml", lambda e: e[1].update(delivery="carrier-pigeon"))
    texts = seeds_copy / "programme_text" / "en.yaml"
    english = yaml.safe_load(texts.read_text())
    del english["dsmp"]
    english["x-pert"]["summary"] = ""
    texts.write_text(yaml.safe_dump(english))
    edit(seeds_copy / "course_runs.yaml", lambda e: e[0].update(venue="nowhere", language="xx"))
    with pytest.raises(SeedError) as caught:
        read_seeds(seeds_copy, demo=True)
    problems = caught.value.problems
    assert any(
        p.startswith("programmes.yaml: entry 2 (desmond), field 'delivery'") for p in problems
    ), problems
    assert "programme_text/en.yaml: entry dsmp: English text is required" in problems
    assert any(
        p.startswith("programme_text/en.yaml: entry x-pert, field 'summary'") for p in problems
    )
    assert any(
        "course_runs.yaml: entry 1 (desmond-camden-weekday), field 'language'" in p
        for p in problems
    )


def test_a_bad_seed_changes_nothing(app, seeds_copy):
    edit(seeds_copy / "areas.yaml", lambda e: e.append({"slug": "Not A Slug!", "name": ""}))
    app.config["FINDER_SEEDS_DIR"] = str(seeds_copy)
    try:
        with app.app_context():
            before = counts()
            result = app.test_cli_runner().invoke(args=["seed"])
            assert result.exit_code != 0
            assert "areas.yaml: entry 4 (Not A Slug!), field 'slug'" in result.output
            assert counts() == before
    finally:
        app.config["FINDER_SEEDS_DIR"] = str(ROOT / "seeds")


@pytest.fixture(scope="module")
def own_app(tmp_path_factory):
    """A directory of this module's own: --replace rewrites it."""
    app = migrated_app(own_database("seeding", tmp_path_factory))
    yield app
    with app.app_context():
        db.engine.dispose()


def programme(slug):
    return db.session.scalar(select(Programme).filter_by(slug=slug))


def english(slug):
    return next(t for t in programme(slug).texts if t.locale == "en")


def test_a_directory_edit_survives_seeding_and_replace_says_what_it_overwrites(own_app):
    runner = own_app.test_cli_runner()
    with own_app.app_context():
        seeded_summary = english("desmond").summary
        seeded_verified = programme("desmond").last_verified
        english("desmond").summary = "Edited by a commissioner."
        programme("desmond").last_verified = clock.today()
        programme("desmond").join_url = "https://example.org/desmond"
        run = db.session.scalar(select(CourseRun).filter_by(key="x-pert-islington-evening"))
        assert run is not None
        run.places_left = 3
        db.session.commit()

        result = runner.invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        assert "kept 3 record(s) that differ from the seed files" in result.output
        db.session.expire_all()
        assert english("desmond").summary == "Edited by a commissioner."
        assert programme("desmond").join_url == "https://example.org/desmond"
        assert programme("desmond").last_verified == clock.today()
        assert run.places_left == 3

        # Asked first; answering no changes nothing.
        result = runner.invoke(args=["seed", "--replace"], input="n\n")
        assert result.exit_code != 0
        lines = result.output.splitlines()
        assert "--replace will overwrite 3 record(s):" in lines
        assert "  programme desmond: join_url, last_verified" in lines
        assert "  programme text desmond/en: summary" in lines
        assert "  course run x-pert-islington-evening: places_left" in lines
        db.session.expire_all()
        assert english("desmond").summary == "Edited by a commissioner."

        result = runner.invoke(args=["seed", "--replace"], input="y\n")
        assert result.exit_code == 0, result.output
        assert "overwrote 3 record(s) from the seed files" in result.output
        db.session.expire_all()
        assert english("desmond").summary == seeded_summary
        assert programme("desmond").join_url is None
        assert programme("desmond").last_verified == seeded_verified
        assert run.places_left == 12  # course_runs.yaml

        result = runner.invoke(args=["seed", "--replace", "--yes"])
        assert "nothing in the directory differs from the seed files" in result.output


def test_new_seed_entries_are_added_and_existing_ones_left(own_app, seeds_copy):
    edit(seeds_copy / "areas.yaml", lambda e: e.append({"slug": "hackney", "name": "Hackney"}))
    edit(seeds_copy / "areas.yaml", lambda e: e[0].update(name="Camden (renamed in the seeds)"))
    with own_app.app_context():
        before = counts()
        outcome = seed(seeds_copy, clock.today(), demo=True, demo_password="test-password")
        assert outcome.added == {"area": 1}
        assert "area camden: name" in outcome.differ
        assert counts() == {**before, "Area": before["Area"] + 1}
        assert db.session.scalar(select(Area.name).filter_by(slug="camden")) == "Camden"
        assert db.session.scalar(select(Area.name).filter_by(slug="hackney")) == "Hackney"


def test_a_production_seed_loads_no_demo_records(tmp_path_factory):
    app = migrated_app(own_database("seeding_production", tmp_path_factory), FINDER_DEMO=False)
    try:
        with app.app_context():
            # migrated_app seeded in demo mode: start again from an empty directory.
            for model in (User, CourseRun, Venue, Practice, ProgrammeText, Programme, Area):
                db.session.query(model).delete()
            db.session.commit()
            result = app.test_cli_runner().invoke(args=["seed"])
            assert result.exit_code == 0, result.output
            found = counts()
        assert found["Programme"] == 4
        assert found["ProgrammeText"] == 40  # 4 programmes in 10 languages
        assert found["Area"] == 3
        assert {found[k] for k in ("Venue", "CourseRun", "Practice", "User")} == {0}
        assert "demo referrals" not in result.output
    finally:
        with app.app_context():
            db.engine.dispose()
