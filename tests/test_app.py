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


@pytest.mark.commits  # the engine's own connection, as Alembic uses it
def test_the_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path):
    """FINDER_PROXIES=1 (nginx in front): rate limits must count the client, not nginx."""
    seen = []
    for proxies in (0, 1):
        app = make_app(f"sqlite:///{tmp_path / 'proxy.db'}", FINDER_PROXIES=proxies)

        def address() -> str:
            seen.append(request.remote_addr)
            return ""

        app.add_url_rule("/address", "address", address)
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


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("FINDER_PROXIES", "abc", "Input should be a valid integer"),
        ("FINDER_PAGE_CACHE_BYTES", "-1", "Input should be greater than or equal to 0"),
        # An unknown word is refused, not read as off: a typo must not turn a safeguard off.
        ("FINDER_DEMO", "maybe", "Input should be a valid boolean"),
        ("FINDER_REQUIRE_MFA", "ture", "Input should be a valid boolean"),
        ("FINDER_RETENTION_DAYS", "30", "30 days is under the floor of 2922 days"),
        ("FINDER_ENV", "staging", "Input should be 'development' or 'production'"),
        ("FINDER_DIRECTORY_CHECK_SECONDS", "x", "Input should be a valid number"),
        ("FINDER_MAX_REQUEST_BYTES", "1MB", "Input should be a valid integer"),
    ],
)
def test_a_wrong_setting_stops_the_app_naming_the_variable(monkeypatch, variable, value, problem):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    assert str(refused.value).startswith(f"{variable}: {problem}")


def test_every_wrong_setting_is_named_at_once_and_no_value_is_shown(monkeypatch):
    monkeypatch.setenv("FINDER_PROXIES", "abc")
    monkeypatch.setenv("FINDER_STALE_MONTHS", "-3")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://finder:hunter2@db/finder")
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    message = str(refused.value)
    assert "FINDER_PROXIES: " in message
    assert "FINDER_STALE_MONTHS: " in message
    assert "abc" not in message
    assert "hunter2" not in message


def test_an_override_is_checked_as_the_environment_is(monkeypatch, tmp_path):
    monkeypatch.setenv("FINDER_PROXIES", "abc")  # the override wins, so this is never read
    with pytest.raises(ConfigurationError) as refused:
        make_app(f"sqlite:///{tmp_path / 'x.db'}", FINDER_PROXIES=0, FINDER_LONG_WAIT_DAYS=-1)
    assert str(refused.value) == "FINDER_LONG_WAIT_DAYS: Input should be greater than or equal to 0"


def test_settings_are_read_into_their_types(monkeypatch, tmp_path):
    for variable, value in {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'typed.db'}",
        "FINDER_DEMO": "no",
        "FINDER_REQUIRE_MFA": "On",
        "FINDER_PROXIES": "2",
        "FINDER_PAGE_CACHE_BYTES": "0",
        "FINDER_DIRECTORY_CHECK_SECONDS": "0.25",
        "FINDER_RETENTION_DAYS": "3000",
        "FINDER_MAX_REQUEST_BYTES": "2048",
        "FINDER_TRUSTED_HOSTS": " a.example ,b.example,, ",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///not-our-variable.db",
    }.items():
        monkeypatch.setenv(variable, value)
    config = create_app().config
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'typed.db'}"
    assert config["FINDER_DEMO"] is False
    assert config["FINDER_REQUIRE_MFA"] is True
    assert config["FINDER_PROXIES"] == 2
    assert config["FINDER_PAGE_CACHE_BYTES"] == 0
    assert config["FINDER_DIRECTORY_CHECK_SECONDS"] == 0.25
    assert config["FINDER_RETENTION_DAYS"] == 3000
    assert config["MAX_CONTENT_LENGTH"] == 2048
    assert config["TRUSTED_HOSTS"] == ["a.example", "b.example"]
    assert config["FINDER_ENV"] == "development"
    assert config["FINDER_LONG_WAIT_DAYS"] == 42  # unset: the default


def test_unset_settings_follow_from_the_others(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unset.db'}")
    for variable in ("FINDER_DEMO", "FINDER_REQUIRE_MFA", "FINDER_BASE_URL", "FINDER_ENV"):
        monkeypatch.delenv(variable, raising=False)
    config = create_app().config
    assert config["FINDER_DEMO"] is True  # on, except in production
    assert config["FINDER_REQUIRE_MFA"] is False  # on, except in demo mode
    assert config["FINDER_BASE_URL"] == "http://127.0.0.1:8000"
    assert config["FINDER_RETENTION_DAYS"] == 2922
