"""Right-to-left pages keep English names whole: every multi-word Latin phrase (a programme or
venue name, a reference, an address) is isolated in <bdi> or dir="auto", so the Unicode
bidirectional algorithm cannot scatter its words and brackets across an Arabic sentence."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder.extensions import db
from finder.models import Programme

RTL = ("ar", "ur")
FIXED_PAGES = [
    "/",
    "/find/diabetes",
    "/find/language",
    "/find/learning?diabetes=type2",
    "/find/check?diabetes=type2&daytime=no&language=bn",
    "/results?diabetes=type2&daytime=no&computer=with_help&language=bn&companion=yes",
    "/results?diabetes=type1&group_worry=yes&learning=own_pace&reading=spoken",
    "/results?diabetes=type2",
    "/programmes",
    "/accessibility",
    "/privacy",
    "/explainer",
]

# For each text node that holds a multi-word Latin phrase: the node itself mixes it with
# Arabic script, or it shares its block (paragraph, heading, list item, cell...) with Arabic
# script (outside isolated elements) and no element between the two isolates it. Returns what it found.
FIND_MIXED = r"""
() => {
  const arabic = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;
  const phrase = /[A-Za-z][\w'’.-]*(?:[\s,()&:\/-]+[A-Za-z][\w'’.-]*)+/;
  const isolates = (el) => el.localName === "bdi" || el.localName === "input" ||
    el.localName === "textarea" || el.hasAttribute("dir");
  const block = (el) => {
    while (el && el !== document.body) {
      const display = getComputedStyle(el).display;
      if (!display.startsWith("inline")) return el;
      el = el.parentElement;
    }
    return document.body;
  };
  // A block's text outside isolated elements: what shares the bidi paragraph with the phrase.
  const openText = (container) => {
    let text = "";
    const inner = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    for (let n = inner.nextNode(); n; n = inner.nextNode()) {
      let open = true;
      for (let el = n.parentElement; el && el !== container; el = el.parentElement) {
        if (isolates(el)) { open = false; break; }
      }
      if (open) text += n.nodeValue;
    }
    return text;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const parent = node.parentElement;
    if (!text || !phrase.test(text) || parent.closest("script, style, [hidden]")) continue;
    if (!parent.checkVisibility()) continue;
    if (arabic.test(text)) { found.push(text); continue; }
    const container = block(parent);
    let isolated = false;
    for (let el = parent; el && el !== container; el = el.parentElement) {
      if (isolates(el)) { isolated = true; break; }
    }
    if (!isolated && isolates(container)) isolated = container !== document.body;
    if (!isolated && arabic.test(openText(container))) {
      found.push(`${text}  [in ${container.localName}: ${container.textContent.trim().slice(0, 80)}]`);
    }
  }
  return found;
}
"""


def slugs(app) -> tuple[list[str], list[str]]:
    with app.app_context():
        programmes = db.session.scalars(select(Programme)).all()
        return (
            sorted(p.slug for p in programmes),
            sorted(p.slug for p in programmes if p.self_referral),
        )


def pages(app) -> list[str]:
    every, self_referral = slugs(app)
    return [
        *FIXED_PAGES,
        *(f"/programmes/{slug}" for slug in every),
        *(f"/programmes/{slug}/explainer" for slug in every),
        *(f"/feedback/{slug}" for slug in every),
        *(f"/self-refer/{slug}?diabetes=type2" for slug in self_referral),
    ]


@pytest.mark.parametrize("lang", RTL)
def test_no_latin_phrase_is_left_to_the_bidi_algorithm(app, open_page, lang):
    page = open_page(f"/{lang}/")
    mixed: dict[str, list[str]] = {}
    for path in pages(app):
        response = page.goto(page.url.split(f"/{lang}/")[0] + f"/{lang}{path}")
        assert response is not None
        if response.status == 404:
            continue  # a programme not shown to the public has no page of its own
        assert response.ok, path
        if found := page.evaluate(FIND_MIXED):
            mixed[path] = found
    assert not mixed, "\n".join(f"/{lang}{path}: {texts}" for path, texts in mixed.items())


def test_the_check_finds_a_mixed_sentence(open_page):
    """The check itself can fail: an English name put straight into an Arabic sentence."""
    page = open_page("/ar/")
    page.evaluate(
        """() => {
      const p = document.createElement("p");
      p.textContent = "مرحبا (Healthy Living, HeLP-Diabetes) مرحبا";
      const q = document.createElement("p");
      q.innerHTML = "مرحبا <strong>Canal Health Centre</strong> <bdi>Not This One</bdi>";
      document.querySelector("main").append(p, q);
    }"""
    )
    found = page.evaluate(FIND_MIXED)
    assert any("Healthy Living" in text for text in found)
    assert any(text.startswith("Canal Health Centre") for text in found)
    assert not any(text.startswith("Not This One") for text in found)
