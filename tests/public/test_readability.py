"""Plain words: patient-facing English at a reading age of 9 to 11 (NHS.UK content guide).

Scored with textstat's Flesch-Kincaid grade (a US school grade: reading age is about grade + 5).
Pages must score at most grade 6 (reading age 11). Single long strings, which are scored
without the short sentences around them, must score at most grade 8 (reading age 13, the
guide's limit where medical words make 9 to 11 hard). Headings and list items get a full stop
before scoring, as the guide says.
"""

from __future__ import annotations

import pytest
import textstat
import yaml
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from tests.public.test_pages import PUBLIC_PAGES

PAGE_GRADE = 6.0
STRING_GRADE = 8.0
LONG = 12  # words: shorter strings are labels, and formulas mean little on them


def sentences_of(soup) -> str:
    main = soup.find("main")
    parts = []
    for el in main.find_all(
        ["h1", "h2", "h3", "p", "li", "legend", "label", "dt", "dd", "td", "summary", "a"]
    ):
        if el.find(["p", "li", "ul", "ol", "table"]):
            continue
        text = " ".join(el.get_text(" ", strip=True).split())
        if text:
            parts.append(text if text.endswith((".", "?", "!", ":")) else text + ".")
    return " ".join(dict.fromkeys(parts))


def long_strings() -> list[str]:
    with open(ROOT / "translations" / "messages.pot", "rb") as f:
        pot = read_po(f)
    texts = [t for m in pot for t in (m.id if isinstance(m.id, tuple | list) else (m.id,)) if t]
    for entry in yaml.safe_load(
        (ROOT / "seeds" / "programme_text" / "en.yaml").read_text()
    ).values():
        texts += [v for k, v in entry.items() if k != "name"]
    return [t for t in texts if len(t.split()) >= LONG]


def test_every_patient_page_reads_at_age_9_to_11(fetch):
    scores = {url: textstat.flesch_kincaid_grade(sentences_of(fetch(url))) for url in PUBLIC_PAGES}
    offenders = {url: round(score, 1) for url, score in scores.items() if score > PAGE_GRADE}
    assert not offenders, f"above grade {PAGE_GRADE}: {offenders}"


def test_every_long_string_is_plain():
    strings = long_strings()
    assert len(strings) > 20
    offenders = [
        (round(textstat.flesch_kincaid_grade(s), 1), s)
        for s in strings
        if textstat.flesch_kincaid_grade(s) > STRING_GRADE
    ]
    assert not offenders, "\n".join(f"{g}: {s}" for g, s in sorted(offenders, reverse=True))


@pytest.mark.parametrize(
    "hard",
    [
        "Individuals experiencing hyperglycaemia should consult their healthcare practitioner "
        "regarding appropriate structured educational interventions.",
    ],
)
def test_the_check_catches_hard_text(hard):
    assert textstat.flesch_kincaid_grade(hard) > STRING_GRADE
