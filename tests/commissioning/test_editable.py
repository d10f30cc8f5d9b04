"""Everything a commissioner keeps up to date is editable in the site, audited, and shown in the
programme's change history: facts, sources, areas and state; text, with translations marked
"needs update" when the English changes; venues. Booking someone onto a run takes a place."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from babel.dates import format_date
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import AuditEvent, CourseRun, Programme, Referral, Venue
from tests.conftest import check_page, migrated_app, own_database
from tests.forms import hidden_fields, shown_fields
from tests.staff.conftest import csrf_token, sign_in

FACTS = "/en/staff/directory/programmes/{slug}/facts"
TEXT = "/en/staff/directory/programmes/{slug}?text_lang={lang}"


@pytest.fixture(scope="module")
def own_app(tmp_path_factory):
    """A directory of this module's own: these tests change programmes' states and texts."""
    app = migrated_app(own_database("editable", tmp_path_factory))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def commissioner(own_app):
    return sign_in(own_app.test_client(), "commissioner")


def post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/en/staff/")})


def page(response, status=200):
    assert response.status_code == status, response.status_code
    return check_page(response.get_data(as_text=True))


def programme(app, slug):
    with app.app_context():
        found = db.session.scalar(select(Programme).filter_by(slug=slug))
        assert found is not None, slug
        found.texts  # noqa: B018 - loaded before the session closes
        found.areas  # noqa: B018
        db.session.expunge(found)
        return found


def audited(app, slug, action):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_ref == slug, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        ).all()


def test_the_facts_page_sends_back_what_it_shows_and_that_changes_nothing(own_app, commissioner):
    before = programme(own_app, "dsmp")
    response = post(
        commissioner,
        FACTS.format(slug="dsmp"),
        shown_fields(commissioner, FACTS.format(slug="dsmp")),
    )
    assert response.status_code == 302, page(response).find(class_="nhsuk-error-summary")
    after = programme(own_app, "dsmp")
    for field in ("delivery", "sessions", "session_hours", "diabetes_types", "stages",
                  "self_referral", "companion_welcome", "covers_other_conditions",
                  "content_languages", "join_url", "needs_email", "referral_contact", "sources",
                  "state", "paused_until", "last_verified"):  # fmt: skip
        assert getattr(after, field) == getattr(before, field), field
    assert [a.slug for a in after.areas] == ["haringey", "islington"]  # programmes.yaml
    assert audited(own_app, "dsmp", "directory.programme_facts")[-1].detail["changed"] == []


def test_every_fact_is_edited_in_the_site_and_reaches_patients(own_app, commissioner):
    path = FACTS.format(slug="x-pert")
    shown = shown_fields(commissioner, path)
    # programmes.yaml: X-PERT has three sources; the form adds an empty row for a fourth.
    assert [shown[f"sources-{i}-url"] != "" for i in range(4)] == [True, True, True, False]
    changes = {
        "delivery": ["group"],
        "sessions": "4",
        "session_hours": "1.5",
        "diabetes_types": ["type2", "type1"],
        "stages": ["recent"],
        "companion_welcome": ["no"],
        "covers_other_conditions": [],
        "self_referral": [],
        "content_languages": "en, BN, en",
        "areas": ["haringey"],
        "join_url": "https://www.xperthealth.org.uk/join",
        "referral_contact": "referrals@x-pert.example",
        "sources-0-fact": "4 weekly group sessions of 1.5 hours.",
        "sources-1-unverified": [],  # confirmed now
        "sources-2-fact": "",  # removed
        "sources-2-url": "",
        "sources-3-fact": "A new fact.",
        "sources-3-url": "https://example.org/new",
        "sources-3-unverified": ["y"],
        "verified": ["y"],
    }
    response = post(commissioner, path, {**shown, **changes})
    assert response.status_code == 302, page(response).find(class_="nhsuk-error-summary")

    saved = programme(own_app, "x-pert")
    assert (saved.sessions, saved.session_hours) == (4, 1.5)
    assert saved.diabetes_types == ["type2", "type1"]
    assert saved.stages == ["recent"]
    assert saved.companion_welcome is False
    assert saved.covers_other_conditions is False
    assert saved.self_referral is False
    assert saved.content_languages == ["en", "bn"]
    assert [a.slug for a in saved.areas] == ["haringey"]
    assert saved.join_url == "https://www.xperthealth.org.uk/join"
    assert saved.referral_contact == "referrals@x-pert.example"
    assert saved.last_verified == clock.today()
    assert saved.sources == [
        {"fact": "4 weekly group sessions of 1.5 hours.", "url": "https://www.xperthealth.org.uk/about/", "unverified": False, "about": []},
        {"fact": shown["sources-1-fact"], "url": shown["sources-1-url"], "unverified": False, "about": []},
        {"fact": "A new fact.", "url": "https://example.org/new", "unverified": True, "about": []},
    ]  # fmt: skip

    clinician = sign_in(own_app.test_client(), "clinician")
    referral = page(clinician.get(f"/en/staff/referrals/{refer(own_app, clinician, 'x-pert')}"))
    contact = referral.select_one(".app-referral-contact").get_text(strip=True)
    assert contact == "The provider takes referrals at: referrals@x-pert.example"

    patient = own_app.test_client()
    shown_to_patients = page(patient.get("/en/programmes/x-pert")).get_text(" ", strip=True)
    assert "4 sessions of 1.5 hours each." in shown_to_patients
    assert "Sign up for" not in shown_to_patients  # no self-referral now
    assert patient.get("/en/self-refer/x-pert").status_code == 404
    explainer = page(patient.get("/en/programmes/x-pert/explainer")).get_text(" ", strip=True)
    assert "A new fact. Source (not yet verified)" in explainer
    # Offered in Haringey only now.
    camden = [p["slug"] for p in patient.get("/api/v1/programmes").get_json()["programmes"]]
    assert "x-pert" in camden
    history = page(commissioner.get(TEXT.format(slug="x-pert", lang="en")))
    latest = history.select_one(".app-history tbody tr")
    assert latest["data-action"] == "directory.programme_facts"
    words = " ".join(latest.get_text().split())
    assert "Commissioner" in words or "commissioner" in words.lower()
    assert (
        "Facts: sessions, session_hours, diabetes_types, stages, self_referral, "
        "companion_welcome, covers_other_conditions, content_languages, join_url, "
        "referral_contact, sources, areas. Checked." in words
    )


def test_whether_joining_needs_an_email_address_is_a_fact_patients_are_told(own_app, commissioner):
    path = FACTS.format(slug="help-diabetes")
    shown = shown_fields(commissioner, path)
    assert shown["needs_email"] == ["y"]  # programmes.yaml
    patient = own_app.test_client()
    steps = page(patient.get("/en/programmes/help-diabetes")).select(".app-start-now li")
    assert [li.get_text(strip=True) for li in steps] == [
        "Go to the website.",
        "Make an account with your email address.",
        "Start the first part when it suits you.",
    ]

    response = post(commissioner, path, {**shown, "needs_email": []})
    assert response.status_code == 302, page(response).find(class_="nhsuk-error-summary")
    assert programme(own_app, "help-diabetes").needs_email is False
    steps = page(patient.get("/en/programmes/help-diabetes")).select(".app-start-now li")
    assert [li.get_text(strip=True) for li in steps] == [
        "Go to the website.",
        "Start the first part when it suits you.",
    ]
    last = audited(own_app, "help-diabetes", "directory.programme_facts")[-1]
    assert "needs_email" in last.detail["changed"]
    # (The first save also puts the sources' "about" in the form's order.)
    response = post(commissioner, path, {**shown_fields(commissioner, path), "needs_email": ["y"]})
    assert response.status_code == 302
    assert programme(own_app, "help-diabetes").needs_email is True
    last = audited(own_app, "help-diabetes", "directory.programme_facts")[-1]
    assert last.detail["changed"] == ["needs_email"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"state": ["paused"], "paused_until": ""}, "paused_until", "Enter the day it takes referrals again"),
        ({"state": ["paused"], "paused_until": "1/1/2020"}, "paused_until", "The day it takes referrals again must be in the future"),
        ({"state": ["paused"], "paused_until": "31/02/2030"}, "paused_until", "Not a valid date value."),
        ({"sources-0-url": ""}, "sources-0-url", "Enter the web address of the source of this fact"),
        ({"sources-0-url": "javascript:alert(1)"}, "sources-0-url", "Enter a web address that starts with https://"),
        ({"content_languages": "en, klingon!"}, "content_languages", "klingon!: not a language code"),
        ({"content_languages": " , "}, "content_languages", "Enter at least one language code, like en"),
        ({"diabetes_types": []}, "diabetes_types", "Choose at least one type of diabetes"),
        ({"areas": ["atlantis"]}, "areas", "Choose from the options given"),
        ({"sessions": "0"}, "sessions", "Enter a number from 1 to 100"),
        ({"session_hours": "lots"}, "session_hours", "Not a valid float value."),
        ({"session_hours": "nan"}, "session_hours", "Not a valid float value."),
        ({"session_hours": "25"}, "session_hours", "Enter a number of hours from 0.25 to 24"),
        ({"state": ["closed-forever"]}, "state", "Not a valid choice."),
    ],
)  # fmt: skip
def test_bad_facts_are_refused_and_named(own_app, commissioner, changes, field, message):
    path = FACTS.format(slug="desmond")
    before = programme(own_app, "desmond")
    soup = page(post(commissioner, path, {**shown_fields(commissioner, path), **changes}))
    summary = soup.find(class_="nhsuk-error-summary")
    assert summary is not None
    links = {a["href"]: a.get_text(strip=True) for a in summary.find_all("a")}
    assert links.get(f"#{field}") == message, links
    assert soup.find(id=field) is not None
    after = programme(own_app, "desmond")
    assert (after.state, after.sources, after.content_languages) == (
        before.state,
        before.sources,
        before.content_languages,
    )


def test_every_source_removed_is_refused(own_app, commissioner):
    path = FACTS.format(slug="desmond")
    shown = shown_fields(commissioner, path)
    emptied = {k: "" for k in shown if k.startswith("sources-") and k.endswith(("-fact", "-url"))}
    soup = page(post(commissioner, path, {**shown, **emptied}))
    assert (
        "Give at least one fact and its source"
        in soup.find(class_="nhsuk-error-summary").get_text()
    )


def sign_up_link(client, slug):
    """Sign up through this site, or Start now on the course's own (people join it themselves)."""
    links = page(client.get(f"/en/programmes/{slug}")).find_all("a")
    return next(
        (a for a in links if "Sign up" in a.get_text() or a.get_text(strip=True) == "Start now"),
        None,
    )


def test_a_paused_programme_takes_no_one_until_its_date_then_opens_by_itself(own_app, commissioner):
    patient = own_app.test_client()
    path = FACTS.format(slug="help-diabetes")
    assert sign_up_link(patient, "help-diabetes") is not None
    until = clock.today() + dt.timedelta(days=20)
    response = post(
        commissioner,
        path,
        {
            **shown_fields(commissioner, path),
            "state": ["paused"],
            "paused_until": until.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    try:
        shown = page(patient.get("/en/programmes/help-diabetes"))
        note = shown.select_one(".app-paused").get_text(strip=True)
        assert (
            note
            == f"This course is not taking anyone new until {format_date(until, 'd MMMM yyyy', locale='en')}."
        )
        assert sign_up_link(patient, "help-diabetes") is None
        assert patient.get("/en/self-refer/help-diabetes").status_code == 404
        # In Polish too (the note is translated).
        polish = page(patient.get("/pl/programmes/help-diabetes")).select_one(".app-paused")
        assert format_date(until, "d MMMM yyyy", locale="pl") in polish.get_text()
        assert "This course" not in polish.get_text()
        # Staff cannot refer to it either; they are told why.
        clinician = sign_in(own_app.test_client(), "clinician")
        refused = clinician.get("/en/staff/referrals/new?programme=help-diabetes&diabetes=type2")
        assert refused.status_code == 302
        told = page(clinician.get(refused.location)).get_text(" ", strip=True)
        assert (
            f"help-diabetes takes no new referrals until {format_date(until, 'd MMMM yyyy', locale='en')}."
            in told
        )
        directory = page(commissioner.get("/en/staff/directory/"))
        state = directory.select_one("tr[data-programme=help-diabetes]").find_all("td")[1]
        assert "Paused until" in state.get_text()
        # On the day it reopens, it takes people again without anyone touching it.
        with time_machine.travel(dt.datetime.combine(until, dt.time(9), dt.UTC), tick=False):
            assert sign_up_link(patient, "help-diabetes") is not None
            assert patient.get("/en/self-refer/help-diabetes").status_code == 200
    finally:
        post(commissioner, path, {**shown_fields(commissioner, path), "state": ["open"]})
    assert (
        audited(own_app, "help-diabetes", "directory.programme_facts")[-2].detail["state"]
        == "paused"
    )


def test_a_retired_programme_is_gone_for_patients_and_kept_for_staff(own_app, commissioner):
    path = FACTS.format(slug="dsmp")
    patient = own_app.test_client()
    response = post(commissioner, path, {**shown_fields(commissioner, path), "state": ["retired"]})
    assert response.status_code == 302
    try:
        assert patient.get("/en/programmes/dsmp").status_code == 404
        listed = page(patient.get("/en/programmes"))
        assert not listed.select("[href='/en/programmes/dsmp']")
        api = [p["slug"] for p in patient.get("/api/v1/programmes").get_json()["programmes"]]
        assert "dsmp" not in api
        results = patient.get("/en/results?diabetes=type1").get_data(as_text=True)
        assert "/en/programmes/dsmp" not in results
        shown = page(commissioner.get(TEXT.format(slug="dsmp", lang="en")))
        assert "Retired" in shown.select_one(".app-programme-state").get_text()
    finally:
        post(commissioner, path, {**shown_fields(commissioner, path), "state": ["open"]})
    assert patient.get("/en/programmes/dsmp").status_code == 200


def text_fields(client, slug, lang):
    fields = shown_fields(client, TEXT.format(slug=slug, lang=lang))
    return {k: v for k, v in fields.items() if k != "verified"}


def test_changing_the_english_marks_the_translations_and_patients_see_english_until_updated(
    own_app, commissioner
):
    patient = own_app.test_client()
    polish_summary = programme(own_app, "desmond")
    polish_summary = next(t.summary for t in polish_summary.texts if t.locale == "pl")
    assert polish_summary in page(patient.get("/pl/programmes/desmond")).get_text()

    # Saved without a change: nothing is marked.
    post(
        commissioner,
        TEXT.format(slug="desmond", lang="en"),
        text_fields(commissioner, "desmond", "en"),
    )
    assert not any(t.needs_update for t in programme(own_app, "desmond").texts)

    english = {**text_fields(commissioner, "desmond", "en"), "summary": "A new English summary."}
    assert post(commissioner, TEXT.format(slug="desmond", lang="en"), english).status_code == 302
    texts = {t.locale: t for t in programme(own_app, "desmond").texts}
    assert {lang for lang, t in texts.items() if t.needs_update} == set(texts) - {"en"}
    event = audited(own_app, "desmond", "directory.programme")[-1]
    assert event.detail["changed"] == ["summary"]
    assert event.detail["needs_update"] == sorted(set(texts) - {"en"})

    polish = page(patient.get("/pl/programmes/desmond"))
    assert "A new English summary." in polish.get_text()
    assert polish_summary not in polish.get_text()
    assert polish.find(class_="app-fallback-note") is not None
    assert polish.find("h1")["lang"] == "en"
    tabs = page(commissioner.get(TEXT.format(slug="desmond", lang="pl")))
    assert "Needs update" in tabs.select_one(".app-language-tabs li[data-language=pl]").get_text()
    assert tabs.select_one(".app-needs-update") is not None

    # A translator saves the Polish: patients see it again; the others still wait.
    updated = {**text_fields(commissioner, "desmond", "pl"), "summary": "Nowe podsumowanie."}
    assert post(commissioner, TEXT.format(slug="desmond", lang="pl"), updated).status_code == 302
    polish = page(patient.get("/pl/programmes/desmond"))
    assert "Nowe podsumowanie." in polish.get_text()
    assert polish.find(class_="app-fallback-note") is None
    texts = {t.locale: t for t in programme(own_app, "desmond").texts}
    assert not texts["pl"].needs_update
    assert texts["bn"].needs_update
    history = page(commissioner.get(TEXT.format(slug="desmond", lang="en")))
    rows = [" ".join(r.get_text().split()) for r in history.select(".app-history tbody tr")]
    assert rows[0].endswith("Text in Polski: summary.")
    assert (
        "Text in English: summary. Marked as needing an update: ar, bn, es, pl, pt, ro, so, tr, ur."
        in rows[1]
    )


def test_a_venues_address_postcode_access_and_parking_are_edited_and_shown(own_app, commissioner):
    path = "/en/staff/directory/venues/canal-health-centre"
    changes = {
        "address": "3 Canal Walk, London",
        "postcode": "N1 7AA",
        "step_free": ["no"],
        "parking": ["yes"],
    }
    response = post(commissioner, path, {**shown_fields(commissioner, path), **changes})
    assert response.status_code == 302
    with own_app.app_context():
        venue = db.session.scalar(select(Venue).filter_by(slug="canal-health-centre"))
        assert venue is not None
        assert (venue.address, venue.postcode, venue.step_free, venue.parking) == (
            "3 Canal Walk, London", "N1 7AA", False, True,
        )  # fmt: skip
        slug = db.session.scalar(
            select(Programme.slug).join(CourseRun).where(CourseRun.venue_id == venue.id)
        )
    shown = page(own_app.test_client().get(f"/en/programmes/{slug}")).select_one(".app-runs")
    shown = " ".join(shown.get_text().split())
    assert (
        "Where: Canal Health Centre (demo), 3 Canal Walk, London, Islington, N1 7AA. "
        "No step-free access. There is parking." in shown
    )
    assert audited(own_app, "canal-health-centre", "directory.venue")[-1].detail["changed"] == [
        "address", "postcode", "step_free", "parking",
    ]  # fmt: skip


def refer(app, clinician, slug, run_id=None):
    """A referral made on the staff form, as a clinician makes one; its reference."""
    new = f"/en/staff/referrals/new?programme={slug}&diabetes=type2"
    details = {
        "name": "Pat Example", "date_of_birth": "01/05/1960", "phone": "020 7946 0123",
        "preferred_language": "bn", "contact_method": ["phone"],
        "course_run": str(run_id or ""), "consent": ["y"],
        "identity": "another",  # another Pat Example may have an open referral here
    }  # fmt: skip
    made = clinician.post(new, data={**shown_fields(clinician, new), **details})
    assert made.status_code == 302, page(made).find(class_="nhsuk-error-summary")
    with app.app_context():
        return db.session.scalars(
            select(Referral.reference).join(Programme).where(Programme.slug == slug)
            .order_by(Referral.id.desc())
        ).first()  # fmt: skip


def the_run(key: str) -> CourseRun:
    """The course run with this key (in an app context)."""
    found: CourseRun | None = db.session.scalar(select(CourseRun).filter_by(key=key))
    assert found is not None, key
    return found


def places_left(run_id: int) -> int:
    """The places left on the course run with this id (in an app context)."""
    run = db.session.get(CourseRun, run_id)
    assert run is not None, run_id
    return run.places_left


def test_booking_someone_onto_a_run_takes_a_place(own_app):
    with own_app.app_context():
        run = the_run("desmond-islington-bengali")
        run_id, places = run.id, run.places_left
    clinician = sign_in(own_app.test_client(), "clinician")
    reference = refer(own_app, clinician, "desmond", run_id)
    with own_app.app_context():
        assert places_left(run_id) == places  # referred, not booked
    path = f"/en/staff/referrals/{reference}"
    status = page(clinician.get(path)).find("form", action=f"{path}/status")
    hidden = hidden_fields(status)
    assert clinician.post(f"{path}/status", data={**hidden, "status": "booked"}).status_code == 302
    with own_app.app_context():
        assert places_left(run_id) == places - 1
    history = audited(own_app, "desmond-islington-bengali", "directory.run_place_taken")
    assert history[-1].detail["places_left"] == places - 1


def test_places_follow_the_booking_to_another_run_and_back_on_withdrawal(own_app):
    """Moving a booked person to another date gives the old run its place back and takes one
    on the new run; withdrawing gives the place back (counts written by hand)."""
    with own_app.app_context():
        runs = {key: the_run(key) for key in ("desmond-camden-weekday", "desmond-camden-saturday")}
        ids = {key: run.id for key, run in runs.items()}
        start = {key: run.places_left for key, run in runs.items()}

    def places():
        with own_app.app_context():
            return {key: places_left(i) for key, i in ids.items()}

    clinician = sign_in(own_app.test_client(), "clinician")
    reference = refer(own_app, clinician, "desmond")
    path = f"/en/staff/referrals/{reference}"

    def choose(key):
        form = page(clinician.get(path)).find("form", action=f"{path}/course-date")
        hidden = hidden_fields(form)
        data = {**hidden, "course_run": str(ids[key]), "run_reason": "phoned"}
        assert clinician.post(f"{path}/course-date", data=data).status_code == 302

    weekday, saturday = start["desmond-camden-weekday"], start["desmond-camden-saturday"]
    choose("desmond-camden-weekday")  # referred: choosing a date books it
    assert places() == {"desmond-camden-weekday": weekday - 1, "desmond-camden-saturday": saturday}
    choose("desmond-camden-saturday")
    assert places() == {"desmond-camden-weekday": weekday, "desmond-camden-saturday": saturday - 1}
    status = page(clinician.get(path)).find("form", action=f"{path}/status")
    hidden = hidden_fields(status)
    data = {**hidden, "status": "withdrawn", "reason": "moved away"}
    assert clinician.post(f"{path}/status", data=data).status_code == 302
    assert places() == {"desmond-camden-weekday": weekday, "desmond-camden-saturday": saturday}
    given_back = audited(own_app, "desmond-camden-saturday", "directory.run_place_given_back")
    assert given_back[-1].detail["places_left"] == saturday
