"""axe-core (bundled by axe-playwright-python, offline) on every public page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from finder.policy import LANGUAGES
from tests.public.test_pages import PUBLIC_PAGES

PAGES = [
    *PUBLIC_PAGES,
    "/en/results?diabetes=type7",  # a question asked again with an error
    "/en/no-such-page",
]


# In the other languages: one page of each kind.
LANGUAGE_PAGES = [
    "/en/",
    "/en/find/language",
    "/en/find/check?diabetes=type2&language=bn",
    "/en/results?diabetes=type1&daytime=no&language=bn",
    "/en/programmes",
    "/en/programmes/desmond",
    "/en/results?diabetes=type7",
]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_nothing(open_page, axe, path):
    page = open_page(path)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
@pytest.mark.parametrize("path", [p.removeprefix("/en") for p in LANGUAGE_PAGES])
def test_axe_finds_nothing_in_any_language(open_page, axe, lang, path):
    page = open_page(f"/{lang}{path}")
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
