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
