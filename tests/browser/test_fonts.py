"""Fonts from the device, per script: the stack the CSS asks for and the face Chromium draws with.

The stacks are written out here from the issue (#14) and NHS.UK's fallback for Frutiger, not
read from the stylesheet. "Drawn with" is Chromium's own answer (CSS.getPlatformFontsForNode):
a face from the stack, or Liberation Sans, the metric twin Debian draws for Arial.
"""

from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader

from finder.policy import LANGUAGES
from tests.browser.test_bidi import FIXED_PAGES
from tests.conftest import ROOT

LATIN = ["Arial", "Helvetica", "sans-serif"]
STACKS = {
    "ar": ["Noto Naskh Arabic", "Segoe UI", "Tahoma", "Geeza Pro", "sans-serif"],
    "ur": [
        "Noto Nastaliq Urdu",
        "Jameel Noori Nastaleeq",
        "Urdu Typesetting",
        "Segoe UI",
        "Tahoma",
        "sans-serif",
    ],
    "bn": ["Noto Sans Bengali", "Nirmala UI", "Vrinda", "Bangla Sangam MN", "sans-serif"],
}
SCRIPTS = {"ar": r"\p{Script=Arabic}", "ur": r"\p{Script=Arabic}", "bn": r"\p{Script=Bengali}"}
# What Debian has for Arial (fonts-liberation): same widths, so layouts match Windows.
DEBIAN_FOR_ARIAL = {"Liberation Sans"}


def generic_sans_serif() -> set[str]:
    """The face this machine gives the generic ``sans-serif`` (fontconfig, as Chromium asks)."""
    found = subprocess.run(
        ["fc-match", "-f", "%{family}", "sans-serif"], capture_output=True, text=True, check=True
    )
    return {found.stdout.split(",")[0]}


SHOTS = ROOT / "test-results" / "screenshots"
PAGES = [*FIXED_PAGES, "/programmes/desmond", "/programmes/help-diabetes"]


def families(css_value: str) -> list[str]:
    return [name.strip().strip('"') for name in css_value.split(",")]


def drawn_with(page, selector: str) -> set[str]:
    """The faces Chromium used for the text of the first element matching ``selector``."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {font["familyName"] for font in fonts if font["glyphCount"] > 0}


BODY_TEXT = "main p, main li, main h1, main td"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_body_text_uses_the_scripts_stack_and_a_face_from_it(open_page, lang):
    stack = STACKS.get(lang, LATIN)
    page = open_page(f"/{lang}/")
    wrong = {}
    for path in PAGES:
        page.goto(page.url.split(f"/{lang}/")[0] + f"/{lang}{path}")
        # Each element's stack is its own language's (an explainer's staff words are English).
        asked = page.evaluate(
            """(s) => [...document.querySelectorAll(s)].map(e => [
                 e.closest("[lang]").lang.split("-")[0], getComputedStyle(e).fontFamily])""",
            BODY_TEXT,
        )
        assert any(own == lang for own, _value in asked), path
        if bad := {
            (own, value) for own, value in asked if families(value) != STACKS.get(own, LATIN)
        }:
            wrong[path] = f"asks for {bad}"
            continue
        # An element of the page's language whose own text is in its script (a course's name
        # may be in English; Chromium reports the faces of an element's own text nodes).
        probe = page.evaluate(
            """([lang, script]) => {
              const re = new RegExp(script, "u");
              const found = [...document.querySelectorAll(`main :is(h1, p, li, td):lang(${lang})`)]
                .find(e => [...e.childNodes].some(n => n.nodeType === 3 && re.test(n.nodeValue)));
              if (found) found.dataset.fontProbe = "";
              return Boolean(found);
            }""",
            [lang, SCRIPTS.get(lang, "[A-Za-z]")],
        )
        assert probe, path
        faces = drawn_with(page, "[data-font-probe]")
        # Latin letters and digits in another script's text come from the end of its stack.
        allowed = set(stack) | DEBIAN_FOR_ARIAL | generic_sans_serif()
        if not faces <= allowed or (stack != LATIN and stack[0] not in faces):
            wrong[path] = f"drawn with {faces}"
    assert not wrong, f"{lang}: {wrong}"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_text_in_another_language_gets_its_own_script(open_page, lang):
    """The switcher names each language in its own script and font."""
    page = open_page(f"/{lang}/")
    for code, stack in STACKS.items():
        if code == lang:
            continue
        selector = f'.app-language-switcher [lang="{code}"]'
        asked = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontFamily")
        assert families(asked) == stack, code
        assert drawn_with(page, selector) <= set(stack), code


@pytest.mark.parametrize("lang", ["bn", "ur", "ar"])
def test_lines_of_script_text_do_not_touch(open_page, lang):
    """Line height at least the face's own ascent plus descent (Nastaliq's is about 2.3 em)."""
    page = open_page(f"/{lang}/results?diabetes=type2")
    ratios = page.evaluate(
        """() => [...document.querySelectorAll("main p, .nhsuk-tag")].map(e => {
             const s = getComputedStyle(e);
             return [e.className, parseFloat(s.lineHeight) / parseFloat(s.fontSize)];
           })"""
    )
    least = {"ur": 1.9, "bn": 1.5, "ar": 1.4}[lang]
    tight = [(name, round(ratio, 2)) for name, ratio in ratios if ratio < least]
    assert not tight, tight


EXPLAINERS = [
    "/explainer",
    "/programmes/help-diabetes/explainer",
    "/programmes/desmond/explainer",
    "/programmes/dsmp/explainer",
    "/programmes/x-pert/explainer",
]


@pytest.mark.parametrize("lang", ["bn", "ur", "ar"])
@pytest.mark.parametrize("path", EXPLAINERS)
def test_explainers_print_on_one_a4_page_in_every_script(open_page, lang, path):
    page = open_page(f"/{lang}{path}")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"explainer-{lang}-{path.strip('/').replace('/', '-')}.pdf"
    (SHOTS / name).write_bytes(pdf)
    assert pages == 1, f"/{lang}{path} prints on {pages} pages"
