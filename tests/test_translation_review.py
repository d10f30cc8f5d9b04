"""The review path: a pack per language for a qualified translator, a merge that refuses
broken placeholders and reports what changed, and each language's review status shown."""

from __future__ import annotations

import csv
import shutil

import pytest
import yaml
from babel import Locale
from babel.messages.pofile import read_po

from finder import i18n
from finder.policy import LANGUAGES
from scripts import translations as review
from tests.conftest import ROOT

OTHER = [lang for lang in LANGUAGES if lang != "en"]


def po(folder, lang):
    with open(folder / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def rows_of(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    review.pack(out)
    return out


@pytest.mark.parametrize("lang", OTHER)
def test_the_pack_has_every_patient_facing_string_once_per_form(pack, lang):
    with open(ROOT / "translations" / "messages.pot", "rb") as f:
        english = [m for m in read_po(f) if m.id]
    rows = rows_of(pack / f"{lang}.csv")
    assert list(rows[0]) == review.COLUMNS
    assert {r["language"] for r in rows} == {lang}
    catalogue = po(ROOT / "translations", lang)
    forms = len({Locale.parse(lang).plural_form(n) for n in (*range(200), 10**6)})
    for message in english:
        singular = message.id[0] if message.pluralizable else message.id
        mine = [r for r in rows if r["msgid"] == singular]
        assert len(mine) == (forms if message.pluralizable else 1), singular
        translated = catalogue.get(singular).string
        assert [r["current_translation"] for r in mine] == (
            list(translated) if message.pluralizable else [translated]
        )
        assert all(r["where"] for r in mine), f"{singular!r}: where it appears"
        assert not any(r["reviewer_correction"] or r["back_translation"] for r in mine)
    assert len(rows) == sum(forms if m.pluralizable else 1 for m in english)


def test_the_pack_names_the_page_and_screenshot(pack):
    rows = {r["msgid"]: r for r in rows_of(pack / "ar.csv")}
    row = rows[
        "Answer a few questions and we will show you every course, with the ones that fit your life first."
    ]
    assert "templates/public/start.jinja" in row["where"]
    assert row["screenshot"] == "ar-start.png"
    assert (ROOT / "tests" / "browser" / "test_screenshots.py").read_text().count('"start"') >= 1


@pytest.fixture
def catalogues(tmp_path, monkeypatch):
    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder)
    monkeypatch.setattr(review, "TRANSLATIONS", folder)
    return folder


def reviewed(pack, tmp_path, lang, corrections):
    """A copy of the pack with corrections filled in: {(msgid, plural form or None): text}."""
    rows = rows_of(pack / f"{lang}.csv")
    for row in rows:
        form = review.form_index(row)
        if (row["msgid"], form) in corrections:
            row["reviewer_correction"] = corrections[(row["msgid"], form)]
            row["back_translation"] = "checked"
    path = tmp_path / f"{lang}-reviewed.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, review.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


PLACES = "%(num)d place left."


def test_merge_writes_corrections_and_reports_them(pack, catalogues, tmp_path, capsys):
    path = reviewed(
        pack,
        tmp_path,
        "pl",
        {
            ("Check your answers", None): "Sprawdź swoje odpowiedzi",
            (PLACES, 2): "Zostało %(num)d wolnych miejsc.",
            ("Start now", None): po(ROOT / "translations", "pl").get("Start now").string,
        },
    )
    assert review.merge([path]) == 0
    out = capsys.readouterr().out
    merged = po(catalogues, "pl")
    assert merged.get("Check your answers").string == "Sprawdź swoje odpowiedzi"
    assert merged.get(PLACES).string[2] == "Zostało %(num)d wolnych miejsc."
    assert merged.get(PLACES).string[0] == po(ROOT / "translations", "pl").get(PLACES).string[0]
    assert "now: Sprawdź swoje odpowiedzi" in out
    assert "[form 2]" in out
    assert "2 changed" in out, "an unchanged correction is not a change"


@pytest.mark.parametrize(
    ("msgid", "form", "correction", "reason"),
    [
        (PLACES, 1, "Zostały miejsca.", "missing placeholder %(num)d"),
        ("Check your answers", None, "Sprawdź %(name)s", "unknown placeholder %(name)s"),
        ("Dear %(name)s,", None, "Szanowna Pani %(nmae)s,", "unknown placeholder %(nmae)s"),
        ("Dear %(name)s,", None, "Szanowny Panie,", "missing placeholder %(name)s"),
        ("No such string at all", None, "Nic", "is not in the catalogue"),
    ],
)
def test_merge_refuses_a_broken_file_and_changes_nothing(
    pack, catalogues, tmp_path, capsys, msgid, form, correction, reason
):
    before = (catalogues / "pl" / "LC_MESSAGES" / "messages.po").read_bytes()
    fixes = {("Check your answers", None): "Sprawdź swoje odpowiedzi", (msgid, form): correction}
    path = reviewed(pack, tmp_path, "pl", fixes)
    if msgid == "No such string at all":
        rows = rows_of(path)
        rows.append(
            {**rows[0], "msgid": msgid, "plural_form": "", "reviewer_correction": correction}
        )
        with open(path, "w", newline="", encoding="utf-8-sig") as f:
            writer = csv.DictWriter(f, review.COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    assert review.merge([path]) == 1
    out = capsys.readouterr().out
    assert reason in out
    assert "nothing merged" in out
    assert (catalogues / "pl" / "LC_MESSAGES" / "messages.po").read_bytes() == before


def test_the_readme_shows_each_languages_review_status():
    readme = (ROOT / "README.md").read_text()
    block = readme.split(review.BEGIN)[1].split(review.END)[0].strip()
    assert block == review.status_table(), "run: python scripts/translations.py status"
    data = yaml.safe_load((ROOT / "translations" / "status.yml").read_text())
    for lang in OTHER:
        assert f"(`{lang}`) | {data[lang]['status']}" in block


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_accessibility_statement_shows_each_languages_review_status(fetch, lang):
    data = yaml.safe_load((ROOT / "translations" / "status.yml").read_text())
    page = fetch(f"/{lang}/accessibility")
    items = {li["data-lang"]: li for li in page.select(".app-translation-status li")}
    assert set(items) == set(OTHER)
    words = po(ROOT / "translations", lang) if lang != "en" else None
    draft = "Not yet checked by a qualified translator."
    expected = words.get(draft).string if words else draft
    for code, li in items.items():
        assert li.find("bdi", lang=code), "the name is marked with its language"
        if data[code]["status"] == "draft":
            assert expected in li.get_text()


def test_a_wrong_status_entry_stops_the_start(tmp_path, monkeypatch):
    bad = tmp_path / "status.yml"
    bad.write_text("bn: {status: reviewed}\n")  # no reviewer or date
    monkeypatch.setattr(i18n, "STATUS_FILE", bad)
    i18n.review_status.cache_clear()
    try:
        with pytest.raises(ValueError, match="bn must be"):
            i18n.review_status()
    finally:
        monkeypatch.undo()
        i18n.review_status.cache_clear()
