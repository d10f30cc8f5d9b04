"""A short link and a QR code back to the same results (finder/shortlinks.py): stateless, the
answers only, a bad code is the site's 404 page.

The codes below are worked out by hand from the rule (one character per question of
finder.circumstances.CHOICES, in its order: 0 not answered, else the answer's place counting
from 1; trailing 0s left off; "-" and the language; the area as its own part)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finder import shortlinks
from finder.circumstances import CHOICES, Circumstances

AREAS = ("camden", "haringey", "islington")  # seeds/areas.yaml

# (answers, the short link's path after /en/s/)
CASES = [
    ({}, "0"),
    ({"diabetes": "type2"}, "1"),
    ({"diabetes": "type2", "learning": "own_pace"}, "100002"),
    ({"conditions": "no"}, "00000000002"),
    ({"language": "pl"}, "0-pl"),
    ({"diabetes": "type2", "daytime": "no", "area": "haringey"}, "102/haringey"),
    (
        {
            "diabetes": "prediabetes",
            "diagnosed": "established",
            "daytime": "no",
            "evenings": "yes",
            "weekends": "no",
            "learning": "either",
            "group_worry": "yes",
            "computer": "with_help",
            "language": "bn",
            "reading": "spoken",
            "companion": "no",
            "conditions": "yes",
            "area": "camden",
        },
        "42212312321-bn/camden",
    ),
]


def come_back(soup):
    return soup.select_one(".app-come-back")


@pytest.mark.parametrize(("answers", "path"), CASES)
def test_the_results_page_gives_the_short_link_and_it_leads_back(app, client, fetch, answers, path):
    page = fetch(f"/en/results?{urlencode(answers)}")
    link = come_back(page).select_one(".app-come-back__link a")
    expected = app.config["FINDER_BASE_URL"].rstrip("/") + f"/en/s/{path}"
    assert link["href"] == expected
    assert link.get_text(strip=True) == expected

    response = client.get(f"/en/s/{path}")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/en/results"
    assert dict(parse_qsl(target.query)) == answers
    fetch(response.location)  # and the results page is there


def test_the_short_link_keeps_the_language_of_the_page(client, fetch):
    link = come_back(fetch("/bn/results?diabetes=type2")).select_one("a")
    assert urlsplit(link["href"]).path == "/bn/s/1"
    assert client.get("/bn/s/1").location == "/bn/results?diabetes=type2"


def test_letters_typed_in_capitals_work(client):
    response = client.get("/en/s/100002-BN")
    assert response.status_code == 302
    assert dict(parse_qsl(urlsplit(response.location).query)) == {
        "diabetes": "type2",
        "learning": "own_pace",
        "language": "bn",
    }


@pytest.mark.parametrize(
    "path",
    [
        "zz",  # z is 35: diabetes has 4 answers
        "5",  # diabetes has 4 answers
        "13",  # "diagnosed" has 2
        "100004",  # "learning" has 3
        "1" * 12,  # one more character than there are questions
        "x" * 2000,
        "1-",
        "1-b",  # a language tag has 2 or 3 letters
        "1-xx",  # not a language
        "1-bn-pl",
        "1--bn",
        "-bn",
        "1_2",
        "1/camden/more",
        "%C3%BC",
    ],
)
def test_a_bad_code_is_the_sites_not_found_page(fetch, path):
    page = fetch(f"/en/s/{path}", status=404)
    assert page.find("h1").get_text(strip=True) == "Page not found"


def test_an_area_no_longer_in_the_directory_gives_the_results_for_every_area(client):
    """A printed link outlives a directory change: its area left out, not a dead end."""
    response = client.get("/en/s/102/nowhere")
    assert response.status_code == 302
    assert response.location == "/en/results?diabetes=type2&daytime=no"


def test_the_qr_code_is_svg_with_a_name_dark_on_light_and_printed(client, fetch):
    url = "/en/results?diabetes=type2&learning=own_pace"
    page = fetch(url)
    block = come_back(page)
    assert block.find("h2").get_text(strip=True) == "Come back to these results"
    assert "not your name" in block.get_text(" ", strip=True)
    # Printed with the page: nothing around it is left off paper.
    assert not block.find_parent(class_="app-no-print")
    assert not block.select(".app-no-print")

    html = client.get(url).get_data(as_text=True)
    [svg_text] = re.findall(r"<svg[^>]*class=\"app-qr-code\".*?</svg>", html, re.DOTALL)
    svg = ET.fromstring(svg_text)  # noqa: S314 - well-formed XML? (the app's own output)
    assert svg.tag == "svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "QR code for this link"
    title = svg.find("title")
    assert title is not None
    assert title.text == "QR code for this link"
    assert int(svg.get("width", "0")) >= 120
    assert int(svg.get("height", "0")) >= 120
    paths = svg.findall(".//path")
    assert [p.get("fill") for p in paths if p.get("fill")] == ["#fff"]  # the light background
    assert [p.get("stroke") for p in paths if p.get("stroke")] == ["#000"]  # dark modules


def test_the_qr_code_is_in_the_page_language(fetch):
    svg = come_back(fetch("/ar/results?diabetes=type2")).find("svg")
    assert svg["aria-label"] != "QR code for this link"
    assert svg.find("title").get_text() == svg["aria-label"]


def test_nothing_is_stored_and_no_cookie_is_set(client):
    for path in ("/en/results?diabetes=type2&language=bn", "/en/s/1-bn"):
        assert "Set-Cookie" not in client.get(path).headers


@st.composite
def people(draw):
    answers = {name: draw(st.none() | st.sampled_from(values)) for name, values in CHOICES.items()}
    answers["language"] = draw(st.none() | st.sampled_from(["bn", "pl", "ur", "so", "ar", "tr"]))
    answers["area"] = draw(st.none() | st.sampled_from(AREAS))
    return Circumstances(**answers)


@given(people())
def test_decoding_the_code_gives_back_the_same_answers(person):
    code, area = shortlinks.encode(person)
    assert shortlinks.decode(code, area, AREAS) == person


@given(people())
def test_a_code_is_short(person):
    code, area = shortlinks.encode(person)
    assert len(code) <= len(CHOICES) + 4
    assert area == person.area
