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


def test_the_pages_the_warm_up_keeps_are_the_pages_each_language_gets(app):
    """The warm-up's pages are kept and served as they are: each must be what a worker that
    never warmed up renders for that language (it once kept English for every language)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    warmed, cold = make_app(uri), make_app(uri, FINDER_PAGE_CACHE_BYTES=0)
    try:
        warmup.warm(warmed)
        hits = warmed.extensions["finder_pages"].hits
        for lang in ("en", "bn", "ar", "tr"):
            for page in warmup.public_pages("desmond"):
                url = f"/{lang}{page}"
                served = warmed.test_client().get(url).get_data(as_text=True)
                assert served == cold.test_client().get(url).get_data(as_text=True), url
        assert warmed.extensions["finder_pages"].hits > hits, "served as kept"
    finally:
        for each in (warmed, cold):
            with each.app_context():
                db.engine.dispose()
