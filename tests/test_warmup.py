"""The master's warm-up (gunicorn.conf.py): every template compiled, every language loaded."""

from __future__ import annotations

from finder import i18n, warmup
from finder.extensions import db
from tests.conftest import make_app


def test_warm_up_compiles_every_template_and_renders_each_language(app):
    fresh = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with fresh.app_context():
            languages = len(i18n.supported())
        rendered = warmup.warm(fresh)
        assert rendered == languages * len(warmup.public_pages("desmond"))
        cache = fresh.jinja_env.cache
        assert cache is not None, "Jinja caches compiled templates"
        compiled = {name for _loader, name in cache}
        templates = set(fresh.jinja_env.list_templates(extensions=["jinja"]))
        assert templates <= compiled, sorted(templates - compiled)[:5]
    finally:
        with fresh.app_context():
            db.engine.dispose()
