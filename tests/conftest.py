"""Fixtures: the app on a migrated, seeded database; a client that checks every page it fetches.

Set FINDER_TEST_DATABASE_URL to run against PostgreSQL. Set FINDER_REQUIRE_SUITES=1 (CI does)
to turn every skip into a failure: a suite that cannot run there is a broken suite.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
from argon2 import PasswordHasher, profiles
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import Connection, create_engine, make_url, text

from finder import clock, create_app, directory, pagecache, passwords
from finder.extensions import db
from finder.seeding import seed

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SUITES = os.environ.get("FINDER_REQUIRE_SUITES") == "1"
POSTGRES_URL = os.environ.get("FINDER_TEST_DATABASE_URL")


# Property tests draw Hypothesis's 100 examples in `make test`; `make test-fast` passes
# --hypothesis-profile=fast and draws 20, for a loop under a minute (tests that set their own
# number keep it).
settings.register_profile("fast", max_examples=20)


def skip_or_fail(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail where every suite must run."""
    if REQUIRE_SUITES:
        pytest.fail(f"required suite cannot run: {reason}")
    pytest.skip(reason)


def pytest_report_header() -> str:
    where = POSTGRES_URL or "SQLite"
    return f"finder database: {where}; required suites: {REQUIRE_SUITES}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if REQUIRE_SUITES and skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"FAILED: {len(skipped)} test(s) skipped in a required run")


class LogCollector(logging.Handler):
    """The records the app logs while one test runs, formatted as production formats them."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        from finder.logs import JsonFormatter

        if record.name.startswith("finder"):
            self.lines.append(JsonFormatter().format(record))


PERSONAL = {
    "NHS number": re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone": re.compile(r"(?<!\d)0\d{3,4}[ ]?\d{3}[ ]?\d{3,4}(?!\d)"),
    "query string": re.compile(r"\?[\w%]+="),
}


def personal_data_in(lines: list[str]) -> list[str]:
    """The kinds of personal data found in log lines (the random request id left out)."""
    texts = [
        " ".join(str(v) for k, v in json.loads(line).items() if k != "request_id") for line in lines
    ]
    return [name for name, pattern in PERSONAL.items() if any(pattern.search(t) for t in texts)]


@pytest.fixture(autouse=True)
def app_logs() -> Iterator[LogCollector]:
    """S18: whatever a test makes the app log holds no personal data (checked after each
    test). On the root logger: the app replaces its own logger's handlers each time."""
    collector = LogCollector()
    logging.getLogger().addHandler(collector)
    yield collector
    logging.getLogger().removeHandler(collector)
    leaked = personal_data_in(collector.lines)
    assert not leaked, f"personal data in the logs ({', '.join(leaked)}): {collector.lines[:2]}"


PRODUCTION_HASHER = passwords.hasher


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Passwords hashed at argon2's cheapest cost. At production's, each hash or check takes
    0.1 to 0.5 s on a 2-core machine, and the suite makes them whenever it seeds demo accounts,
    signs in or sets up recovery codes (a serial run took 145 s at that cost, 83 s at this
    one). A stored hash carries its own cost, so nothing else changes. A test in
    tests/security/test_controls.py pins production's cost, and the sign-in timing test runs
    at it (`production_password_cost`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


@pytest.fixture
def production_password_cost(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """New hashes (and the dummy one for unknown accounts) at the cost production uses."""
    monkeypatch.setattr(passwords, "hasher", PRODUCTION_HASHER)
    passwords._nobody.cache_clear()
    yield
    passwords._nobody.cache_clear()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(database_url: str, **config: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "FINDER_DEMO": True,
            "FINDER_DEMO_PASSWORD": "test-password",
            # Directory changes show at once (tests/public/test_page_cache.py tests the delay).
            "FINDER_DIRECTORY_CHECK_SECONDS": 0,
            # Jobs run where they are queued, once the unit of work commits
            # (tests/outbox/test_workers.py runs real workers).
            "FINDER_JOBS_IMMEDIATE": True,
            **config,
        }
    )


def migrated_app(database_url: str, **config: Any) -> Flask:
    """A new app on a new database, migrated with Alembic and seeded as `flask seed` would."""
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    app = make_app(database_url, **config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed(ROOT / "seeds", clock.today(), demo=True, demo_password="test-password")
    return app


def _own_postgres_database(url: str, worker: str) -> str:
    """Each pytest-xdist worker gets a database of its own beside the one named in ``url``."""
    if worker == "master":
        return url
    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    return own.render_as_string(hide_password=False)


def own_database(name: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A new, empty database for a module's own app, on the run's engine: on PostgreSQL one
    beside the run's database and named after it (runs on different databases never share it)."""
    if not POSTGRES_URL:
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'own.db'}"
    run = make_url(POSTGRES_URL)
    database = f"{run.database}_{name}"
    engine = create_engine(run, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    return run.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        try:
            engine.connect().close()
        except Exception as exc:  # any failure to connect means "not available"
            skip_or_fail(f"PostgreSQL at {POSTGRES_URL} is not available: {exc}")
        finally:
            engine.dispose()
        return _own_postgres_database(POSTGRES_URL, worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'finder.db'}"


# The session apps (one per worker): the apps whose tests each run in a rolled-back transaction.
SESSION_APPS: weakref.WeakSet[Flask] = weakref.WeakSet()


def _sqlite_copy(source_path: str, target_path: str) -> None:
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


@contextmanager
def _postgres_admin(url: str) -> Iterator[Connection]:
    """A connection to the server's ``postgres`` database, to copy and replace others."""
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _seeded_copy(url: str) -> str:
    """A copy of the database as migrated and seeded, beside it (its URL)."""
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        _sqlite_copy(path, f"{path}.seeded")
        return f"sqlite:///{path}.seeded"
    database = make_url(url).database
    copy = make_url(url).set(database=f"{database}_seeded")
    with _postgres_admin(url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{copy.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{copy.database}" TEMPLATE "{database}"'))
    return copy.render_as_string(hide_password=False)


def _restore_seeded(url: str, copy: str) -> None:
    """Put the database back as it was seeded (the app's connections closed first)."""
    if url.startswith("sqlite"):
        _sqlite_copy(make_url(copy).database or "", make_url(url).database or "")
        return
    database = make_url(url).database
    with _postgres_admin(url) as conn:
        conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{make_url(copy).database}"'))


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = migrated_app(database_url)
    with app.app_context():
        db.engine.dispose()  # PostgreSQL copies a database only while no one is connected
    app.config["FINDER_TEST_SEEDED_COPY"] = _seeded_copy(database_url)
    SESSION_APPS.add(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def one_transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test on the session ``app`` runs in one transaction that is rolled back after it,
    so every test starts from the freshly seeded database (the flaskr/indico pattern).

    The test opens one connection and begins a transaction on it. For the test's length the
    app's engines (Flask-SQLAlchemy's ``db._app_engines[app]``, which ``db.engine``,
    ``db.engines`` and ``Session.get_bind`` all read) map to that connection, so every
    ``db.session`` (each request of the test client, each ``with app.app_context():``) and the
    directory's own ``Session(db.engine…)`` run on it and see the test's uncommitted rows.
    Sessions join the outer transaction with ``join_transaction_mode="create_savepoint"``:
    ``writes()``' ``commit()`` and ``rollback()`` release or roll back a SAVEPOINT, never the
    outer transaction. A plain Connection answers ``.dialect`` and ``.execution_options()``
    as the engine would; ``db.engine.url`` and ``dispose()`` are left to tests that commit.
    (Mapping the engines is simpler than an engine whose pool hands out the one connection:
    such an engine's own BEGIN and COMMIT, and the SQLite ``BEGIN IMMEDIATE`` event, would
    each need turning into savepoints.) The worker's kept copies (directory snapshot, kept
    pages and fragments, keyed on the directory version) are started afresh after each test:
    the next test may reach the same version with other rows.

    A module's own ``app`` (``migrated_app`` on ``own_database``) is left as it was. Tests
    marked ``commits`` run as before, on the real engine, committing for real: other
    connections must see their rows or write beside them (threads, servers, a second worker or
    app, job workers, locking) or the test inspects the engine's own connections.
    After each, the database is put back as seeded from a copy made once per worker (SQLite's
    backup API; on PostgreSQL a database made from it as a template), so what they commit
    never reaches another test.
    """
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    if app not in SESSION_APPS:  # a module's own app on its own database: as before
        yield
        return
    if request.node.get_closest_marker("commits"):
        try:
            yield
        finally:
            with app.app_context():
                db.engine.dispose()
            _restore_seeded(
                app.config["SQLALCHEMY_DATABASE_URI"], app.config["FINDER_TEST_SEEDED_COPY"]
            )
            directory.init_app(app)
            pagecache.init_app(app)
        return
    engines = db._app_engines[app]
    factory_kw = db.session.session_factory.kw
    connection = engines[None].connect()
    outer = connection.begin()
    db._app_engines[app] = {key: connection for key in engines}  # type: ignore[misc]
    factory_kw["join_transaction_mode"] = "create_savepoint"
    try:
        yield
    finally:
        del factory_kw["join_transaction_mode"]
        db._app_engines[app] = engines
        outer.rollback()
        connection.close()
        directory.init_app(app)
        pagecache.init_app(app)


def _commits(request: pytest.FixtureRequest, what: str) -> None:
    if not request.node.get_closest_marker("commits"):
        pytest.fail(f"{what} needs @pytest.mark.commits (its rows must be committed)")


@pytest.fixture
def second_worker(app: Flask, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """Another app on the same database, as another gunicorn worker would be (it sees only
    committed rows: the test is marked ``commits``)."""
    _commits(request, "second_worker")
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def check_page(html: str) -> BeautifulSoup:
    """Invariants every HTML page must hold (notifications-admin's client_request idea)."""
    soup = BeautifulSoup(html, "html5lib")
    root = soup.find("html")
    assert root is not None, "<html> needs a lang"
    assert root.get("lang"), "<html> needs a lang"
    assert root.get("dir") in ("ltr", "rtl"), "<html> needs a dir"
    title = soup.find("title")
    assert title is not None, "every page needs a title"
    assert title.get_text(strip=True), "every page needs a title"
    ids = [el["id"] for el in soup.find_all(id=True)]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert len(soup.find_all("h1")) == 1, "exactly one h1"
    for el in soup.select("[aria-describedby]"):
        for ref in str(el["aria-describedby"]).split():
            assert soup.find(id=ref), f"aria-describedby points to missing id {ref}"
    for label in soup.find_all("label", attrs={"for": True}):
        assert soup.find(id=label["for"]), f"label for missing id {label['for']}"
    for el in soup.find_all(["script", "link", "img"]):
        url = str(el.get("src") or el.get("href") or "")
        assert not url.startswith(("http:", "https:", "//")), f"third-party request: {url}"
    return soup


def one(node: Tag, selector: str) -> Tag:
    """The first element the CSS selector finds under node; the test fails if there is none."""
    found = node.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


@pytest.fixture
def fetch(client: FlaskClient) -> Callable[..., BeautifulSoup]:
    """GET a page, check its status and invariants, and return it parsed."""

    def get(url: str, status: int = 200, **kwargs: Any) -> BeautifulSoup:
        response = client.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code)
        assert response.mimetype == "text/html"
        return check_page(response.get_data(as_text=True))

    return get


@pytest.fixture(scope="module")
def notify() -> Iterator[Any]:
    """A fake GOV.UK Notify server for a module's app (``fake_notify.settings``)."""
    from tests.outbox.fake_notify import FakeNotify

    fake = FakeNotify().start()
    yield fake
    fake.stop()


# Staff fixtures (sign in as a demo role, make a referral) are used by several suites.
from tests.staff.conftest import make_referral, signed_in  # noqa: E402, F401
