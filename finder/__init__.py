"""Diabetes Education Finder: the Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, session
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from finder import (
    components,
    database,  # noqa: F401 - the engine hooks
)
from finder import config as configuration
from finder.extensions import babel, compress, csrf, db, login_manager, migrate
from finder.referrals import search  # noqa: F401 - name search terms follow each save


def create_app(config: dict[str, Any] | None = None) -> Flask:
    root = configuration.ROOT
    app = Flask(__name__, static_folder=None, instance_path=str(root / "instance"))
    app.config.update(configuration.flask_config(config))
    if app.config["FINDER_PROXIES"]:
        # Behind nginx or a load balancer: the client's address is in X-Forwarded-For, put
        # there by that many trusted proxies (rate limits count per client address).
        proxies = app.config["FINDER_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    app.jinja_environment = components.FlatEnvironment
    # nhsuk-frontend-jinja needs ChainableUndefined; set before Babel so its extension is kept.
    app.jinja_options = {
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [FileSystemLoader(str(root / "templates")), components.ComponentLoader()]
        ),
        "autoescape": True,
        "extensions": ["jinja2.ext.do"],
    }
    from finder import i18n

    i18n.check_catalogues(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    babel.domain_instance = i18n.Catalogues(domain=app.config["BABEL_DOMAIN"])
    csrf.init_app(app)
    login_manager.init_app(app)
    compress.init_app(app)

    @login_manager.user_loader  # type: ignore[untyped-decorator]  # Flask-Login is untyped
    def load_user(user_id: str) -> Any:
        from finder.models import User

        user = db.session.get(User, int(user_id))
        # A session from before sign-out, a password change or disabling is no longer valid.
        if user is None or not user.active or session.get("epoch") != user.session_epoch:
            return None
        return user

    from finder import (
        admin,
        api,
        cli,
        commissioning,
        core,
        directory,
        errors,
        jobs,
        limits,
        logs,
        openreferral,
        outbox,
        pagecache,
        providers,
        public,
        security,
        staff,
        templating,
    )

    app.url_map.converters["int"] = limits.DatabaseInteger
    app.register_blueprint(core.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(openreferral.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(commissioning.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(outbox.bp)
    app.register_blueprint(providers.bp)
    logs.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    directory.init_app(app)
    pagecache.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    return app
