"""Screenshots in English, Arabic, Urdu and Bengali, and checks that right-to-left pages mirror.

The PNGs land in test-results/screenshots/ for a person to look at; the assertions check the
geometry a person would look for: on a right-to-left page the back link, the radio buttons,
the logo and the bullets sit on the right.
"""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

SHOTS = ROOT / "test-results" / "screenshots"
PAGES = {
    "start": "/",
    "question": "/find/learning?diabetes=type2",
    "results": "/results?diabetes=type1&daytime=no&companion=yes",
    "programme": "/programmes/desmond",
}
WIDTH = 390  # an ordinary phone


def box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("lang", ["en", "ar", "ur", "bn"])
@pytest.mark.parametrize("name", list(PAGES))
def test_screenshot(open_page, lang, name):
    page = open_page(f"/{lang}{PAGES[name]}", viewport={"width": WIDTH, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{lang}-{name}.png"), full_page=True)
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def is_right(b):
    return b["x"] + b["width"] / 2 > WIDTH / 2


@pytest.mark.parametrize("lang", ["ar", "ur"])
def test_right_to_left_pages_are_mirrored(open_page, lang):
    viewport = {"width": WIDTH, "height": 900}
    page = open_page(f"/{lang}{PAGES['question']}", viewport=viewport)
    assert is_right(box(page, ".nhsuk-back-link"))
    assert is_right(box(page, ".nhsuk-header__logo"))
    radio = box(page, ".nhsuk-radios__item .nhsuk-radios__input")
    label = box(page, ".nhsuk-radios__item .nhsuk-radios__label")
    assert radio["x"] > label["x"], "the radio button is to the right of its label"
    assert is_right(box(page, ".app-language-switcher li"))

    page = open_page(f"/{lang}{PAGES['results']}", viewport=viewport)
    card = box(page, ".app-option")
    bullet = box(page, ".app-reasons li")
    assert bullet["x"] + bullet["width"] <= card["x"] + card["width"]
    heading = box(page, ".app-option h2")
    assert heading["x"] + heading["width"] > card["x"] + card["width"] - 40, "text starts right"

    page = open_page(f"/{lang}/find/check?diabetes=type2", viewport={"width": 1000, "height": 900})
    key = box(page, ".nhsuk-summary-list__key")
    action = box(page, ".nhsuk-summary-list__actions")
    assert key["x"] > action["x"], "the question is on the right, the change link on the left"


def test_left_to_right_pages_are_not_mirrored(open_page):
    page = open_page(f"/en{PAGES['question']}", viewport={"width": WIDTH, "height": 900})
    assert not is_right(box(page, ".nhsuk-back-link"))
    radio = box(page, ".nhsuk-radios__item .nhsuk-radios__input")
    label = box(page, ".nhsuk-radios__item .nhsuk-radios__label")
    assert radio["x"] < label["x"]
