"""Warm a worker before it serves anyone: compile every template, render every public page in
every language, so a person's first request costs what any other does.

gunicorn.conf.py calls this in the master process (the app is preloaded there) before forking
the workers; each worker then starts with the compiled templates, the loaded catalogues and
Babel's locale data, the directory snapshot and the kept pages already in its memory, shared
copy-on-write. A first request used to spend 0.35 to 0.7 s compiling templates.
"""

from __future__ import annotations

import logging

from flask import Flask

from finder import directory, i18n
from finder.extensions import db

log = logging.getLogger(__name__)

ANSWERS = "diabetes=type2&daytime=no&evenings=yes&computer=with_help&language=bn&companion=yes"


def public_pages(slug: str | None) -> list[str]:
    """A page of each public template with the most words (templates compile once for every
    language; each language's catalogue and Babel data load on its first page), without the
    language prefix."""
    pages = [
        "/",
        f"/find/daytime?{ANSWERS}&daytime=maybe",  # a question, with its error message
        f"/find/check?{ANSWERS}",
        f"/results?{ANSWERS}",
        "/programmes",
    ]
    return [*pages, f"/programmes/{slug}"] if slug else pages


def warm(app: Flask) -> int:
    """Compile every template and render each public page in each language; the number of
    pages rendered. Closes the database connections it opened (they must not cross a fork)."""
    for name in app.jinja_env.list_templates(extensions=["jinja"]):
        app.jinja_env.get_template(name)
    rendered = 0
    try:
        with app.app_context():
            shown = directory.shown_programmes()
            slug = next(
                (p.slug for p in shown if p.self_referral), shown[0].slug if shown else None
            )
            languages = i18n.supported()
        # Each request outside that context, so each has its own, as when serving: inside it,
        # every request shared one `g`, and Flask-Babel keeps the locale there, so the pages
        # kept for every language were rendered in the first one's (English).
        client = app.test_client()
        for lang in languages:
            for page in public_pages(slug):
                client.get(f"/{lang}{page}", headers={"Accept-Encoding": "gzip"})
                rendered += 1
    except Exception:  # a database not there yet: the workers warm as they serve
        log.exception("warm-up stopped after %d pages", rendered)
    finally:
        with app.app_context():
            db.engine.dispose()
    return rendered
