"""Names and numbers as people write them: language names (CLDR, with a reviewed table of
overrides), decimals in each language's own style, no stray artefacts in the catalogues."""

from __future__ import annotations

import re
import tomllib

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from finder.extensions import db
from finder.models import Feedback, Programme
from finder.policy import LANGUAGES
from tests.commissioning.test_feedback import give, patient
from tests.conftest import ROOT, check_page, one
from tests.staff.conftest import csrf_token, sign_in

OVERRIDES = tomllib.loads((ROOT / "translations" / "language-names.toml").read_text())
# The catalogues' own variants (read from their wording): European Portuguese.
VARIANT = {"pt": "pt_PT"}


def cldr(tag: str, page: str) -> str:
    return Locale.parse(tag).get_display_name(VARIANT.get(page, page)) or tag


def test_every_override_has_a_reason_and_still_differs_from_cldr():
    assert OVERRIDES, "the table is read"
    for page, named in OVERRIDES.items():
        assert page in LANGUAGES
        for tag, entry in named.items():
            assert tag in LANGUAGES
            assert set(entry) == {"name", "reason"}
            assert len(entry["reason"].split()) >= 5, f"{page}.{tag}: say why"
            assert entry["name"] != cldr(tag, page), f"{page}.{tag}: CLDR now agrees, drop it"


def run_languages(page: BeautifulSoup) -> str:
    return " ".join(li.get_text(" ") for li in page.select("main li"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_course_in_bengali_names_bengali_as_the_language_writes_it(fetch, lang):
    """DESMOND has a run in Bengali (seeds): its line names the language mid-sentence."""
    text = run_languages(fetch(f"/{lang}/programmes/desmond"))
    override = OVERRIDES.get(lang, {}).get("bn", {}).get("name")
    expected = override or cldr("bn", lang)
    assert re.search(rf"(?<!\w){re.escape(expected)}(?!\w)", text), (lang, expected)
    if override:
        assert cldr("bn", lang) not in text, f"{lang}: CLDR's name is still shown"
    if expected[:1].islower():  # CLDR writes it in lower case mid-sentence (pl, es, ro, pt)
        assert expected[:1].upper() + expected[1:] not in text


def test_somali_names_turkish_in_somali():
    from finder.i18n import language_name

    assert language_name("tr", "so") == OVERRIDES["so"]["tr"]["name"] != "Turkish"


def test_the_language_menu_capitalises_the_names(fetch):
    names = {
        a["lang"]: a.get_text(strip=True)
        for a in fetch("/en/").select(".app-language-switcher [lang]")
    }
    assert names["pl"] == "Polski"
    assert names["es"] == "Español"


def test_an_average_rating_is_written_as_each_language_writes_decimals(app):
    client = patient(app)
    for rating in ("4", "5"):
        assert give(client, "x-pert", rating=rating, comment="").status_code == 302
    commissioner = sign_in(app.test_client(), "commissioner")
    soup = BeautifulSoup(commissioner.get("/en/staff/feedback").data, "html5lib")
    token = csrf_token(commissioner, "/en/staff/")
    for section in soup.select("[data-feedback][data-status=pending]"):
        commissioner.post(
            f"/en/staff/feedback/{section['data-feedback']}",
            data={"decision": "approved", "csrf_token": token},
        )
    with app.app_context():
        average = db.session.scalar(
            select(func.avg(Feedback.rating))
            .join(Programme)
            .where(Programme.slug == "x-pert", Feedback.status == "approved")
        )
    assert average is not None
    average = round(float(average), 1)
    for lang in ("en", "pl", "es", "ro", "tr", "pt", "ar"):
        page = check_page(
            app.test_client().get(f"/{lang}/programmes/x-pert").get_data(as_text=True)
        )
        summary = one(page, ".app-reviews-summary").get_text()
        assert format_decimal(average, locale=VARIANT.get(lang, lang)) in summary, (lang, summary)
        if average != int(average) and Locale.parse(lang).number_symbols["latn"]["decimal"] == ",":
            assert str(average) not in summary, f"{lang}: {summary}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_no_stray_bracketed_numbers_in_translations(lang):
    """A number in brackets the English does not have, such as "أسبوعين (2)"."""
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalogue = read_po(f, locale=lang)
    stray = []
    for message in catalogue:
        english = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for text in strings:
            for number in re.findall(r"\((\d+)\)", text or ""):
                if f"({number})" not in english:
                    stray.append(text)
    assert not stray, stray
