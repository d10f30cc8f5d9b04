"""Patient pages through the real app, on parsed HTML."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from finder import clock
from finder.circumstances import PARAMETERS
from tests.forms import hidden_fields

PUBLIC_PAGES = [
    "/en/",
    "/en/find/diabetes",
    "/en/find/area",
    "/en/find/check?diabetes=type2&daytime=no",
    "/en/results",
    "/en/results?diabetes=type2&daytime=no&computer=confident",
    "/en/results?diabetes=prediabetes",
    "/en/results?diabetes=type1&language=bn&daytime=no",
    "/en/programmes",
    "/en/programmes/help-diabetes",
    "/en/programmes/desmond",
    "/en/programmes/dsmp",
    "/en/programmes/x-pert",
    "/en/accessibility",
    "/en/privacy",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_renders(fetch, url):
    soup = fetch(url)
    assert soup.find("html")["lang"] == "en"
    assert soup.find("a", class_="nhsuk-skip-link")["href"] == "#maincontent"
    assert soup.find(id="maincontent")


def test_root_redirects_to_the_best_language(client):
    response = client.get("/", headers={"Accept-Language": "fr-FR, en;q=0.5"})
    assert response.status_code == 302
    assert response.location.endswith("/en/")
    assert client.get("/").location.endswith("/en/")


def test_an_unknown_language_prefix_is_not_found(fetch):
    fetch("/xx/", status=404)
    fetch("/en/programmes/no-such-course", status=404)
    fetch("/en/find/no-such-question", status=404)


def test_the_start_page_links_to_the_first_question(fetch, client):
    start = fetch("/en/").find("a", string=lambda s: s and "Start now" in s)
    response = client.get(start["href"])
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/en/find/diabetes"


def answer(client, name, value, **answers):
    """Submit one question page as a browser would, returning the redirect target."""
    response = client.get(
        f"/en/find/{name}", query_string={**answers, name: value, "continue": "1"}
    )
    assert response.status_code == 302, response.status_code
    return response.location


def test_questions_come_one_per_page_and_the_answers_travel_in_the_query_string(client, fetch):
    answers: dict[str, str] = {}
    choices = {"diabetes": "type2", "daytime": "no", "computer": "confident", "language": "bn"}
    for name in PARAMETERS:
        page = fetch(f"/en/find/{name}?" + "&".join(f"{k}={v}" for k, v in answers.items()))
        legend = page.find("legend")
        assert legend.find("h1"), "the question is the page heading"
        radios = page.find_all("input", attrs={"type": "radio", "name": name})
        assert radios, name
        hidden = hidden_fields(page)
        assert hidden == answers
        value = choices.get(name, radios[0]["value"])
        target = answer(client, name, value, **answers)
        answers[name] = value
        assert parse_qs(urlsplit(target).query) == {k: [v] for k, v in answers.items()}
    assert urlsplit(target).path == "/en/find/check"


def test_a_question_can_be_skipped(client):
    target = answer(client, "daytime", "", diabetes="type2")
    assert urlsplit(target).path == "/en/find/evenings"
    assert parse_qs(urlsplit(target).query) == {"diabetes": ["type2"]}


def test_prediabetes_goes_straight_to_check_answers(client):
    assert urlsplit(answer(client, "diabetes", "prediabetes")).path == "/en/find/check"


def test_back_links_go_to_the_previous_question_with_the_answers(fetch):
    back = fetch("/en/find/daytime?diabetes=type1").find("a", class_="nhsuk-back-link")
    assert back["href"] == "/en/find/diagnosed?diabetes=type1"
    assert fetch("/en/find/diabetes").find("a", class_="nhsuk-back-link")["href"] == "/en/"


def test_check_answers_lists_every_answer_with_a_change_link(fetch, client):
    page = fetch("/en/find/check?diabetes=type2&daytime=no&language=bn&area=camden")
    rows = {
        row.find("dt").get_text(strip=True): row.find("dd").get_text(strip=True)
        for row in page.find_all("div", class_="nhsuk-summary-list__row")
    }
    assert rows["Which type of diabetes do you have?"] == "Type 2 diabetes"
    assert rows["Where do you live?"] == "Camden"
    assert rows["Which language would you like the course to be in?"] == "বাংলা"
    assert rows["Could you go to a course in the evening?"] == "Not answered"
    change = page.find("a", href=lambda h: h and "/en/find/daytime" in h)
    # Changing an answer comes back to this page, as the question page's own form sends it.
    form = fetch(change["href"]).find("form")
    fields = hidden_fields(form)
    target = client.get(form["action"], query_string={**fields, "daytime": "yes", "continue": "1"})
    target = target.location
    assert urlsplit(target).path == "/en/find/check"
    assert parse_qs(urlsplit(target).query)["daytime"] == ["yes"]
    form = page.find("form", action="/en/results")
    hidden = hidden_fields(form)
    assert hidden == {"diabetes": "type2", "daytime": "no", "language": "bn", "area": "camden"}


def options(page):
    return [(o["data-programme"], o["data-fit"]) for o in page.select("[data-programme][data-fit]")]


def test_results_show_every_option_in_rank_order_with_reasons(fetch):
    page = fetch("/en/results?diabetes=type2&daytime=no&computer=confident")
    ranked = options(page)
    # Group education first (NICE NG28 1.2.4): X-PERT's evening course fits too.
    assert ranked[:2] == [("x-pert", "good"), ("desmond", "good")]
    assert ("help-diabetes", "good") in ranked
    assert sorted(slug for slug, _ in ranked) == ["desmond", "dsmp", "help-diabetes", "x-pert"]
    first = page.select_one("[data-programme=help-diabetes]")
    reasons = [li.get_text(strip=True) for li in first.select(".app-reasons li")]
    assert "It is online and open 24 hours a day, so it fits around work or caring." in reasons
    assert "Good fit" in first.get_text()


def test_results_give_the_next_start_date_and_days_away(fetch):
    page = fetch("/en/results?daytime=no&evenings=yes")
    xpert = page.select_one("[data-programme=x-pert]")
    assert xpert["data-fit"] == "good"
    text = " ".join(xpert.get_text(" ", strip=True).split())
    assert "There is an evening course starting on" in text
    assert "When: every Tuesday for 6 weeks, 18:00 to 20:30, from" in text
    days = int(text.split("That is in ")[1].split(" day")[0])
    assert 7 <= days <= 14


def test_not_eligible_options_are_last_and_collapsed_with_the_reason(fetch):
    page = fetch("/en/results?diabetes=type1")
    ranked = options(page)
    assert ranked[0] == ("dsmp", "unlikely")  # its type 1 eligibility is unverified
    collapsed = page.find("details", class_="app-not-for-you")
    hidden = [(o["data-programme"], o["data-fit"]) for o in collapsed.select("[data-programme]")]
    assert sorted(hidden) == [
        ("desmond", "not_eligible"),
        ("help-diabetes", "not_eligible"),
        ("x-pert", "not_eligible"),
    ]
    assert "This course is only for people with type 2 diabetes." in collapsed.get_text()


def test_prediabetes_results_point_to_the_prevention_programme(fetch):
    page = fetch("/en/results?diabetes=prediabetes")
    assert "NHS Diabetes Prevention Programme" in page.find(class_="nhsuk-inset-text").get_text()
    assert {fit for _, fit in options(page)} == {"not_eligible"}


@pytest.mark.parametrize(
    ("query", "question", "message"),
    [
        ("diabetes=type9", "diabetes", "Select which type of diabetes you have"),
        ("diabetes=type2&language=zz", "language", "Select a language from the list"),
        ("area=atlantis&computer=maybe", "computer", "Select if you are happy using the internet"),
    ],
)
def test_a_bad_answer_asks_that_question_again_with_an_error(fetch, query, question, message):
    for path in ("/en/results", "/en/find/check", f"/en/find/{question}"):
        page = fetch(f"{path}?{query}", status=400)
        assert page.find("title").get_text().startswith("Error:")
        summary = page.find(class_="nhsuk-error-summary")
        link = summary.find("a")
        assert link.get_text(strip=True) == message
        assert page.find(id=link["href"][1:]), "the summary links to the first radio"
        assert page.find("input", attrs={"name": question, "type": "radio"})
        assert message in page.find(class_="nhsuk-error-message").get_text()


def test_a_bad_answer_keeps_the_good_answers(fetch):
    page = fetch("/en/results?diabetes=type2&daytime=no&computer=maybe", status=400)
    hidden = hidden_fields(page)
    assert hidden == {"diabetes": "type2", "daytime": "no"}


def test_programmes_side_by_side(fetch):
    page = fetch("/en/programmes")
    rows = page.select("tbody tr[data-programme]")
    assert len(rows) == 4
    online = page.select_one("tr[data-programme=help-diabetes]").get_text(" ", strip=True)
    assert "Online, on your own." in online
    dsmp = page.select_one("tr[data-programme=dsmp]").get_text(" ", strip=True)
    assert "7 sessions of 3 hours each." in dsmp


def test_a_programme_page_shows_runs_languages_and_last_checked(fetch):
    page = fetch("/en/programmes/desmond")
    assert page.find("h1").get_text(strip=True) == "DESMOND"
    runs = page.select(".app-runs li")
    assert len(runs) == 3
    assert any("Language: Bengali." in r.get_text() for r in runs)
    assert any("Step-free access." in r.get_text() for r in runs)
    text = page.get_text(" ", strip=True)
    assert "English and Bengali" in text
    assert "We last checked these details on 20 November 2026." in text


def test_the_online_programme_page_has_its_sign_up_link(fetch):
    # People join Healthy Living themselves on its website (tests/public/test_start_now.py).
    page = fetch("/en/programmes/help-diabetes")
    start = page.find("a", string=lambda s: s and s.strip() == "Start now")
    assert start["href"] == "https://www.healthyliving.nhs.uk/"
    assert not page.find("a", string=lambda s: s and s.startswith("Sign up for"))
    # X-PERT takes self-referrals through this site.
    page = fetch("/en/programmes/x-pert")
    link = page.find(lambda tag: tag.name == "a" and tag.get_text().startswith("Sign up for"))
    assert link["href"] == "/en/self-refer/x-pert"
    assert not page.find("a", string=lambda s: s and s.strip() == "Start now")


def test_nothing_about_a_visitor_is_stored(client):
    response = client.get("/en/results?diabetes=type2&computer=no")
    assert "Set-Cookie" not in response.headers


def test_assets_are_served_locally_fingerprinted_and_compressed(client, fetch):
    href = fetch("/en/").find("link", rel="stylesheet")["href"]
    assert re.fullmatch(r"/assets/finder\.[0-9a-f]{12}\.css", href)
    css = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "gzip"
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    body = gzip.decompress(css.data)
    assert b"nhsuk-header" in body
    assert b"assets.nhs.uk" not in body, "no web fonts from another host"
    css.close()
    plain = client.get(href)
    assert "Content-Encoding" not in plain.headers
    assert plain.data == body
    plain.close()
    icon = client.get("/assets/images/favicon.svg")
    assert icon.status_code == 200
    icon.close()


def test_pages_are_compressed_as_served(client):
    response = client.get("/en/results?diabetes=type2", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"data-programme" in gzip.decompress(response.data)


def test_runs_in_the_past_are_not_listed(app, fetch):
    from finder.extensions import db
    from finder.models import CourseRun

    with app.app_context():
        run = db.session.query(CourseRun).filter_by(key="dsmp-haringey-weekday").one()
        original = run.start_date
        run.start_date = clock.today() - dt.timedelta(days=1)
        db.session.commit()
        try:
            assert len(fetch("/en/programmes/dsmp").select(".app-runs li")) == 1
        finally:
            run.start_date = original
            db.session.commit()


def test_an_unexpected_error_gives_the_nhs_error_page_and_no_details(fetch, monkeypatch, caplog):
    from finder import directory

    def broken():
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(directory, "shown_programmes", broken)
    page = fetch("/en/programmes", status=500)
    assert page.find("h1").get_text(strip=True) == "Sorry, there is a problem with the service"
    assert "secret internal detail" not in str(page)
    assert "unhandled error" in caplog.text


def test_courses_only_for_other_areas_are_counted_not_listed(fetch):
    page = fetch("/en/results?diabetes=type2&area=haringey")
    listed = {o["data-programme"] for o in page.select("[data-programme][data-fit]")}
    assert listed == {"help-diabetes", "dsmp"}, "x-pert and desmond are for Camden and Islington"
    assert (
        "2 more courses are only for people who live in other areas."
        in page.select_one(".app-elsewhere").get_text()
    )
    assert not fetch("/en/results?diabetes=type2").select(".app-elsewhere")
