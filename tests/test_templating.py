"""The plain-string indent filter gives what Jinja's own gives (Jinja's is the oracle)."""

from __future__ import annotations

import itertools

import pytest
from jinja2.filters import do_indent
from markupsafe import Markup

from finder.templating import indent

TEXTS = [
    "",
    "one line",
    "a\nb",
    "a\n\nb\n",
    "\n\nlead and trail\n\n",
    "windows\r\nlines\rand\x0bothers\u2028too",
    '<p class="x">Tom & "Jerry"</p>\n  <b>bold</b>',
]


@pytest.mark.parametrize(
    ("text", "width", "first", "blank"),
    list(itertools.product(TEXTS, (0, 2, 4, "\t", "<>"), (False, True), (False, True))),
)
def test_indent_is_jinjas_indent(text, width, first, blank):
    for given in (text, Markup(text)):  # noqa: S704 - test input
        ours, jinjas = indent(given, width, first, blank), do_indent(given, width, first, blank)
        assert ours == jinjas
        assert type(ours) is type(jinjas)


def test_the_app_uses_it(app):
    assert app.jinja_env.filters["indent"] is indent


def test_gettext_bound_per_request_gives_flask_babels_pages_in_every_language(app):
    """Templates' gettext bound once per request (finder/templating.py) against Flask-Babel's
    own callables (what a template gets without the binding): the same bytes."""
    from finder.extensions import db
    from finder.i18n import supported
    from tests.conftest import make_app
    from tests.public.test_components import PATHS, VARYING

    babels = make_app(app.config["SQLALCHEMY_DATABASE_URI"])

    def unbound(processor):
        def context():
            found = processor()
            found.pop("gettext", None)
            found.pop("ngettext", None)
            return found

        return context

    processors = babels.template_context_processors[None]
    processors[:] = [unbound(p) if p.__name__ == "page_context" else p for p in processors]
    try:
        with app.app_context():
            languages = supported()
        for lang in languages:
            ours, theirs = app.test_client(), babels.test_client()
            for path in PATHS[:12]:
                url = f"/{lang}{path}"
                mine, flask_babels = ours.get(url).get_data(), theirs.get(url).get_data()
                assert VARYING.sub(rb"\1", mine) == VARYING.sub(rb"\1", flask_babels), url
    finally:
        with babels.app_context():
            db.engine.dispose()
