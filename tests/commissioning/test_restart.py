"""A commissioner's edit survives a restart: the server started as `make run` starts it
(`flask db upgrade`, `flask seed`, then gunicorn with gunicorn.conf.py), an edit made through the
site, the same start again, and the edit still there. The Dockerfile's start command, run as
it is written, loads no demo record and keeps an edit too."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.conftest import ROOT, one
from tests.forms import form_values, main_form
from tests.security.servers import BIN, free_port, wait_until_up

pytestmark = [pytest.mark.stack, pytest.mark.commits]  # servers and workers on the database

PASSWORD = "restart-test-password"


def environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "finder",  # as the Makefile exports it
        "DATABASE_URL": f"sqlite:///{database}",
        "FINDER_DEMO_PASSWORD": PASSWORD,
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }


@contextmanager
def make_run(database: Path) -> Iterator[tuple[str, str]]:
    """`make run`'s steps (the `db` target, then gunicorn): the address and the seed's output."""
    env = environment(database)
    for step in (["db", "upgrade"], ["seed"]):
        done = subprocess.run(
            [BIN / "flask", *step], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            *("--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"),
            "finder:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, seconds=30)
        yield base, done.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


class Browser:
    """A signed-in staff member's cookies, and forms filled in as a person would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def page(self, path: str) -> BeautifulSoup:
        with self.opener.open(self.base + path, timeout=20) as response:
            return BeautifulSoup(response.read().decode(), "html5lib")

    def submit(self, path: str, changes: dict[str, Any]) -> str:
        """The form on ``path`` with its shown values and ``changes``; the page it led to."""
        values = form_values(main_form(self.page(path)))
        values.update(changes)
        data = urllib.parse.urlencode(values, doseq=True).encode()
        with self.opener.open(self.base + path, data, timeout=20) as response:
            return str(response.url)

    def sign_in(self, email: str) -> None:
        landed = self.submit("/en/staff/login", {"email": email, "password": PASSWORD})
        assert "/login" not in landed, "sign-in refused"


def test_an_edit_made_in_the_site_survives_a_restart(tmp_path):
    database = tmp_path / "finder.db"
    programme = "/en/staff/directory/programmes/desmond"
    venue = "/en/staff/directory/venues/canal-health-centre"
    facts = programme + "/facts"
    summary = "Edited by a commissioner: this text must survive a restart."
    with make_run(database) as (base, seeded):
        assert "added 3 area, 4 provider, 4 programme, 40 programme text" in seeded
        browser = Browser(base)
        browser.sign_in("commissioner@demo.invalid")
        browser.submit(programme, {"summary": summary})
        browser.submit(venue, {"postcode": "N7 6AA", "step_free": "no"})
        landed = browser.submit(
            facts, {"referral_contact": "0300 555 0123", "sessions": "1", "session_hours": "6"}
        )
        assert landed.endswith("/en/staff/directory/programmes/desmond"), landed
        assert one(browser.page(programme), "textarea[name=summary]").get_text() == summary
    with make_run(database) as (base, seeded):
        assert "added nothing" in seeded
        # DESMOND's English text, its facts and the venue.
        assert "kept 3 record(s) that differ from the seed files" in seeded
        browser = Browser(base)
        browser.sign_in("commissioner@demo.invalid")
        form = browser.page(programme)
        assert one(form, "textarea[name=summary]").get_text() == summary
        shown = browser.page(venue)
        assert one(shown, "input[name=postcode]")["value"] == "N7 6AA"
        assert one(shown, "input[name=step_free][value=no]").has_attr("checked")
        kept = browser.page(facts)
        assert one(kept, "input[name=referral_contact]")["value"] == "0300 555 0123"
        assert one(kept, "input[name=sessions]")["value"] == "1"
        # What patients see, too.
        public = " ".join(browser.page("/en/programmes/desmond").get_text().split())
        assert summary in public
        assert "1 session of 6 hours." in public


def docker_start() -> tuple[str, dict[str, str]]:
    """The Dockerfile's start command before it hands over to gunicorn, and its ENV settings."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None, "the Dockerfile has no CMD in exec form"
    command = json.loads(cmd.group(1))
    assert command[:2] == ["sh", "-c"], command
    steps, gunicorn = command[2].split(" && exec ")
    assert gunicorn.startswith("gunicorn --config gunicorn.conf.py")
    stage = dockerfile[dockerfile.rindex("FROM ") :]  # the runtime image's
    env = re.search(r"^ENV (.*?)(?<!\\)$", stage, re.M | re.S)
    assert env is not None, "the runtime image sets no ENV"
    settings = dict(pair.split("=", 1) for pair in env.group(1).replace("\\\n", " ").split())
    return steps, settings


def test_the_docker_start_loads_no_demo_record_and_keeps_every_edit(tmp_path):
    steps, settings = docker_start()
    assert "--replace" not in steps
    assert settings["FINDER_ENV"] == "production"
    database = tmp_path / "finder.db"
    env = {
        **os.environ,
        **{k: v for k, v in settings.items() if k != "PATH"},
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "a-random-secret-for-this-test-only-0123456789",
        "FINDER_BASE_URL": "https://finder.example.org",
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }

    def start() -> str:
        done = subprocess.run(
            ["sh", "-c", steps], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def count(table: str) -> int:
        with sqlite3.connect(database) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

    first = start()
    assert "added 3 area, 4 provider, 4 programme, 40 programme text" in first
    assert {t: count(t) for t in ("venue", "course_run", "practice", "staff_user", "referral")} == (
        dict.fromkeys(("venue", "course_run", "practice", "staff_user", "referral"), 0)
    )
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE programme SET join_url = 'https://example.org/edited' WHERE slug = 'dsmp'"
        )
    second = start()
    assert "added nothing" in second
    with sqlite3.connect(database) as conn:
        kept = conn.execute("SELECT join_url FROM programme WHERE slug = 'dsmp'").fetchone()[0]
    assert kept == "https://example.org/edited"
    assert count("venue") == 0
