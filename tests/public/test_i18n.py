"""Every page a patient sees, in every shipped language: locale, direction, switcher, catalogues."""

from __future__ import annotations

import functools
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po

from finder.policy import LANGUAGES
from tests.conftest import ROOT

RTL = {"ar", "ur"}
OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != "en"]
PAGES = [
    "/",
    "/find/diabetes",
    "/find/language",
    "/find/check?diabetes=type2&daytime=no&language=bn",
    "/results?diabetes=type2&daytime=no&computer=with_help&language=bn&companion=yes",
    "/results?diabetes=type1&group_worry=yes&learning=own_pace&reading=spoken",
    "/results?diabetes=prediabetes",
    "/results?diabetes=type9",
    "/programmes",
    "/programmes/help-diabetes",
    "/programmes/desmond",
    "/accessibility",
    "/privacy",
    "/no-such-page",
]


def catalogue(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@functools.cache  # parsed once per run, not once per text node of every page
def english_msgids() -> frozenset[str]:
    with open(ROOT / "translations" / "messages.pot", "rb") as f:
        pot = read_po(f)
    ids: set[str] = set()
    for message in pot:
        for text in message.id if isinstance(message.id, tuple | list) else (message.id,):
            # Whole sentences only: single words such as "Yes" can be the same in a language.
            if text and len(text.split()) >= 3 and "%(" not in text:
                ids.add(text)
    return frozenset(ids)


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_catalogue_is_complete_and_nothing_is_fuzzy(lang):
    missing = [
        m.id
        for m in catalogue(lang)
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert not missing, f"{lang}: {len(missing)} untranslated or fuzzy, e.g. {missing[:5]}"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_catalogue_passes_msgfmt_check(lang):
    po = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("pt-BR,pt;q=0.9", "pt"),
        ("bn-BD", "bn"),
        ("ar-SA,en;q=0.5", "ar"),
        ("ur-PK", "ur"),
        ("fr-FR,es;q=0.8", "es"),
        ("zh-CN", "en"),
        ("", "en"),
    ],
)
def test_root_picks_the_best_language(client, header, lang):
    response = client.get("/", headers={"Accept-Language": header})
    assert urlsplit(response.location).path == f"/{lang}/"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_every_language_has_lang_and_dir(fetch, lang, path):
    status = 404 if path == "/no-such-page" else 400 if "type9" in path else 200
    page = fetch(f"/{lang}{path}", status=status)
    html = page.find("html")
    assert html["lang"] == lang
    assert html["dir"] == ("rtl" if lang in RTL else "ltr")
    stylesheet = page.find("link", rel="stylesheet")["href"]
    expected = (
        r"/assets/finder\.[0-9a-f]{12}\.rtl\.css"
        if lang in RTL
        else r"/assets/finder\.[0-9a-f]{12}\.css"
    )
    assert re.fullmatch(expected, stylesheet)


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_no_english_sentence_is_left_on_a_page(fetch, lang, path):
    status = 404 if path == "/no-such-page" else 400 if "type9" in path else 200
    page = fetch(f"/{lang}{path}", status=status)
    for marked in page.select("[lang]:not(html)"):
        marked.decompose()  # text marked as another language, such as the switcher's names
    left = {
        text.strip()
        for text in page.find("body").find_all(string=True)
        if text.strip() in english_msgids()
    }
    title = page.find("title").get_text()
    left |= {msgid for msgid in english_msgids() if msgid in title}
    assert not left, f"English left on /{lang}{path}: {sorted(left)[:5]}"


def test_the_switcher_keeps_the_page_and_the_query_string(fetch):
    page = fetch("/bn/results?diabetes=type2&daytime=no")
    switcher = page.find("nav", class_="app-language-switcher")
    links = {a["hreflang"]: a for a in switcher.find_all("a")}
    assert set(links) == set(LANGUAGES) - {"bn"}
    assert links["ar"]["href"] == "/ar/results?diabetes=type2&daytime=no"
    assert links["ar"]["lang"] == "ar"
    assert links["ar"].get_text(strip=True) == "العربية"
    current = switcher.find(attrs={"aria-current": "true"})
    assert current.get_text(strip=True) == "বাংলা"
    assert current["lang"] == "bn"
    on_programme = fetch("/tr/programmes/x-pert").find("nav", class_="app-language-switcher")
    assert on_programme.find("a", hreflang="so")["href"] == "/so/programmes/x-pert"


def test_each_language_is_named_in_its_own_script(fetch):
    names = [a.get_text(strip=True) for a in fetch("/en/").select(".app-language-switcher a")]
    expected = [
        str(Locale.parse(lang).get_display_name(lang)) for lang in LANGUAGES if lang != "en"
    ]
    assert [n.lower() for n in names] == [e.lower() for e in expected]


@pytest.mark.parametrize("lang", ["bn", "ar", "tr", "pl", "es"])
def test_dates_and_weekdays_are_in_the_page_language(app, fetch, lang):
    from finder.extensions import db
    from finder.models import CourseRun

    with app.app_context():
        run = db.session.query(CourseRun).filter_by(key="desmond-camden-weekday").one()
        start = run.start_date
    text = fetch(f"/{lang}/programmes/desmond").get_text(" ")
    # CLDR's order and words for the language (Spanish "miércoles, 16 de diciembre", Turkish
    # "16 Aralik Carsamba", roughly): the full weekday, the day and the month's name as a date writes it.
    weekday = format_date(start, "EEEE", locale=lang)
    month = format_date(start, "MMMM", locale=lang)  # the "format" form: Polish "grudnia"
    assert re.search(
        rf"{re.escape(weekday)}\W+{start.day} {re.escape(month)}|{start.day}\W+(de )?{re.escape(month)}\W+{re.escape(weekday)}"
        rf"|{re.escape(weekday)}\W+{start.day}\W+de {re.escape(month)}",
        text,
    ), (lang, weekday, month)
    if "'de'" in str(Locale.parse(lang).date_formats["long"]):  # CLDR: "16 de diciembre"
        assert f"{start.day} de {month}" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_programme_text_is_seeded_in_every_shipped_language(app, lang):
    from finder.extensions import db
    from finder.models import Programme

    with app.app_context():
        for programme in db.session.query(Programme):
            assert lang in {t.locale for t in programme.texts}, (programme.slug, lang)


def test_text_without_a_translation_shows_in_english_with_a_note(app, fetch):
    from finder.extensions import db
    from finder.models import ProgrammeText

    with app.app_context():
        row = db.session.query(ProgrammeText).filter_by(locale="tr").first()
        assert row is not None
        slug, saved = (
            row.programme.slug,
            {
                c: getattr(row, c)
                for c in ("name", "summary", "what_happens", "who_for", "how_to_join")
            },
        )
        db.session.delete(row)
        db.session.commit()
    try:
        page = fetch(f"/tr/programmes/{slug}")
        assert page.find("h1")["lang"] == "en"
        note = page.find(class_="app-fallback-note")
        assert note is not None
        assert not note.get("lang")
        assert "app-fallback-note" not in str(fetch(f"/bn/programmes/{slug}"))
    finally:
        with app.app_context():
            from finder.models import Programme

            programme = db.session.query(Programme).filter_by(slug=slug).one()
            programme.texts.append(ProgrammeText(locale="tr", **saved))
            db.session.commit()
