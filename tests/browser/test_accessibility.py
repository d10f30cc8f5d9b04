"""axe-core (bundled by axe-playwright-python, offline) on every public page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.public.test_pages import PUBLIC_PAGES

PAGES = [
    *PUBLIC_PAGES,
    "/en/results?diabetes=type7",  # a question asked again with an error
    "/en/no-such-page",
]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_nothing(open_page, axe, path):
    page = open_page(path)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
