"""Pieces of public pages kept rendered (the header and footer, each results card): a page
made from kept pieces is the page rendered afresh, for every person, language and change."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from finder import pagecache
from finder.extensions import db
from tests.conftest import check_page, make_app, one
from tests.public.test_page_cache import desmond_renamed

# Answers that give some cards alike and some not, in three languages (one right to left).
ANSWERS = [
    "&".join(f"{name}={value}" for name, value in combination if value)
    for combination in itertools.product(
        [("diabetes", "type2")],
        [("daytime", "yes"), ("daytime", "no")],
        [("evenings", "yes"), ("evenings", "")],
        [("computer", "confident"), ("computer", "no")],
        [("language", "bn"), ("language", "")],
        [("area", ""), ("area", "camden")],
    )
] + ["diabetes=unsure", "diabetes=type1&daytime=no", "diabetes=type2&group_worry=yes"]


@pytest.fixture(scope="module")
def fresh(app: Flask) -> Iterator[Flask]:
    """Another app on the same database that keeps no piece and no page."""
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], FINDER_PAGE_CACHE_BYTES=0)
    other.extensions["finder_fragments"] = pagecache.Store(0, len)
    yield other
    with other.app_context():
        db.engine.dispose()


def visitor(app: Flask) -> FlaskClient:
    """A visitor with something in their session: their pages are rendered, never kept whole,
    so each one is made of pieces."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["seen"] = 1
    return client


@pytest.mark.parametrize("lang", ["en", "bn", "ar"])
def test_results_made_of_kept_cards_are_the_results_rendered_afresh(app, fresh, lang):
    ours, theirs = visitor(app), visitor(fresh)
    with app.app_context():
        store = pagecache.fragments()
    rendered, cards = store.misses, 0
    for answers in ANSWERS:
        url = f"/{lang}/results?{answers}"
        mine = ours.get(url)
        assert mine.status_code == 200, url
        assert mine.get_data(as_text=True) == theirs.get(url).get_data(as_text=True), url
        cards += len(check_page(mine.get_data(as_text=True)).select(".app-option"))
    # Cards were shared between people with different answers: fewer pieces were rendered
    # (header, footer and the rest included) than cards were shown.
    assert store.misses - rendered < cards / 2, (store.misses - rendered, cards)


def test_each_card_links_with_the_answers_of_the_page_it_is_on(app):
    client = visitor(app)
    for answers in ANSWERS[:8]:
        page = check_page(client.get(f"/en/results?{answers}").get_data(as_text=True))
        links = [a["href"] for a in page.select(".app-option a[href*='/self-refer/']")]
        assert links, answers
        for href in links:
            assert dict(parse_qsl(urlsplit(str(href)).query)) == dict(parse_qsl(answers)), href


def test_a_directory_change_shows_on_the_cards_at_once(app):
    client = visitor(app)
    url = "/en/results?diabetes=type2&daytime=yes"
    assert "Kept card renamed" not in client.get(url).get_data(as_text=True)
    with desmond_renamed(app, "Kept card renamed"):
        page = check_page(client.get(url).get_data(as_text=True))
        assert "Kept card renamed" in one(page, "[data-programme=desmond] h2").get_text()
    assert "Kept card renamed" not in client.get(url).get_data(as_text=True)


def test_signed_in_staff_get_every_piece_rendered_afresh(app, signed_in):
    staff = signed_in("clinician")
    with app.app_context():
        store = pagecache.fragments()
    hits, misses = store.hits, store.misses
    for _ in range(2):
        page = check_page(staff.get("/en/results?diabetes=type2").get_data(as_text=True))
        assert page.select(".app-option")
        assert page.select_one("header nav"), "their own header, with the staff menu"
    assert (store.hits, store.misses) == (hits, misses)


def test_the_header_and_footer_are_each_languages_own(app):
    client = visitor(app)
    for lang, other in (("en", "bn"), ("bn", "en"), ("ar", "pl")):
        page = check_page(client.get(f"/{lang}/").get_data(as_text=True))
        fresh = check_page(client.get(f"/{other}/").get_data(as_text=True))
        assert one(page, "header").get_text() != one(fresh, "header").get_text()
        assert str(one(page, "footer a")["href"]).startswith(f"/{lang}/")
