"""Personas from the study's barriers, through the real app: the results page's order, fits and
the run each card shows, against orders written by hand.

The expected orders were worked out by hand from the seed directory (seeds/, whose facts come
from shared/reference/programmes.md) and the ranking rule in finder/matching.py, not computed by
the code. The app is seeded and asked on a fixed day, Tuesday 1 December 2026, so the runs fall
on known dates:

- X-PERT, Islington, evening: every Tuesday for 6 weeks, 18:00 to 20:30, from 15 December (14 days)
- DESMOND, Camden, weekday: one day, Wednesday 16 December, 09:30 to 16:00 (15 days)
- DESMOND, Islington, in Bengali: 2 half days, from Thursday 24 December, 10:00 to 13:00 (23 days)
- X-PERT, Camden, weekday: every Monday for 6 weeks, 13:30 to 16:00, from 11 January (41 days)
- DESMOND, Camden, Saturday: one day, Saturday 9 January, 10:00 to 16:30 (39 days)
- DSMP, Haringey, weekday: every Thursday for 7 weeks, from 21 January (51 days: a long wait)
- DSMP, Islington, evening: every Wednesday for 7 weeks, from 3 February (64 days)

Directory facts used: Healthy Living (help-diabetes) is online, English only, type 2, a relative
or carer can sign up (verified). DESMOND is type 2, has a Newly Diagnosed module, a partner or
friend may come (verified). X-PERT is type 2; bringing someone and other long-term conditions
come from an unverified source (the study's Table 1). DSMP says type 1 and type 2, the type 1
part unverified; nothing is known about bringing someone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from finder.extensions import db
from finder.models import CourseRun, Referral
from tests.conftest import check_page, migrated_app, one, own_database
from tests.forms import hidden_fields

DAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)  # a Tuesday


@pytest.fixture(scope="module")
def persona_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with time_machine.travel(DAY, tick=False):
        app = migrated_app(own_database("personas", tmp_path_factory))
    yield app
    with app.app_context():
        db.engine.dispose()  # its connections are closed here, not by the garbage collector


def results(app: Flask, query: str, lang: str = "en"):
    with time_machine.travel(DAY, tick=False):
        response = app.test_client().get(f"/{lang}/results?{query}")
    assert response.status_code == 200
    return check_page(response.get_data(as_text=True))


def cards(soup) -> list[tuple[str, str]]:
    return [(li["data-programme"], li["data-fit"]) for li in soup.select("li.app-option")]


def card(soup, slug: str):
    return soup.select_one(f'li.app-option[data-programme="{slug}"]')


def codes(soup, slug: str, kind: str) -> list[str]:
    return [li["data-code"] for li in card(soup, slug).select(f".app-{kind} li")]


# (persona, query, expected [(programme, fit)] in page order, why).
PERSONAS = [
    (
        "type 2, nothing else said",
        "diabetes=type2",
        [("x-pert", "good"), ("desmond", "good"), ("help-diabetes", "good"), ("dsmp", "possible")],
        "NICE NG28 1.2.4: group education first; X-PERT starts sooner than DESMOND; DSMP's "
        "first date is 51 days away (a long wait)",
    ),
    (
        "newly diagnosed",
        "diabetes=type2&diagnosed=recent",
        [("desmond", "good"), ("x-pert", "good"), ("help-diabetes", "good"), ("dsmp", "possible")],
        "DESMOND has a Newly Diagnosed module (knowdiabetes): first for the newly diagnosed",
    ),
    (
        "works weekdays, free evenings and weekends",
        "diabetes=type2&daytime=no",
        [("x-pert", "good"), ("desmond", "good"), ("help-diabetes", "good"), ("dsmp", "possible")],
        "all three meet the times (X-PERT's Tuesday evenings, DESMOND's Saturday, online any "
        "time); group first, sooner first; DSMP's evening course is 64 days away",
    ),
    (
        "wants to learn in a group",
        "diabetes=type2&learning=group&computer=confident",
        [
            ("x-pert", "good"),
            ("desmond", "good"),
            ("dsmp", "possible"),
            ("help-diabetes", "possible"),
        ],
        "a stated wish for a group puts every group course above the online one, even DSMP "
        "with its long wait",
    ),
    (
        "anxious in groups, likes own pace",
        "diabetes=type2&learning=own_pace&group_worry=yes&computer=confident",
        [
            ("help-diabetes", "good"),
            ("x-pert", "possible"),
            ("desmond", "possible"),
            ("dsmp", "possible"),
        ],
        "online meets both wishes; the groups each carry two cautions, DSMP a third (long wait)",
    ),
    (
        "full-time carer, any free time, wants to bring the person they care for",
        "diabetes=type2&daytime=no&evenings=no&weekends=no&companion=yes",
        [
            ("help-diabetes", "good"),
            ("desmond", "unlikely"),
            ("x-pert", "unlikely"),
            ("dsmp", "unlikely"),
        ],
        "online fits any time and a carer can sign up; no group course is at a time they can "
        "come; DESMOND welcomes a companion (verified), X-PERT's is unverified",
    ),
    (
        "full-time carer without a computer: nothing fits",
        "diabetes=type2&daytime=no&evenings=no&weekends=no&companion=yes&computer=no",
        [
            ("help-diabetes", "unlikely"),
            ("desmond", "unlikely"),
            ("x-pert", "unlikely"),
            ("dsmp", "unlikely"),
        ],
        "nothing fits: online still meets their times and companion (with a relative's help)",
    ),
    (
        "Bengali-speaking carer, free in the day only",
        "diabetes=type2&language=bn&evenings=no&weekends=no&companion=yes",
        [
            ("desmond", "good"),
            ("help-diabetes", "possible"),
            ("x-pert", "possible"),
            ("dsmp", "possible"),
        ],
        "DESMOND has a Bengali course on a weekday, and a companion is welcome: all three wishes",
    ),
    (
        "Bengali speaker who works weekdays",
        "diabetes=type2&language=bn&daytime=no",
        [
            ("desmond", "possible"),
            ("x-pert", "possible"),
            ("help-diabetes", "possible"),
            ("dsmp", "possible"),
        ],
        "DESMOND has a Bengali course (language) and a Saturday one (times); its card shows the "
        "Bengali one and names the Saturday one; the rest are English only",
    ),
    (
        "prefers listening, no computer",
        "diabetes=type2&reading=spoken&computer=no",
        [
            ("x-pert", "good"),
            ("desmond", "good"),
            ("dsmp", "possible"),
            ("help-diabetes", "unlikely"),
        ],
        "the online course needs a device and is mostly reading",
    ),
    (
        "other long-term conditions",
        "diabetes=type2&conditions=yes",
        [("x-pert", "good"), ("desmond", "good"), ("help-diabetes", "good"), ("dsmp", "possible")],
        "X-PERT's 'long-term conditions' is unverified: shown as to be confirmed, ranks nothing",
    ),
    (
        "wants to bring someone",
        "diabetes=type2&companion=yes",
        [("desmond", "good"), ("help-diabetes", "good"), ("x-pert", "good"), ("dsmp", "possible")],
        "DESMOND and Healthy Living welcome someone (verified); X-PERT's is unverified",
    ),
    (
        "internet only with help",
        "diabetes=type2&computer=with_help",
        [
            ("x-pert", "good"),
            ("desmond", "good"),
            ("dsmp", "possible"),
            ("help-diabetes", "possible"),
        ],
        "two courses that could suit: group before online",
    ),
    (
        "type 1",
        "diabetes=type1",
        [
            ("dsmp", "unlikely"),
            ("x-pert", "not_eligible"),
            ("desmond", "not_eligible"),
            ("help-diabetes", "not_eligible"),
        ],
        "only DSMP may take type 1, and that is unverified: never better than unlikely",
    ),
    (
        "not sure which type",
        "diabetes=unsure",
        [
            ("x-pert", "possible"),
            ("desmond", "possible"),
            ("help-diabetes", "possible"),
            ("dsmp", "possible"),
        ],
        "not sure is never better than possible: a blood test comes first",
    ),
    (
        "lives in Haringey",
        "diabetes=type2&area=haringey",
        [("help-diabetes", "good"), ("dsmp", "possible")],
        "X-PERT and DESMOND are only for Camden and Islington: counted, not listed",
    ),
]


@pytest.mark.parametrize(
    ("persona", "query", "expected", "why"), PERSONAS, ids=[p[0] for p in PERSONAS]
)
def test_each_persona_gets_the_order_worked_out_by_hand(persona_app, persona, query, expected, why):
    assert cards(results(persona_app, query)) == expected, why


def test_the_bengali_carer_sees_the_bengali_course_its_day_time_and_place(persona_app):
    soup = results(persona_app, "diabetes=type2&language=bn&evenings=no&weekends=no&companion=yes")
    desmond = card(soup, "desmond")
    run = desmond.select_one(".app-run")
    assert run["data-run"] == "desmond-islington-bengali"
    assert (
        run.select_one(".app-run__when")
        .get_text(" ", strip=True)
        .startswith("When: 2 half days, from Thursday 24 December, 10:00 to 13:00.")
    )
    where = " ".join(run.select_one(".app-run__where").get_text().split())
    assert where.startswith("Where: Canal Health Centre (demo), Islington, ZZ1 2BB.")
    assert "Language: Bengali." in run.get_text(" ", strip=True)
    assert "course_in_language" in codes(soup, "desmond", "reasons")


def test_a_caution_about_another_run_names_it(persona_app):
    soup = results(persona_app, "diabetes=type2&language=bn&daytime=no")
    desmond = card(soup, "desmond")
    assert desmond.select_one(".app-run")["data-run"] == "desmond-islington-bengali"
    caution = desmond.select_one('.app-cautions li[data-code="language_run_other_time"]')
    assert caution.get_text(" ", strip=True) == (
        "This course in Bengali is at a time you said you cannot come. There is another course "
        "at a time you can: one day, Saturday 9 January, 10:00 to 16:30."
    )


def test_a_weekly_course_says_its_day_and_weeks_never_a_fixed_phrase(persona_app):
    soup = results(persona_app, "diabetes=type2&daytime=no")
    when = card(soup, "x-pert").select_one(".app-run__when").get_text(" ", strip=True)
    assert when.startswith("When: every Tuesday for 6 weeks, 18:00 to 20:30, from 15 December.")
    saturday = card(soup, "desmond").select_one(".app-run__when").get_text(" ", strip=True)
    assert saturday.startswith("When: one day, Saturday 9 January, 10:00 to 16:30.")
    assert not [r for r in soup.select(".app-run") if "once a week" in r.get_text()]


def test_unverified_facts_are_to_be_confirmed_and_rank_nothing(persona_app):
    soup = results(persona_app, "diabetes=type2&conditions=yes&companion=yes")
    assert "other_conditions" not in codes(soup, "x-pert", "reasons")
    assert "other_conditions_unconfirmed" in codes(soup, "x-pert", "cautions")
    assert "companion_unconfirmed" in codes(soup, "x-pert", "cautions")
    text = card(soup, "x-pert").get_text(" ", strip=True)
    assert "This is to be confirmed." in text


def test_the_card_is_in_bengali_with_babel_dates(persona_app):
    soup = results(persona_app, "diabetes=type2&language=bn&evenings=no&weekends=no", lang="bn")
    when = card(soup, "desmond").select_one(".app-run__when").get_text(" ", strip=True)
    assert "২৪" in when or "24" in when  # the day of the month, in the page's numbering
    assert "বৃহস্পতিবার" in when  # Thursday in Bengali (CLDR)


def test_type_1_stops_after_the_first_question_and_leads_to_type_1_education(persona_app):
    with time_machine.travel(DAY, tick=False):
        response = persona_app.test_client().get("/en/find/diabetes?diabetes=type1&continue=1")
    assert response.status_code == 302
    assert response.location.startswith("/en/find/check?")
    soup = results(persona_app, "diabetes=type1")
    box = soup.select_one(".app-type1")
    text = box.get_text(" ", strip=True)
    assert "DAFNE (Dose Adjustment For Normal Eating)" in text
    assert "BERTIE Online" in text
    assert "diabetes team" in text
    assert box.find("a", href=lambda h: h and "bertie" in h)
    assert not soup.select(".app-nothing-fits")


def test_not_sure_leads_with_the_blood_test_and_offers_no_sign_up(persona_app):
    soup = results(persona_app, "diabetes=unsure")
    first = soup.select_one("#maincontent h1").find_next(class_="nhsuk-inset-text")
    assert "Ask your GP practice for a blood test." in first.get_text(" ", strip=True)
    assert {fit for _, fit in cards(soup)} == {"possible"}
    assert not soup.find("a", string=lambda s: s and s.startswith("Sign up for"))


def test_when_nothing_fits_the_page_says_so_and_offers_what_helps(persona_app):
    soup = results(
        persona_app, "diabetes=type2&daytime=no&evenings=no&weekends=no&companion=yes&computer=no"
    )
    box = soup.select_one(".app-nothing-fits")
    assert box.h2.get_text(strip=True) == "No course fits all your answers"
    items = [li.get_text(" ", strip=True) for li in box.select("li")]
    assert any("relative or friend could help you" in i for i in items)
    assert any("sitting service" in i for i in items)
    assert any("bring the person you care for" in i for i in items)
    # Someone with a course that fits is not told that nothing does.
    assert not results(persona_app, "diabetes=type2&daytime=no").select(".app-nothing-fits")


def test_the_results_page_has_a_key_to_the_fit_labels(persona_app):
    key = results(persona_app, "diabetes=type2").select_one(".app-fit-key")
    labels = [dt.get_text(strip=True) for dt in key.select("dt")]
    assert labels == ["Good fit", "Could suit you", "May be hard for you", "Not for you"]


def test_courses_for_some_areas_say_so_when_no_area_was_given(persona_app):
    soup = results(persona_app, "diabetes=type2")
    note = card(soup, "desmond").select_one(".app-areas").get_text(strip=True)
    assert note == "Only for people who live in Camden and Islington."
    assert not card(soup, "help-diabetes").select(".app-areas")
    assert not card(results(persona_app, "diabetes=type2&area=camden"), "desmond").select(
        ".app-areas"
    )


def test_question_pages_say_which_question_of_how_many(persona_app):
    with time_machine.travel(DAY, tick=False):
        response = persona_app.test_client().get("/en/find/daytime?diabetes=type2")
    soup = check_page(response.get_data(as_text=True))
    assert one(soup, ".app-question-number").get_text(strip=True) == "Question 3 of 13"


def _form(client, path):
    soup = check_page(client.get(path).get_data(as_text=True))
    hidden = hidden_fields(soup, "form input[type=hidden]")
    return soup, hidden


def _checked_run(soup) -> str:
    return str(one(soup, "input[name=course_run][checked]")["value"])


def test_self_referral_offers_each_run_with_the_one_that_fits_chosen(persona_app):
    client = persona_app.test_client()
    with time_machine.travel(DAY, tick=False):
        soup, _ = _form(client, "/en/self-refer/x-pert?diabetes=type2&daytime=no")
        values = [i["value"] for i in soup.select("input[name=course_run]")]
        assert values == ["x-pert-islington-evening", "x-pert-camden-weekday", "any"]
        assert _checked_run(soup) == "x-pert-islington-evening"
        soup, _ = _form(client, "/en/self-refer/x-pert?diabetes=type2&evenings=no")
        assert _checked_run(soup) == "x-pert-camden-weekday"
        text = soup.get_text(" ", strip=True)
    assert "every Monday for 6 weeks, 13:30 to 16:00, from 11 January" in text
    assert "course team can see them" not in text
    assert "Your GP practice will get your details and contact you about the course." in text


@pytest.mark.parametrize(
    ("run", "call_by"),
    [
        # The evening course starts on 15 December: call a week before it, not in 2 weeks.
        ("x-pert-islington-evening", "Tuesday 8 December"),
        # The Monday course starts on 11 January: the worklist's 14 days come first.
        ("x-pert-camden-weekday", "Tuesday 15 December"),
        ("any", "Tuesday 15 December"),
    ],
)
def test_self_referral_stores_the_chosen_run_and_promises_only_what_happens(
    persona_app, run, call_by
):
    client = persona_app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{len(run)}"
    path = "/en/self-refer/x-pert?diabetes=type2"
    with time_machine.travel(DAY, tick=False):
        _, hidden = _form(client, path)
        data = {
            **hidden,
            "name": "Sam Sample",
            "date_of_birth": "01/01/1960",
            "phone": "020 7946 0111",
            "practice": "DEMO02",
            "preferred_language": "en",
            "course_run": run,
            "consent": "y",
        }
        response = client.post(path, data=data)
        assert response.status_code == 302
        done = check_page(client.get(response.location).get_data(as_text=True))
    text = done.get_text(" ", strip=True)
    with persona_app.app_context():
        referral = db.session.scalars(select(Referral).order_by(Referral.id.desc())).first()
        assert referral is not None
        chosen = (
            db.session.get(CourseRun, referral.course_run_id) if referral.course_run_id else None
        )
        assert (chosen.key if chosen else "any") == run
    assert f"If you have not heard from them by {call_by}, call your GP practice." in text
    assert "2 weeks" not in text
    assert "team will get your details" not in text
    if run == "any":
        assert not done.select(".app-chosen-run")
    else:
        assert "Your place is not booked yet." in text
        assert one(done, ".app-chosen-run").get_text(strip=True).startswith("When: every")


def _page(app: Flask, path: str):
    with time_machine.travel(DAY, tick=False):
        response = app.test_client().get(path)
    assert response.status_code == 200
    return check_page(response.get_data(as_text=True))


def test_last_checked_is_only_said_of_checked_facts(persona_app):
    # Healthy Living's availability after March 2024 is unverified (reference/programmes.md).
    help_page = _page(persona_app, "/en/programmes/help-diabetes")
    box = help_page.select_one(".app-to-confirm")
    assert [li.get_text(strip=True) for li in box.select("li")] == [
        "Whether the course is still running."
    ]
    text = help_page.get_text(" ", strip=True)
    assert "We last checked these details" not in text
    assert "We last checked the other details on 20 November 2026." in text
    desmond = _page(persona_app, "/en/programmes/desmond")
    assert not desmond.select(".app-to-confirm")
    assert "We last checked these details on 20 November 2026." in desmond.get_text(" ", strip=True)
    card_text = card(results(persona_app, "diabetes=type2"), "help-diabetes").get_text(" ")
    assert "It is not confirmed that this course is still running." in card_text


def test_the_start_page_states_the_studys_association_as_an_association(persona_app):
    text = _page(persona_app, "/en/").get_text(" ", strip=True)
    assert "A study found a link. People who did not go on a diabetes course were 4 times" in text
    assert "you are 4 times more likely" not in text


def test_the_results_page_can_be_printed(persona_app):
    soup = results(persona_app, "diabetes=type1")
    button = soup.select_one('button[data-module="app-print"]')
    assert button.get_text(strip=True) == "Print this page"
    assert button.has_attr("hidden")  # shown by JavaScript, which can print
    assert "app-print-open" in soup.find("details", class_="app-print-open")["class"]
