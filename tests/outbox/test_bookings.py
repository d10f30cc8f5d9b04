"""A booking's messages, through the real app, the real Notify client (to the fake Notify
server) and the real job queue, with frozen time: the course provider books a person onto a
course run → a confirmation in their language → the reminders a week and a day before, each
once → the booking moved to another date (the old reminders cancelled, new ones made) → "I
can't make it" on the person's own page (off the run, the place given back, the history, the
practice's follow-up list, the course team emailed, no more reminders, other options shown).
Every expected value (dates, times, words) is written by hand."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TypedDict
from zoneinfo import ZoneInfo

import icalendar
import pytest
import textstat
import time_machine
from flask import Flask
from sqlalchemy import select, update

from finder import clock, jobs, maintenance
from finder.commissioning.operations import remove_run
from finder.extensions import db
from finder.models import (
    Area,
    CourseRun,
    OutboundMessage,
    Programme,
    Referral,
    Reminder,
    Venue,
)
from finder.policy import RETENTION_FLOOR_DAYS
from tests.conftest import check_page, migrated_app, one, own_database
from tests.forms import hidden_fields
from tests.outbox.fake_notify import FakeNotify, settings
from tests.providers.test_provider_side import answer
from tests.public.test_readability import PAGE_GRADE, sentences_of
from tests.staff.conftest import csrf_token, sign_in

BASE = "http://127.0.0.1:8000"
LONDON = ZoneInfo("Europe/London")


class Run(TypedDict):
    key: str
    start: dt.date
    at: dt.time


# Tuesday 2 March 2027, 09:00 (GMT): 20 days before the first course.
BOOKED = dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC)
# Monday 22 March 2027, one day, 10:00 to 16:30 (GMT), at Test Hall.
FIRST: Run = {"key": "desmond-test-hall-march", "start": dt.date(2027, 3, 22), "at": dt.time(10, 0)}
# Monday 12 April 2027, every Monday for 6 weeks, 18:00 to 20:30 (British Summer Time).
SECOND: Run = {
    "key": "desmond-test-hall-april",
    "start": dt.date(2027, 4, 12),
    "at": dt.time(18, 0),
}
MOBILE = "+447700900982"
TEAM = "desmond.bookings@example.org"


@pytest.fixture(scope="module")
def app(notify: FakeNotify, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app sending through the fake Notify, with DESMOND's course team's address in the
    directory and two course runs of its own at Test Hall (step-free)."""
    app = migrated_app(
        own_database("bookings", tmp_path_factory), **settings(notify), FINDER_BASE_URL=BASE
    )
    with app.app_context():
        desmond: Programme | None = db.session.scalar(select(Programme).filter_by(slug="desmond"))
        assert desmond is not None
        desmond.referral_contact = f"Bookings: {TEAM}"
        venue = Venue(
            slug="test-hall",
            name="Test Hall",
            address="1 Example Road",
            postcode="E1 6AN",
            area_id=db.session.scalar(select(Area.id).filter_by(slug="islington")),
            step_free=True,
            parking=None,
        )
        db.session.add(venue)
        db.session.add(
            CourseRun(
                key=FIRST["key"], programme=desmond, venue=venue, start_date=FIRST["start"],
                start_time=FIRST["at"], end_time=dt.time(16, 30), language="en", sessions=1,
                pattern="one_day", places_left=10,
            )
        )  # fmt: skip
        db.session.add(
            CourseRun(
                key=SECOND["key"], programme=desmond, venue=venue, start_date=SECOND["start"],
                start_time=SECOND["at"], end_time=dt.time(20, 30), language="en", sessions=6,
                pattern="weekly", places_left=10,
            )
        )  # fmt: skip
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def run_id(app: Flask, key: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(CourseRun.id).filter_by(key=key))
        assert found is not None
        return found


def places(app: Flask, key: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(CourseRun.places_left).filter_by(key=key))
        assert found is not None
        return found


def the_referral(app: Flask, reference: str) -> Referral:
    with app.app_context():
        found: Referral | None = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert found is not None
        found.events  # noqa: B018 - loaded before the session closes
        found.course_run  # noqa: B018
        return found


def reminders(app: Flask, reference: str) -> list[tuple[str, str, dt.datetime, str]]:
    """Each reminder: (run key, kind, due, "sent" / "cancelled" / "waiting")."""
    with app.app_context():
        rows = db.session.scalars(
            select(Reminder)
            .join(Referral)
            .where(Referral.reference == reference)
            .order_by(Reminder.id)
        ).all()
        return [
            (
                r.course_run.key,
                r.kind,
                r.due_at,
                "sent" if r.sent_at else "cancelled" if r.cancelled_at else "waiting",
            )
            for r in rows
        ]


def run_the_job(app: Flask) -> None:
    """The periodic job, as the worker's scheduler queues it (run at once in tests)."""
    with app.app_context():
        jobs.queue().tasks["finder.referrals.booking.remind"]()


def texts(notify: FakeNotify, reference: str = "") -> list[str]:
    """The text messages Notify took (about one referral: its key starts with the reference)."""
    return [
        n["body"]["personalisation"]["body"]
        for n in notify.received
        if n["type"] == "sms" and n["reference"].startswith(reference)
    ]


def link_in(text: str) -> str:
    found = re.search(re.escape(BASE) + r"(/[a-z]{2}/my/[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def worklist_reasons(app: Flask, reference: str) -> list[str]:
    clinician = sign_in(app.test_client(), "clinician")
    page = check_page(clinician.get("/en/staff/follow-up").get_data(as_text=True))
    card = page.select_one(f"[data-reference='{reference}']")
    return str(card["data-reasons"]).split() if card else []


def move(app: Flask, reference: str, key: str) -> None:
    """The practice changes the course date on the referral's page."""
    clinician = sign_in(app.test_client(), "clinician")
    page = check_page(clinician.get(f"/en/staff/referrals/{reference}").get_data(as_text=True))
    form = one(page, "form.app-course-run")
    data = hidden_fields(form)
    data |= {"course_run": str(run_id(app, key)), "run_reason": "asked for an evening course"}
    assert clinician.post(str(form["action"]), data=data).status_code == 302


@pytest.fixture
def person(make_referral, notify: FakeNotify) -> Iterator[str]:
    """A person referred to DESMOND by the practice: a mobile, Polish, nothing sent yet."""
    notify.reset()
    with time_machine.travel(BOOKED, tick=False):
        reference = make_referral(phone=MOBILE, preferred_language="pl")
    notify.reset()  # the course team's email about the new referral
    yield reference
    assert not notify.rejected, notify.rejected


def at(moment: dt.datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def test_booked_reminded_moved_and_cannot_make_it(app, person, notify):
    reference = person
    first, second = FIRST["key"], SECOND["key"]
    first_places, second_places = places(app, first), places(app, second)

    # The course team books the person onto the first run, 20 days ahead.
    with at(BOOKED):
        provider = sign_in(app.test_client(), "provider")
        booked = answer(
            provider, f"/en/staff/inbox/{reference}", "booked", run=str(run_id(app, first))
        )
        assert booked.status_code == 302
    assert places(app, first) == first_places - 1
    [confirmation] = texts(notify, reference)
    assert notify.received[0]["body"]["phone_number"] == MOBILE
    # In Polish: the date, the time and the postcode, and no diagnosis on a lock screen.
    assert confirmation.startswith("Twoje miejsce na kursie zdrowia: 22 mar o 10:00, E1 6AN.")
    assert "diabet" not in confirmation.lower()
    assert "cukrzyc" not in confirmation.lower()
    assert link_in(confirmation).startswith("/pl/my/")
    assert reminders(app, reference) == [
        (first, "week", dt.datetime(2027, 3, 15, 10, 0, tzinfo=dt.UTC), "waiting"),
        (first, "day", dt.datetime(2027, 3, 21, 10, 0, tzinfo=dt.UTC), "waiting"),
    ]
    with app.app_context():
        [kept] = db.session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.template == "booking_confirmation",
                OutboundMessage.to == MOBILE,
            )
        ).all()
        assert kept.status == "sent"
        assert "/pl/my/(token)" in kept.body  # the token left the stored words once sent
        assert link_in(confirmation).rsplit("/", 1)[1] not in kept.body

    # 13 days before: nothing.
    with at(dt.datetime(2027, 3, 9, 10, 0, tzinfo=dt.UTC)):
        run_the_job(app)
    assert len(texts(notify, reference)) == 1

    # 7 days before, at 10:00: the week's reminder, once however often the job runs.
    with at(dt.datetime(2027, 3, 15, 10, 5, tzinfo=dt.UTC)):
        run_the_job(app)
        run_the_job(app)
    assert len(texts(notify, reference)) == 2
    week = texts(notify, reference)[1]
    assert "22 mar" in week
    assert "10:00" in week
    assert "E1 6AN" in week
    assert "diabet" not in week.lower()
    assert "cukrzyc" not in week.lower()
    assert [r[3] for r in reminders(app, reference)] == ["sent", "waiting"]

    # The person's page, from the link in the reminder: the course, and its calendar file.
    anyone = app.test_client()
    own = link_in(week)
    with at(dt.datetime(2027, 3, 15, 12, 0, tzinfo=dt.UTC)):
        response = anyone.get(own)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        page = check_page(response.get_data(as_text=True))
        assert one(page, "html")["lang"] == "pl"
        words = page.get_text(" ", strip=True)
        assert "Test Hall" in words
        assert "E1 6AN" in words
        assert "Pat Example" not in words  # no personal details on the page
        calendar_link = str(one(page, "a.app-calendar")["href"])
        ics = anyone.get(calendar_link)
        assert ics.status_code == 200
        assert ics.mimetype == "text/calendar"
    [event] = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2027, 3, 22, 10, 0, tzinfo=LONDON)
    assert event.decoded("dtend") == dt.datetime(2027, 3, 22, 16, 30, tzinfo=LONDON)
    assert str(event["location"]) == "Test Hall, 1 Example Road, E1 6AN"

    # The practice moves the booking to the April run: the old reminder left is cancelled,
    # the new run's are made, and a new confirmation says the new date.
    with at(dt.datetime(2027, 3, 16, 11, 0, tzinfo=dt.UTC)):
        move(app, reference, second)
    assert places(app, first) == first_places
    assert places(app, second) == second_places - 1
    assert reminders(app, reference) == [
        (first, "week", dt.datetime(2027, 3, 15, 10, 0, tzinfo=dt.UTC), "sent"),
        (first, "day", dt.datetime(2027, 3, 21, 10, 0, tzinfo=dt.UTC), "cancelled"),
        # 10:00 in London is 09:00 UTC in British Summer Time.
        (second, "week", dt.datetime(2027, 4, 5, 9, 0, tzinfo=dt.UTC), "waiting"),
        (second, "day", dt.datetime(2027, 4, 11, 9, 0, tzinfo=dt.UTC), "waiting"),
    ]
    assert len(texts(notify, reference)) == 3
    assert texts(notify, reference)[2].startswith(
        "Twoje miejsce na kursie zdrowia: 12 kwi o 18:00, E1 6AN."
    )

    # The day before the old date, and the old date itself: nothing about the old run.
    for moment in (
        dt.datetime(2027, 3, 21, 10, 5, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 22, 9, 0, tzinfo=dt.UTC),
    ):
        with at(moment):
            run_the_job(app)
    assert len(texts(notify, reference)) == 3

    # A week before the new date: its reminder.
    with at(dt.datetime(2027, 4, 5, 9, 5, tzinfo=dt.UTC)):
        run_the_job(app)
    assert len(texts(notify, reference)) == 4
    assert "12 kwi" in texts(notify, reference)[3]
    assert "18:00" in texts(notify, reference)[3]

    # "I can't make it", from the page the latest reminder links to.
    own = link_in(texts(notify, reference)[3])
    with at(dt.datetime(2027, 4, 6, 8, 0, tzinfo=dt.UTC)):
        page = check_page(anyone.get(own).get_data(as_text=True))
        form = one(page, "form[action$='/cannot-make-it']")
        assert one(form, "button").get_text(strip=True)
        data = hidden_fields(form)
        done = anyone.post(str(form["action"]), data=data)
        assert done.status_code == 302
        assert done.location.endswith(own)
        # Pressed again (the old page, sent twice): nothing more happens.
        assert anyone.post(str(form["action"]), data=data).status_code == 302
        after = check_page(anyone.get(own).get_data(as_text=True))
        assert after.select_one("form[action$='/cannot-make-it']") is None
        assert after.select_one(".app-could-not-make-it") is not None
        menu = str(one(after, "a.app-menu")["href"])
        assert menu.startswith("/pl/results?")
        assert "diabetes=type2" in menu
        options = check_page(anyone.get(menu).get_data(as_text=True))
        assert options.select("[data-programme]")  # other courses and formats to choose from
        other_dates = [li["data-run"] for li in after.select(".app-other-dates li")]
        assert first not in other_dates  # it has started
        assert second in other_dates  # the person may ask for it again
        reasons = worklist_reasons(app, reference)
    assert "cannot_attend" in reasons

    done_referral = the_referral(app, reference)
    assert done_referral.course_run is None
    # The course team had booked them (so accepted them): back to waiting for a date.
    assert done_referral.status == "accepted"
    assert places(app, second) == second_places
    said = [e for e in done_referral.events if e.reason == "the patient said they cannot make it"]
    assert [(e.kind, e.actor_role, e.from_status, e.to_status) for e in said] == [
        ("status", "patient", "booked", "accepted"),
        ("change", "patient", None, None),
    ]
    [told] = [n for n in notify.received if n["type"] == "email"]
    assert told["body"]["email_address"] == TEAM
    assert reference in told["body"]["personalisation"]["subject"]
    assert "12 April 2027" in told["body"]["personalisation"]["body"]
    assert [r[3] for r in reminders(app, reference)][2:] == ["sent", "cancelled"]

    # The day before the April course: no reminder any more.
    with at(dt.datetime(2027, 4, 11, 9, 5, tzinfo=dt.UTC)):
        run_the_job(app)
    assert len(texts(notify, reference)) == 4


def test_a_booking_days_away_gets_only_the_reminder_still_ahead(app, person, notify):
    """Booked 3 days before the course: the confirmation and the day-before reminder only."""
    with at(dt.datetime(2027, 3, 19, 15, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        booked = answer(
            provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, FIRST["key"]))
        )
        assert booked.status_code == 302
    assert reminders(app, person) == [
        (FIRST["key"], "day", dt.datetime(2027, 3, 21, 10, 0, tzinfo=dt.UTC), "waiting")
    ]
    with at(dt.datetime(2027, 3, 21, 10, 0, tzinfo=dt.UTC)):
        run_the_job(app)
    [_confirmation, day] = texts(notify, person)
    assert day.startswith("Przypomnienie: Twój kurs zdrowia zaczyna się jutro o 10:00, E1 6AN.")
    # Once the course is under way, the page still shows it, with no "I can't make it".
    with at(dt.datetime(2027, 3, 22, 10, 30, tzinfo=dt.UTC)):
        anyone = app.test_client()
        page = check_page(anyone.get(link_in(day)).get_data(as_text=True))
        assert one(page, ".app-booking")["data-run"] == FIRST["key"]
        assert page.select_one("form[action$='/cannot-make-it']") is None
        late = anyone.post(
            link_in(day) + "/cannot-make-it",
            data={
                "csrf_token": csrf_token(anyone, "/pl/feedback/desmond"),
                "run": str(run_id(app, FIRST["key"])),
            },
        )
        assert late.status_code == 302
    assert the_referral(app, person).status == "booked"


def test_the_page_reads_at_age_9_to_11_booked_and_after(app, person, notify):
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, SECOND["key"])))
        english = "/en/my/" + link_in(texts(notify, person)[0]).rsplit("/", 1)[1]
        anyone = app.test_client()
        booked = check_page(anyone.get(english).get_data(as_text=True))
        form = one(booked, "form[action$='/cannot-make-it']")
        data = hidden_fields(form)
        assert anyone.post(str(form["action"]), data=data).status_code == 302
        after = check_page(anyone.get(english).get_data(as_text=True))
    assert one(booked, "h1").get_text(strip=True) == "Your place on a course"
    assert one(after, "h1").get_text(strip=True) == "Choose another date or course"
    for page in (booked, after):
        assert textstat.flesch_kincaid_grade(sentences_of(page)) <= PAGE_GRADE


def test_a_forged_link_opens_nothing(app):
    client = app.test_client()
    assert client.get("/pl/my/notARealToken1234").status_code == 404
    assert client.get("/pl/my/notARealToken1234/calendar.ics").status_code == 404


def test_a_cancelled_course_sends_no_reminder_and_its_page_offers_other_dates(app, person, notify):
    """A commissioner cancels the run after the booking: the reminder due is not sent, the
    person's page no longer shows the course as theirs, and "I can't make it" is gone."""
    first = FIRST["key"]
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, first)))
    [confirmation] = texts(notify, person)
    with app.app_context():
        run = db.session.get(CourseRun, run_id(app, first))
        assert run is not None
        assert remove_run(run)  # it has a referral: cancelled, not deleted
    try:
        with at(dt.datetime(2027, 3, 15, 10, 5, tzinfo=dt.UTC)):
            run_the_job(app)
            page = check_page(app.test_client().get(link_in(confirmation)).get_data(as_text=True))
        assert len(texts(notify, person)) == 1
        assert [r[3] for r in reminders(app, person)] == ["cancelled", "waiting"]
        assert page.select_one("form[action$='/cannot-make-it']") is None
        assert page.select_one("a.app-calendar") is None
        assert first not in [li["data-run"] for li in page.select(".app-other-dates li")]
    finally:
        with app.app_context():
            run = db.session.get(CourseRun, run_id(app, first))
            assert run is not None
            run.retired = False
            db.session.commit()


SPARE = "desmond-test-hall-spare"


def test_a_run_someone_was_moved_away_from_can_still_be_deleted(app, person, notify):
    """Its reminders (cancelled) go with it; the person's own go on."""
    with app.app_context():
        desmond = db.session.scalar(select(Programme).filter_by(slug="desmond"))
        spare = CourseRun(
            key=SPARE, programme=desmond, start_date=dt.date(2027, 5, 3),
            start_time=dt.time(10, 0), end_time=dt.time(16, 30), language="en", sessions=1,
            pattern="one_day", places_left=5, venue_id=db.session.scalar(
                select(Venue.id).filter_by(slug="test-hall")),
        )  # fmt: skip
        db.session.add(spare)
        db.session.commit()
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, SPARE)))
        move(app, person, SECOND["key"])
    with app.app_context():
        spare_run = db.session.get(CourseRun, run_id(app, SPARE))
        assert spare_run is not None
        assert not remove_run(spare_run)
    assert [r[:2] for r in reminders(app, person)] == [
        (SECOND["key"], "week"),
        (SECOND["key"], "day"),
    ]


def test_without_its_form_token_the_button_changes_nothing(app, person, notify):
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, SECOND["key"])))
        own = link_in(texts(notify, person)[0])
        anyone = app.test_client()
        action = f"{own}/cannot-make-it"
        no_token = anyone.post(action, data={"run": str(run_id(app, SECOND["key"]))})
        assert no_token.status_code == 400
        # With the page's token but not the run it showed: the page again, with the problem.
        form = one(
            check_page(anyone.get(own).get_data(as_text=True)), "form[action$='/cannot-make-it']"
        )
        data = hidden_fields(form)
        refused = anyone.post(action, data={**data, "run": "not a run"})
        assert refused.status_code == 400
        page = check_page(refused.get_data(as_text=True))
        assert one(page, ".nhsuk-error-summary a")["href"] == "#cannot-make-it"
        assert one(page, "title").get_text().startswith("Błąd:")
        assert page.select_one("form[action$='/cannot-make-it']") is not None
    assert the_referral(app, person).status == "booked"


def test_by_email_the_course_is_named_after_the_first_line(app, make_referral, notify):
    """Someone who asked to be emailed gets an email in English: no diagnosis in the subject
    or the first line; then the course, when, where, step-free access and the link."""
    notify.reset()
    with at(BOOKED):
        reference = make_referral(
            phone=None, email="pat@example.com", contact_method="email", preferred_language="en"
        )
    notify.reset()
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(
            provider, f"/en/staff/inbox/{reference}", "booked", run=str(run_id(app, SECOND["key"]))
        )
    [email] = [n for n in notify.received if n["body"].get("email_address") == "pat@example.com"]
    subject = email["body"]["personalisation"]["subject"]
    body = email["body"]["personalisation"]["body"]
    assert subject == "Your place on a health course, 12 Apr"
    first_line, rest = body.split("\n", 1)
    assert first_line == "You have a place on a health course."
    assert "Course: DESMOND" in rest
    assert "When: every Monday for 6 weeks, 18:00 to 20:30, from 12 April" in rest
    assert "Where: Test Hall, 1 Example Road, E1 6AN" in rest
    assert "Step-free access." in rest
    assert link_in(rest).startswith("/en/my/")


def test_a_purged_referral_takes_its_links_and_reminders(app, person, notify):
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, SECOND["key"])))
    with at(dt.datetime(2027, 4, 5, 9, 5, tzinfo=dt.UTC)):
        run_the_job(app)
    assert [r[3] for r in reminders(app, person)] == ["sent", "waiting"]
    own = link_in(texts(notify, person)[0])
    with app.app_context():
        db.session.execute(
            update(Referral)
            .where(Referral.reference == person)
            .values(status="declined", status_changed_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
        db.session.commit()
        maintenance.purge(clock.now(), RETENTION_FLOOR_DAYS)
        assert db.session.scalar(select(Referral.id).filter_by(reference=person)) is None
    assert reminders(app, person) == []
    assert app.test_client().get(own).status_code == 404


def test_a_worker_down_for_a_week_sends_the_day_before_reminder_only(app, person, notify):
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, SECOND["key"])))
    # Nothing ran from before the week's reminder until after the day's (Sunday 11 April).
    with at(dt.datetime(2027, 4, 11, 15, 0, tzinfo=dt.UTC)):
        run_the_job(app)
    assert [r[3] for r in reminders(app, person)] == ["cancelled", "sent"]
    [_confirmation, day] = texts(notify, person)
    assert day.startswith("Przypomnienie: Twój kurs zdrowia zaczyna się jutro o 18:00, E1 6AN.")


def test_a_run_moved_earlier_takes_its_reminders_with_it(app, person, notify):
    """A commissioner moves the April run a week earlier after the booking: the week's reminder
    goes a week before the new date (not the old one)."""
    key = SECOND["key"]
    with at(dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)):
        provider = sign_in(app.test_client(), "provider")
        answer(provider, f"/en/staff/inbox/{person}", "booked", run=str(run_id(app, key)))
    with app.app_context():
        run = db.session.get(CourseRun, run_id(app, key))
        assert run is not None
        run.start_date = dt.date(2027, 4, 5)
        db.session.commit()
    try:
        with at(dt.datetime(2027, 3, 29, 9, 5, tzinfo=dt.UTC)):  # 10:05 in London, BST
            run_the_job(app)
        assert len(texts(notify, person)) == 2
        assert "5 kwi" in texts(notify, person)[1]
        assert reminders(app, person)[0] == (
            key,
            "week",
            dt.datetime(2027, 3, 29, 9, 0, tzinfo=dt.UTC),
            "sent",
        )
    finally:
        with app.app_context():
            run = db.session.get(CourseRun, run_id(app, key))
            assert run is not None
            run.start_date = SECOND["start"]
            db.session.commit()
