"""Plural forms at run time, in every language and both gettext domains.

The oracle is CLDR through Babel, not the app's gettext objects: for a language, the catalogue
holds one form per CLDR category that whole numbers can take, in CLDR's order (zero, one, two,
few, many, other), so the form for ``n`` is the index of ``Locale.plural_form(n)`` among them.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask, g, render_template_string
from flask_babel import ngettext

from finder.policy import LANGUAGES
from tests.conftest import ROOT

CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
# Whole numbers that reach every category a language has for them (Spanish "many" is millions).
PROBE = (*range(1001), 10**6, 2 * 10**6)
NUMBERS = (0, 1, 2, 3, 5, 11, 21, 101)
# Values for the other placeholders of plural messages; only %(num)d chooses the form.
OTHERS = {
    "field": "Name", "limit": "70", "average": "4", "hours": "2",
    "weekday": "Tuesday", "start": "18:00", "end": "20:30", "date": "8 December",
}  # fmt: skip
DOMAINS = ("messages", "staff")
# The catalogues' own variants (read from their wording, not from the app): European Portuguese.
VARIANT = {"pt": "pt_PT"}


@functools.cache
def categories(lang: str) -> tuple[str, ...]:
    """The CLDR categories whole numbers take in ``lang``, in CLDR order."""
    rule = Locale.parse(VARIANT.get(lang, lang)).plural_form
    used = {rule(n) for n in PROBE}
    return tuple(category for category in CLDR_ORDER if category in used)


def form_index(lang: str, n: int) -> int:
    return categories(lang).index(Locale.parse(VARIANT.get(lang, lang)).plural_form(n))


@functools.cache
def catalogue(lang: str, domain: str) -> Catalog:
    """The language's catalogue for ``domain``; the English template if it has none (the
    staff domain falls back to English)."""
    po = ROOT / "translations" / lang / "LC_MESSAGES" / f"{domain}.po"
    with open(po if po.exists() else ROOT / "translations" / f"{domain}.pot", "rb") as f:
        return read_po(f, locale=lang if po.exists() else "en")


def plural_messages(domain: str) -> list[tuple[str, str]]:
    return [m.id for m in catalogue("en", domain) if m.pluralizable and m.id]  # type: ignore[misc]


def expected(lang: str, domain: str, singular: str, n: int) -> str:
    """The catalogue's form for ``n`` (English forms by English's rule when untranslated)."""
    message = catalogue(lang, domain).get(singular)
    if message is not None and isinstance(message.string, tuple) and all(message.string):
        forms, rule_lang = message.string, lang
    else:
        english = catalogue("en", domain).get(singular)
        assert english is not None, singular
        assert isinstance(english.id, tuple), singular
        forms, rule_lang = english.id, "en"
    return forms[form_index(rule_lang, n)] % {"num": n, **OTHERS}


CASES = [
    (lang, domain, singular, plural)
    for domain in DOMAINS
    for singular, plural in plural_messages(domain)
    for lang in LANGUAGES
]


def test_there_are_plural_messages_in_both_domains():
    assert len(plural_messages("messages")) >= 5
    assert len(plural_messages("staff")) >= 3


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_each_catalogue_has_one_form_per_cldr_category(lang):
    cat = catalogue(lang, "messages")
    assert cat.num_plurals == len(categories(lang)), (
        f"{lang}: Plural-Forms says {cat.num_plurals}, CLDR has {categories(lang)}"
    )
    for message in cat:
        if message.pluralizable and message.id:
            assert isinstance(message.string, (tuple, list)), (lang, message.id)
            assert len(message.string) == len(categories(lang)), (lang, message.id[0])


def render_all(app: Flask, lang: str, singular: str, plural: str) -> list[tuple[int, str, str]]:
    """``ngettext`` for every number as Python code and templates call it in a request."""
    rendered = []
    with app.test_request_context(f"/{lang}/"):
        g.lang = lang
        for n in NUMBERS:
            python = ngettext(singular, plural, n, **OTHERS)
            template = render_template_string(
                "{{ ngettext(s, p, n, **others) }}", s=singular, p=plural, n=n, others=OTHERS
            )
            rendered.append((n, python, html.unescape(template)))
    return rendered


@pytest.mark.parametrize(("lang", "domain", "singular", "plural"), CASES)
def test_every_plural_message_takes_the_cldr_form(app, lang, domain, singular, plural):
    wrong = [
        (n, want, got)
        for n, python, template in render_all(app, lang, singular, plural)
        for want in [expected(lang, domain, singular, n)]
        for got in (python, template)
        if got != want
    ]
    assert not wrong, f"{lang} {domain} {singular!r}: " + "; ".join(
        f"n={n}: {got!r}, not {want!r}" for n, want, got in wrong
    )


def test_translation_folder_is_the_one_the_app_reads(app):
    folders = {Path(p) for p in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")}
    assert folders == {ROOT / "translations"}
