"""The app factory, its configuration and its database settings."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import request
from sqlalchemy import text

from finder import create_app
from finder.config import DEFAULT_SECRET_KEY, ConfigurationError
from finder.extensions import db
from tests.conftest import make_app
from tests.staff.conftest import csrf_token


@pytest.mark.parametrize("key", [None, "", DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"FINDER_ENV": "production", "SECRET_KEY": key, "FINDER_DEMO": False})


def test_production_refuses_demo_mode():
    with pytest.raises(ConfigurationError, match="Demo"):
        create_app({"FINDER_ENV": "production", "SECRET_KEY": "x" * 40, "FINDER_DEMO": True})


def test_production_starts_with_a_real_secret_key(tmp_path):
    app = create_app(
        {
            "FINDER_ENV": "production",
            "FINDER_BASE_URL": "https://finder.example.nhs.uk",
            "SECRET_KEY": "k" * 40,
            "FINDER_DEMO": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True  # production cookies are Secure
    assert app.config["FINDER_ENV"] == "production"


def test_configuration_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("FINDER_LONG_WAIT_DAYS", "21")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["FINDER_LONG_WAIT_DAYS"] == 21


def test_database_settings(app):
    """SQLite runs with WAL, FULL sync and foreign keys; PostgreSQL in UTF-8."""
    with app.app_context():
        run = db.session.execute
        if db.engine.dialect.name == "sqlite":
            assert run(text("PRAGMA journal_mode")).scalar() == "wal"
            assert run(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert run(text("PRAGMA foreign_keys")).scalar() == 1
        else:
            assert db.engine.dialect.driver == "psycopg"
            assert run(text("SHOW server_encoding")).scalar() == "UTF8"


def test_the_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path):
    """FINDER_PROXIES=1 (nginx in front): rate limits must count the client, not nginx."""
    seen = []
    for proxies in (0, 1):
        app = make_app(f"sqlite:///{tmp_path / 'proxy.db'}", FINDER_PROXIES=proxies)
        app.add_url_rule("/address", "address", lambda: seen.append(request.remote_addr) or "")
        app.test_client().get("/address", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["127.0.0.1", "203.0.113.7"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/en/staff/directory/runs/99999999999999999999"),
        ("POST", "/en/staff/directory/runs/9223372036854775808"),
        ("POST", "/en/staff/directory/runs/9223372036854775808/delete"),
        ("POST", "/en/staff/feedback/99999999999999999999"),
        ("GET", "/en/staff/directory/runs/2147483648"),
        ("POST", "/en/staff/feedback/2147483648"),
    ],
)
def test_a_row_id_wider_than_the_database_holds_is_not_found(signed_in, method, path):
    """S28 found these: SQLite cannot bind an integer over 2**63 - 1 (OverflowError), nor
    PostgreSQL one over 2**31 - 1 for an integer column ("integer out of range")."""
    client = signed_in("commissioner")
    data = {"csrf_token": csrf_token(client, "/en/staff/")}
    assert client.open(path, method=method, data=data).status_code == 404
