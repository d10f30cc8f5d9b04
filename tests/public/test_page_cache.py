"""Public pages kept rendered per worker: shared only when nothing personal, out of date never."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from sqlalchemy import CursorResult, inspect, select, text, update

from finder import directory, pagecache
from finder.extensions import db
from finder.models import DIRECTORY_TABLES, Feedback, Programme, ProgrammeText
from tests.conftest import make_app

PROGRAMME = "/en/programmes/desmond"


def test_a_kept_page_is_served_as_kept_plain_or_gzipped(app, client):
    first = client.get(PROGRAMME + "?kept=test")  # the test client asks for no encoding
    with app.app_context():
        hits = pagecache.pages().hits
    again = client.get(PROGRAMME + "?kept=test")
    zipped = client.get(PROGRAMME + "?kept=test", headers={"Accept-Encoding": "gzip, br"})
    with app.app_context():
        assert pagecache.pages().hits == hits + 2
    assert first.status_code == again.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in first.headers
    assert again.get_data() == first.get_data()
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == first.get_data()
    assert len(zipped.get_data()) < len(first.get_data()) / 2


def test_a_new_page_is_gzipped_on_its_first_visit_too(client):
    zipped = client.get(PROGRAMME + "?first=gzip", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert b"<h1" in gzip.decompress(zipped.get_data())


@contextmanager
def desmond_renamed(app, name: str) -> Iterator[None]:
    """Desmond's English name changed in the database for the block, then put back."""
    with app.app_context():
        desmond: Programme | None = db.session.scalar(select(Programme).filter_by(slug="desmond"))
        assert desmond is not None
        english = next(t for t in desmond.texts if t.locale == "en")
        text_id, old = english.id, english.name
        english.name = name
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(
                update(ProgrammeText).where(ProgrammeText.id == text_id).values(name=old)
            )
            db.session.commit()


@pytest.mark.commits  # another app on the database sees only committed rows
def test_a_change_to_the_directory_shows_in_every_worker_within_the_check_interval(app, client):
    # A worker as deployed: it reads the directory version at most once a second, on a clock
    # this test moves.
    deployed = make_app(app.config["SQLALCHEMY_DATABASE_URI"], FINDER_DIRECTORY_CHECK_SECONDS=1)
    seconds = [1000.0]
    deployed.extensions["finder_directory"].clock = lambda: seconds[0]
    other = deployed.test_client()
    for worker in (client, other):
        assert "Kept title" not in worker.get(PROGRAMME).get_data(as_text=True)
    with desmond_renamed(app, "Kept title"):
        assert "Kept title" in client.get(PROGRAMME).get_data(as_text=True)  # checks each time
        assert "Kept title" not in other.get(PROGRAMME).get_data(as_text=True)
        seconds[0] += 0.5
        assert "Kept title" not in other.get(PROGRAMME).get_data(as_text=True)
        seconds[0] += 0.5
        assert "Kept title" in other.get(PROGRAMME).get_data(as_text=True)
    assert "Kept title" not in client.get(PROGRAMME).get_data(as_text=True)
    with deployed.app_context():
        db.engine.dispose()


def test_every_directory_table_raises_the_version_on_insert_update_and_delete(app):
    with app.app_context():
        desmond = db.session.scalar(select(Programme.id).filter_by(slug="desmond"))
        feedback = Feedback(
            programme_id=desmond,
            rating=5,
            language="en",
            created_at=dt.datetime.now(dt.UTC),
            status="approved",  # a pending one changes nothing shown: see the next test
        )
        db.session.add(feedback)
        db.session.commit()
        for table in DIRECTORY_TABLES:
            before = directory.version()
            # Every column of every row written back unchanged: an update with no effect.
            column = "programme_id" if table == "programme_area" else "id"
            statement = f"UPDATE {table} SET {column} = {column}"  # noqa: S608 - our own names
            changed = db.session.execute(text(statement))
            db.session.commit()
            assert isinstance(changed, CursorResult)
            assert changed.rowcount > 0, table
            assert directory.version() > before, f"an update of {table} left the version"
        before = directory.version()
        db.session.delete(feedback)
        db.session.commit()
        assert directory.version() > before, "a delete left the version"


def test_a_pending_feedback_costs_workers_nothing_until_it_is_approved(app, client):
    """Migration 0016: a feedback waiting for moderation (given, edited, rejected, removed)
    leaves the directory version, so kept pages stay kept; approving it shows it at once."""
    url = "/en/programmes/dsmp"
    comment = "Pending feedback changes nothing 0016"
    with app.app_context():
        pages = pagecache.pages()
        dsmp = db.session.scalar(select(Programme.id).filter_by(slug="dsmp"))
        client.get(url)
        before, hits = directory.version(), pages.hits
        feedback = Feedback(
            programme_id=dsmp, rating=2, comment=comment, language="en",
            created_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        db.session.add(feedback)
        db.session.commit()
        feedback.comment += "!"
        db.session.commit()
        assert directory.version() == before
        assert comment not in client.get(url).get_data(as_text=True)
        assert pages.hits == hits + 1  # served as kept
        feedback.status = "approved"
        db.session.commit()
        assert directory.version() > before
        assert comment in client.get(url).get_data(as_text=True)
        approved = directory.version()
        feedback.status = "rejected"
        db.session.commit()
        assert directory.version() > approved  # taken down: shown no more
        assert comment not in client.get(url).get_data(as_text=True)
        taken_down = directory.version()
        db.session.delete(feedback)
        db.session.commit()
        assert directory.version() == taken_down


def test_signed_in_staff_are_never_served_a_kept_page_nor_keep_one(app, signed_in):
    staff = signed_in("clinician")
    with app.app_context():
        pages = pagecache.pages()
        hits, misses = pages.hits, pages.misses
    for _ in range(2):
        assert staff.get(PROGRAMME + "?staff=1").status_code == 200
    assert (pages.hits, pages.misses) == (hits, misses)


def test_a_new_day_renders_the_page_again(app, client):
    with app.app_context():
        pages = pagecache.pages()
    client.get(PROGRAMME + "?day=1")
    misses = pages.misses
    client.get(PROGRAMME + "?day=1")
    assert pages.misses == misses
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)):
        client.get(PROGRAMME + "?day=1")
    assert pages.misses == misses + 1


def test_error_pages_and_redirects_are_not_kept(app, client):
    with app.app_context():
        pages = pagecache.pages()
    for url in (
        "/en/find/diabetes?diabetes=nonsense",
        "/en/find/diabetes?diabetes=type2&continue=",
    ):
        first = client.get(url)
        hits = pages.hits
        second = client.get(url)
        assert first.status_code == second.status_code
        assert first.status_code in (302, 400)
        assert pages.hits == hits, url


def test_the_directory_copy_is_read_again_after_a_change_and_is_detached(app):
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["seen"] = 1  # a session of its own: pages are rendered for it, not kept
    assert "Copied title" not in visitor.get(PROGRAMME).get_data(as_text=True)
    with desmond_renamed(app, "Copied title"):
        assert "Copied title" in visitor.get(PROGRAMME).get_data(as_text=True)
    with app.test_request_context():
        assert all(inspect(p).detached for p in directory.shown_programmes())
