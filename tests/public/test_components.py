"""The NHS.UK components as finder.components loads them give the same pages as the upstream
package's own files (nhsuk-frontend-jinja, pinned): the same bytes, but for the blank lines
upstream's attribute macro leaves inside tags, which no browser sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from finder.components import ATTRIBUTES, ComponentLoader
from finder.extensions import db
from tests.conftest import make_app
from tests.staff.conftest import sign_in

ROOT = Path(__file__).resolve().parent.parent.parent
ANSWERS = "diabetes=type2&diagnosed=recent&daytime=no&evenings=yes&weekends=no&learning=group"
# Every public page (a test below checks that each public endpoint has one), in three
# languages: English, a right-to-left one and one with three plural forms.
PATHS = [
    "/",
    "/find/diabetes",
    *(f"/find/{name}?{ANSWERS}" for name in ("area", "computer", "language", "reading")),
    f"/find/group_worry?{ANSWERS}&group_worry=maybe",  # an error message
    f"/find/check?{ANSWERS}&computer=with_help&language=bn&companion=yes",
    "/find/check?diabetes=prediabetes",
    "/results",
    f"/results?{ANSWERS}&computer=confident&language=bn&reading=spoken&conditions=yes",
    "/results?diabetes=prediabetes",
    "/results?diabetes=type1&language=bn&daytime=no",
    "/programmes",
    "/programmes/desmond",
    "/programmes/help-diabetes",
    "/programmes/dsmp",
    "/explainer",
    "/programmes/desmond/explainer",
    "/accessibility",
    "/privacy",
    "/self-refer/desmond",
    "/feedback/desmond",
    "/feedback/desmond/done",
    "/my/not-a-real-token",  # a personal link that does not work: its friendly page
    "/my/not-a-real-token/calendar.ics",  # and its calendar file: not found
    "/staff/login",
    "/no-such-page",
]
LANGUAGES = ("en", "ar", "pl")
# What differs between two renders of the same page anyway: the CSP nonce, form tokens.
VARYING = re.compile(rb'(nonce="|name="csrf_token" value="|name="submission" value=")[^"]*"')


@pytest.fixture(scope="module")
def upstream(app: Flask) -> Iterator[Flask]:
    """Another app on the same database whose components come straight from the package."""
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    other.jinja_env.loader = ChoiceLoader(
        [FileSystemLoader(str(ROOT / "templates")), PackageLoader("nhsuk_frontend_jinja")]
    )
    yield other
    with other.app_context():
        db.engine.dispose()


def parsed(body: bytes) -> str:
    """The page as a browser's parser builds it, written out again: every element, attribute
    (in order, with its value) and text node as it was, whitespace inside tags gone."""
    return BeautifulSoup(VARYING.sub(rb"\1", body).decode(), "html5lib").decode()


def same_page(ours: FlaskClient, theirs: FlaskClient, url: str) -> None:
    mine, upstream = ours.get(url), theirs.get(url)
    assert mine.status_code == upstream.status_code, url
    assert parsed(mine.get_data()) == parsed(upstream.get_data()), url


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_is_the_same_byte_for_byte(app, upstream, lang):
    ours, theirs = app.test_client(), upstream.test_client()
    for path in PATHS:
        same_page(ours, theirs, f"/{lang}{path}")


@pytest.mark.commits  # both apps sign in (write) on the same database
def test_staff_pages_are_the_same_byte_for_byte(app, upstream):
    ours, theirs = (
        sign_in(app.test_client(), "clinician"),
        sign_in(upstream.test_client(), "clinician"),
    )
    for url in (
        "/en/staff/",
        "/en/staff/consult?diabetes=type2&daytime=no&group_worry=yes&language=bn",
        "/en/staff/referrals",
    ):
        same_page(ours, theirs, url)


def test_the_pages_compared_cover_every_public_page(app):
    covered = set()
    adapter = app.url_map.bind("localhost")
    for path in PATHS:
        try:
            rule, _args = adapter.match(f"/en{path.split('?')[0]}", return_rule=True)
        except NotFound:
            continue
        covered.add(rule.endpoint)
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and getattr(app.view_functions[rule.endpoint], "access", None) == ("public",)
        and rule.endpoint.startswith("public.")
        # redirects
        and rule.endpoint not in ("public.find", "public.self_refer_done", "public.short_link")
    }
    assert pages <= covered, pages - covered


def test_every_component_of_the_package_is_written_in():
    """A new upstream version with another shape would quietly lose the gain: it fails here."""
    package = PackageLoader("nhsuk_frontend_jinja")
    env = Environment(loader=package, autoescape=True)
    macros = [
        n for n in package.list_templates() if re.fullmatch(r"nhsuk/components/.+/macro\.jinja", n)
    ]
    assert len(macros) > 40
    for name in macros:
        source = ComponentLoader().get_source(env, name)[0]
        assert not re.search(r"\{%-?\s*include", source), name


# Every shape of argument the components give the attribute helper, and the odd ones upstream
# documents (arrays, values marked safe, booleans, optional attributes).
ATTRIBUTE_CASES = [
    None,
    "",
    ' data-x="1"',
    Markup(' data-safe="a&amp;b"'),
    {},
    {"class": "nhsuk-button", "id": {"value": None, "optional": True}},
    {"id": {"value": "save", "optional": True}, "name": {"value": "", "optional": True}},
    {"disabled": {"value": True, "optional": True}, "aria-disabled": {"value": True}},
    {"hidden": {"value": False, "optional": True}, "draggable": False, "tabindex": 0},
    {"data-text": 'say "hi" & <go>', "title": "it's"},
    {"data-html": Markup('<b title="x">'), "data-plain": Markup("plain")},
    {"data-list": {"value": ["a", "<b>", "c'd", "e&f"], "type": "array"}},
    {"first": 1, "data-list": {"value": [1, 2], "type": "array"}},
    {"aria-label": {"value": None}, "data-empty": {"value": ""}, "data-missing": {}},
    {"flag": True, "data-list": {"value": ["x"], "type": "array", "optional": True}},
]


@pytest.mark.parametrize("given", ATTRIBUTE_CASES, ids=range(len(ATTRIBUTE_CASES)))
def test_the_attribute_helper_gives_what_upstreams_macro_gives(app, given):
    """The oracle is the package's own macro, rendered by Jinja with the app's filters."""
    call = f'{{% from "{ATTRIBUTES}" import nhsukAttributes %}}<p{{{{ nhsukAttributes(given) }}}}>'
    upstream = app.jinja_env.overlay(loader=PackageLoader("nhsuk_frontend_jinja"))
    theirs = upstream.from_string(call).render(given=given)
    ours = app.jinja_env.from_string(call).render(given=given)
    # Upstream's blank lines before the first attribute gone, and nothing else.
    rest = theirs[2:].lstrip()
    assert ours == "<p" + (rest if rest.startswith(">") else " " + rest), given
    assert parsed(ours.encode()) == parsed(theirs.encode())
