"""`flask seed`: idempotent, relative to today, and precise about bad files."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import func, select

from finder import clock
from finder.extensions import db
from finder.models import Area, CourseRun, Practice, Programme, ProgrammeText, User, Venue
from finder.seeding import SeedError, read_seeds
from tests.conftest import ROOT

MODELS = (Area, Programme, ProgrammeText, Venue, CourseRun, Practice, User)


def counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_seed_command_is_idempotent(app):
    runner = app.test_cli_runner()
    with app.app_context():
        before = counts()
        result = runner.invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        assert "4 programmes" in result.output
        assert counts() == before
    assert before["Programme"] == 4
    assert before["User"] >= 5


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
