"""Diabetes Education Finder: the Flask application factory."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, has_request_context, request, session
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from finder import config as configuration
from finder.extensions import babel, compress, csrf, db, login_manager, migrate


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy issue BEGIN itself (pysqlite's own handling is wrong for us; see
    # SQLAlchemy's "Serializable isolation / Savepoints / Transactional DDL" notes).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# An execution option for connections that only read (see _sqlite_on_begin).
READS_ONLY = "finder_reads_only"


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn: Any) -> None:
    if conn.dialect.name != "sqlite":
        return
    # A request that may write takes the write lock at the start: a deferred transaction that
    # reads first and then writes cannot wait for another writer (SQLITE_BUSY_SNAPSHOT), so
    # concurrent writers would fail with "database is locked". Reads stay unblocked (WAL).
    # Staff pages write an audit row even on GET, so they count as writers. Outside a request
    # (commands, tests) transactions stay deferred.
    # A connection opened only to read (the directory copy) never takes the lock: it would wait
    # for its own request's writing connection.
    writing = (
        has_request_context()
        and not conn.get_execution_options().get(READS_ONLY)
        and (
            request.method not in ("GET", "HEAD", "OPTIONS")
            or request.blueprint in ("staff", "commissioning")
        )
    )
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    root = configuration.ROOT
    app = Flask(__name__, static_folder=None, instance_path=str(root / "instance"))
    app.config.update(configuration.from_environment())
    app.config.update(config or {})
    configuration.settle(app.config)
    configuration.check(app.config)
    if app.config["FINDER_PROXIES"]:
        # Behind nginx or a load balancer: the client's address is in X-Forwarded-For, put
        # there by that many trusted proxies (rate limits count per client address).
        proxies = app.config["FINDER_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    # nhsuk-frontend-jinja needs ChainableUndefined; set before Babel so its extension is kept.
    app.jinja_options = {
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [FileSystemLoader(str(root / "templates")), PackageLoader("nhsuk_frontend_jinja")]
        ),
        "autoescape": True,
        "extensions": ["jinja2.ext.do"],
    }
    from finder import i18n

    i18n.check_catalogues(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    compress.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        from finder.models import User

        user = db.session.get(User, int(user_id))
        # A session from before sign-out, a password change or disabling is no longer valid.
        if user is None or not user.active or session.get("epoch") != user.session_epoch:
            return None
        return user

    from finder import (
        api,
        cli,
        commissioning,
        core,
        directory,
        errors,
        limits,
        logs,
        pagecache,
        public,
        security,
        staff,
        templating,
    )

    app.url_map.converters["int"] = limits.DatabaseInteger
    app.register_blueprint(core.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(commissioning.bp)
    logs.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    directory.init_app(app)
    pagecache.init_app(app)
    cli.init_app(app)
    return app
