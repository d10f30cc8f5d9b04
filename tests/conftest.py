"""Fixtures: the app on a migrated, seeded database; a client that checks every page it fetches.

Set FINDER_TEST_DATABASE_URL to run against PostgreSQL. Set FINDER_REQUIRE_SUITES=1 (CI does)
to turn every skip into a failure: a suite that cannot run there is a broken suite.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from finder import create_app
from finder.extensions import db
from finder.seeding import seed

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SUITES = os.environ.get("FINDER_REQUIRE_SUITES") == "1"
POSTGRES_URL = os.environ.get("FINDER_TEST_DATABASE_URL")


def skip_or_fail(reason: str) -> None:
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
    """Every record the app logs during the whole run, formatted as production formats it."""

    lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        from finder.logs import JsonFormatter

        if record.name.startswith("finder"):
            self.lines.append(JsonFormatter().format(record))


@pytest.fixture(scope="session", autouse=True)
def collect_app_logs() -> Iterator[None]:
    # On the root logger: the app replaces its own logger's handlers each time it is made.
    collector = LogCollector()
    logging.getLogger().addHandler(collector)
    yield
    logging.getLogger().removeHandler(collector)


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
        seed(ROOT / "seeds", dt.date.today(), demo=True, demo_password="test-password")
    return app


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
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        try:
            engine.connect().close()
        except Exception as exc:  # any failure to connect means "not available"
            skip_or_fail(f"PostgreSQL at {POSTGRES_URL} is not available: {exc}")
        finally:
            engine.dispose()
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'finder.db'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = migrated_app(database_url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def second_worker(app: Flask) -> Iterator[Flask]:
    """Another app on the same database, as another gunicorn worker would be."""
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
    assert root is not None and root.get("lang"), "<html> needs a lang"
    assert root.get("dir") in ("ltr", "rtl"), "<html> needs a dir"
    title = soup.find("title")
    assert title is not None and title.get_text(strip=True), "every page needs a title"
    ids = [el["id"] for el in soup.find_all(id=True)]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert len(soup.find_all("h1")) == 1, "exactly one h1"
    for el in soup.find_all(attrs={"aria-describedby": True}):
        for ref in el["aria-describedby"].split():
            assert soup.find(id=ref), f"aria-describedby points to missing id {ref}"
    for label in soup.find_all("label", attrs={"for": True}):
        assert soup.find(id=label["for"]), f"label for missing id {label['for']}"
    for el in soup.find_all(["script", "link", "img"]):
        url = el.get("src") or el.get("href") or ""
        assert not url.startswith(("http:", "https:", "//")), f"third-party request: {url}"
    return soup


@pytest.fixture
def fetch(client: FlaskClient) -> Callable[..., BeautifulSoup]:
    """GET a page, check its status and invariants, and return it parsed."""

    def get(url: str, status: int = 200, **kwargs: Any) -> BeautifulSoup:
        response = client.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code)
        assert response.mimetype == "text/html"
        return check_page(response.get_data(as_text=True))

    return get


# Staff fixtures (sign in as a demo role, make a referral) are used by several suites.
from tests.staff.conftest import make_referral, signed_in  # noqa: E402, F401
