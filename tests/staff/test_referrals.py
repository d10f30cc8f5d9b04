"""The referral record through the real app: create, list, view, change, export, isolate."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3

import pytest
import time_machine
from bs4 import BeautifulSoup
from fhir.resources.R4B.servicerequest import ServiceRequest
from sqlalchemy import func, select
from sqlalchemy.pool import PoolProxiedConnection

from finder import clock, nhs_number
from finder.extensions import db
from finder.models import AuditEvent, Referral
from tests.conftest import check_page, migrated_app, one
from tests.phone_numbers import INVALID, VALID
from tests.staff.conftest import csrf_token, referral, sign_in, unique_surname


def page(response):
    assert response.status_code == 200, response.status_code
    return check_page(response.get_data(as_text=True))


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "654-100-3238", "6716689966"])
def test_valid_nhs_numbers(number):
    assert nhs_number.is_valid(number)


@pytest.mark.parametrize(
    "number", ["9434765918", "123", "943476591a", "0000000001", "", "٩٤٣٤٧٦٥٩١٩"]
)
def test_invalid_nhs_numbers(number):
    assert not nhs_number.is_valid(number)


def test_consult_shows_the_menu_with_a_conversation_guide(signed_in):
    client = signed_in("clinician")
    soup = page(
        client.get("/en/staff/consult?diabetes=type2&daytime=no&group_worry=yes&computer=no")
    )
    ranked = [o["data-programme"] for o in soup.select("[data-programme][data-fit]")]
    assert len(ranked) == 4
    guide = soup.select_one("[data-guide-for=desmond]").get_text(" ", strip=True)
    assert "Groups give support from other people with diabetes." in guide
    assert "They do not need a computer or the internet." in guide
    online = soup.select_one("[data-guide-for=help-diabetes]").get_text(" ", strip=True)
    assert "A relative or carer can sign up too and help." in online
    assert "4 times the risk of complications" in soup.get_text()
    refer = soup.select_one("[data-guide-for=desmond] a[href*='/referrals/new']")["href"]
    assert "programme=desmond" in refer
    assert "group_worry=yes" in refer


def test_the_guide_always_has_something_to_say_and_agrees_with_the_card(signed_in):
    client = signed_in("clinician")
    soup = page(client.get("/en/staff/consult?diabetes=type2"))
    for slug in ("desmond", "x-pert", "help-diabetes"):
        assert soup.select(f"[data-guide-for={slug}] li"), slug
    desmond = soup.select_one("[data-guide-for=desmond]").get_text(" ", strip=True)
    assert "NICE recommends group education as the first choice (NG28 1.2.4)." in desmond
    soup = page(client.get("/en/staff/consult?diabetes=type2&language=bn&companion=yes"))
    desmond = soup.select_one("[data-guide-for=desmond]").get_text(" ", strip=True)
    assert "It is in their language" in desmond  # the card: "There is a course in Bengali."
    assert "A relative, friend or carer is welcome." in desmond
    xpert = soup.select_one("[data-guide-for=x-pert]").get_text(" ", strip=True)
    assert "There is no course in their language" in xpert
    assert "It is not confirmed whether they can bring someone" in xpert  # unverified source


def test_every_question_is_on_the_consult_page(signed_in):
    soup = page(signed_in("support").get("/en/staff/consult"))
    names = {i["name"] for i in soup.select("form.app-consult-form [name]")}
    from finder.circumstances import PARAMETERS

    assert names == set(PARAMETERS)


def referral_form(client, query="programme=desmond&diabetes=type2&language=bn", **fields):
    path = f"/en/staff/referrals/new?{query}"
    data = {
        "csrf_token": csrf_token(client, path),
        # Each a new person (the same name and birthday twice is a likely duplicate).
        "name": f"Ayse {unique_surname()}",
        "date_of_birth": "27/03/1958",
        "nhs_number": "",
        "phone": "020 7946 0000",
        "email": "",
        "preferred_language": "tr",
        "contact_method": "phone",
        "diagnosis_date": "14/02/2026",
        "course_run": "",
        **fields,
    }
    return client.post(path, data=data)


def count_referrals(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Referral))


def test_a_referral_is_created_with_its_snapshot_and_coded_event(app, signed_in):
    client = signed_in("clinician")
    response = referral_form(client, interpreter_needed="y", name="Ayse Example")
    assert response.status_code == 302
    ref = response.location.rsplit("/", 1)[1]
    made = referral(app, ref)
    assert made.status == "referred"
    assert made.circumstances == {"diabetes": "type2", "language": "bn"}
    assert made.events[0].to_status == "referred"
    assert made.events[0].snomed_code == "306741000000104"  # Referral to DESMOND
    assert made.events[0].actor_role == "clinician"
    detail = page(client.get(response.location))
    text = detail.get_text(" ", strip=True)
    assert "Ayse Example" in text
    assert "Türkçe" in text
    assert "14 November 2026" in text, "DM014: nine months after diagnosis"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nhs_number": "943 476 5918"}, "Enter a valid 10-digit NHS number"),
        ({"phone": "", "email": ""}, "Enter a phone number or an email address"),
        ({"email": "not-an-email"}, "Enter an email address, like name@example.com"),
        ({"date_of_birth": "31/02/1958"}, "Enter the date of birth as day, month and year"),
        ({"name": "   "}, "Enter the patient's full name"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(app, signed_in, fields, message):
    client = signed_in("clinician")
    before = count_referrals(app)
    response = referral_form(client, **fields)
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert one(soup, "title").get_text().startswith("Error:")
    assert message in one(soup, ".nhsuk-error-summary").get_text()
    if "name" in fields:
        assert one(soup, "input[name=name]")["value"] == fields["name"].strip()
    assert count_referrals(app) == before


def test_an_open_referral_for_the_same_nhs_number_is_shown_instead_of_a_second(app, signed_in):
    client = signed_in("clinician")
    first = referral_form(client, nhs_number="654 100 3238", name="Ayse Same")
    second = referral_form(client, nhs_number="6541003238", name="Ayse Same")
    assert first.location == second.location
    assert "already has an open referral" in client.get(second.location).get_data(as_text=True)
    other_programme = referral_form(
        client, query="programme=x-pert", nhs_number="6541003238", name="Ayse Same"
    )
    assert other_programme.location != first.location


def change(client, ref, status, reason="because"):
    path = f"/en/staff/referrals/{ref}"
    token = csrf_token(client, path)
    return client.post(
        f"{path}/status", data={"status": status, "reason": reason, "csrf_token": token}
    )


def test_status_changes_follow_the_allowed_paths_and_are_coded(app, signed_in, make_referral):
    client = signed_in("support")
    ref = make_referral()
    assert change(client, ref, "booked").status_code == 302
    assert change(client, ref, "attended").status_code == 302
    events = [e for e in referral(app, ref).events if e.kind == "status"]
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "referred"),
        ("referred", "booked"),
        ("booked", "attended"),
    ]
    assert events[-1].snomed_code == "413597006"
    assert events[-1].actor_role == "support"
    assert events[-1].reason == "because"
    assert events[-1].at.year >= 2026


def test_an_invalid_change_is_refused_with_a_message_and_changes_nothing(
    app, signed_in, make_referral
):
    client = signed_in("clinician")
    ref = make_referral()
    response = change(client, ref, "completed")
    assert response.status_code == 302
    shown = client.get(response.location).get_data(as_text=True)
    assert "cannot become completed. Nothing was changed." in shown
    made = referral(app, ref)
    assert made.status == "referred"
    assert [e.kind for e in made.events] == ["status", "link"]  # made, and its provider's link


def test_notes_are_appended(app, signed_in, make_referral):
    client = signed_in("clinician")
    ref = make_referral()
    path = f"/en/staff/referrals/{ref}"
    client.post(
        f"{path}/notes", data={"text": "Prefers mornings.", "csrf_token": csrf_token(client, path)}
    )
    events = referral(app, ref).events
    assert events[-1].kind == "note"
    assert events[-1].reason == "Prefers mornings."
    assert "Prefers mornings." in client.get(path).get_data(as_text=True)


def test_the_detail_page_shows_the_nhs_number_3_3_4_and_the_history(signed_in, make_referral):
    ref = make_referral(nhs_number="9434765919")
    soup = page(signed_in("clinician").get(f"/en/staff/referrals/{ref}"))
    assert "943 476 5919" in soup.get_text()
    assert soup.select(".app-timeline [data-kind=status]")


def test_opening_a_referral_is_audited_and_the_audit_is_shown(app, signed_in, make_referral):
    ref = make_referral()
    client = signed_in("clinician")
    client.get(f"/en/staff/referrals/{ref}")
    soup = page(client.get(f"/en/staff/referrals/{ref}"))
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_ref == ref)
        ).all()
    assert actions.count("referral.view") == 2
    assert "referral.view" in soup.select_one(".app-audit").get_text()


def test_the_list_filters_and_pages(app, signed_in, make_referral):
    # Frozen at this moment: the dates filtered on below are the day the referrals were made.
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        client = signed_in("clinician2")  # the seeds hold no referrals: only these 27
        refs = [make_referral(by="clinician2", programme="x-pert") for _ in range(27)]
        change(client, refs[0], "booked")
        first = page(client.get("/en/staff/referrals?programme=x-pert"))
        assert len(first.select("tr[data-reference]")) == 25
        second = page(client.get("/en/staff/referrals?programme=x-pert&page=2"))
        assert len(second.select("tr[data-reference]")) == 2
        listed = {
            r["data-reference"]
            for page_ in (first, second)
            for r in page_.select("tr[data-reference]")
        }
        assert listed == set(refs)
        booked = page(client.get("/en/staff/referrals?status=booked&programme=x-pert"))
        assert [r["data-reference"] for r in booked.select("tr[data-reference]")] == [refs[0]]
        assert page(client.get("/en/staff/referrals?overdue=1")).select("tr[data-reference]") == []
        # Dates filter on the day made (found by S15's sqlmap scan: these gave a server error).
        today = clock.today()
        day = dt.timedelta(days=1)
        for since, until, found in (
            (today, today, True),
            (today + day, None, False),
            (None, today - day, False),
        ):
            query = (
                "programme=x-pert"
                + (f"&since={since}" if since else "")
                + (f"&until={until}" if until else "")
            )
            rows = page(client.get(f"/en/staff/referrals?{query}")).select("tr[data-reference]")
            listed = {row["data-reference"] for row in rows}
            assert (len(listed) == 25 and listed <= set(refs)) if found else not listed, query


def test_another_practice_cannot_open_change_or_export_a_referral(app, signed_in, make_referral):
    ref = make_referral(name="Secret Person", nhs_number="6716689966")
    intruder = signed_in("clinician2")
    for path in (
        f"/en/staff/referrals/{ref}",
        f"/en/staff/referrals/{ref}/fhir",
        f"/en/staff/handout?ref={ref}",
    ):
        response = intruder.get(path)
        assert response.status_code == 404, path
        assert "Secret Person" not in response.get_data(as_text=True)
    token = csrf_token(intruder, "/en/staff/")
    refused = intruder.post(
        f"/en/staff/referrals/{ref}/status", data={"status": "declined", "csrf_token": token}
    )
    assert refused.status_code == 404
    assert referral(app, ref).status == "referred"
    export = intruder.get("/en/staff/referrals.csv").get_data(as_text=True)
    assert ref not in export
    assert "Secret Person" not in export
    assert "6716689966" not in export
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_ref == ref, AuditEvent.outcome == "denied")
        ).all()
        assert len(denied) == 4
        assert {d.actor.email if d.actor else None for d in denied} == {"clinician2@demo.invalid"}


def test_fhir_service_request_is_valid_r4(signed_in, make_referral):
    ref = make_referral(programme="help-diabetes", nhs_number="9434765919", interpreter_needed=True)
    client = signed_in("clinician")
    change(client, ref, "booked")
    response = client.get(f"/en/staff/referrals/{ref}/fhir")
    assert response.mimetype == "application/fhir+json"
    body = json.loads(response.data)
    resource = ServiceRequest.model_validate(body)
    assert resource.status == "active"
    assert resource.intent == "order"
    assert resource.code is not None
    assert resource.code.coding is not None
    assert resource.code.coding[0].system == "http://snomed.info/sct"
    assert resource.code.coding[0].code == "1108741000000109"
    patient = next(c for c in body["contained"] if c["resourceType"] == "Patient")
    assert patient["identifier"] == [
        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}
    ]
    assert body["requester"]["display"] == "Dr Demo Clinician"
    organisation = next(c for c in body["contained"] if c["resourceType"] == "Organization")
    assert organisation["identifier"][0]["value"] == "DEMO01"


def test_csv_export_has_the_practices_referrals_and_defuses_formulas(signed_in, make_referral):
    ref = make_referral(name='=HYPERLINK("http://x")')
    response = signed_in("clinician").get("/en/staff/referrals.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    row = next(r for r in rows if r["reference"] == ref)
    assert row["name"].startswith("'=")
    assert row["status"] == "referred"
    assert row["programme"] == "desmond"


def test_the_handout_is_in_the_pages_language_with_the_reference_and_a_qr_code(
    signed_in, make_referral
):
    ref = make_referral()
    soup = page(signed_in("clinician").get(f"/bn/staff/handout?ref={ref}"))
    assert soup.find("html")["lang"] == "bn"
    assert ref in soup.get_text()
    assert soup.select_one(".app-handout__qr svg")
    assert "/bn/programmes/desmond" in soup.select_one(".app-handout__url").get_text()


def test_commissioners_and_admins_cannot_see_referrals(signed_in):
    for who in ("commissioner", "admin"):
        assert signed_in(who).get("/en/staff/referrals").status_code == 403


def test_sign_in_rejects_a_wrong_password_with_a_message(app):
    client = app.test_client()
    response = client.post(
        "/en/staff/login",
        data={
            "email": "clinician@demo.invalid",
            "password": "nope",
            "csrf_token": csrf_token(client),
        },
    )
    soup = check_page(response.get_data(as_text=True))
    assert "Enter a correct email address and password" in soup.get_text()


def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "New.Nurse@Example.org",
            "--name",
            "New Nurse",
            "--role",
            "clinician",
            "--practice",
            "DEMO02",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert result.exit_code == 0, result.output
    refused = runner.invoke(
        args=[
            "create-user",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "admin",
            "--practice",
            "DEMO01",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert refused.exit_code != 0
    assert "belongs to no practice" in refused.output
    client = app.test_client()
    client.post(
        "/en/staff/login",
        data={
            "email": "new.nurse@example.org",
            "password": "a-long-enough-password",
            "csrf_token": csrf_token(client),
        },
    )
    assert (
        one(BeautifulSoup(client.get("/en/staff/").data, "html5lib"), "h1").get_text()
        == "Hello, New Nurse"
    )


def test_a_staff_page_can_be_the_first_to_read_the_directory_copy(tmp_path):
    """Found by S15 on a fresh server: the copy was read on a second connection that waited
    for the request's own write lock on SQLite ("database is locked", 503)."""
    app = migrated_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    client = sign_in(app.test_client(), "clinician")
    assert client.get("/en/staff/referrals").status_code == 200
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("typed", "stored"), VALID)
def test_a_valid_phone_number_is_stored_in_one_form(app, signed_in, typed, stored):
    response = referral_form(signed_in("clinician"), phone=typed)
    assert response.status_code == 302
    reference = response.location.rsplit("/", 1)[1]
    with app.app_context():
        made = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert made is not None
        assert made.patient.phone == stored


@pytest.mark.parametrize("typed", INVALID)
def test_an_invalid_phone_number_is_refused(app, signed_in, typed):
    before = count_referrals(app)
    response = referral_form(signed_in("clinician"), phone=typed)
    assert response.status_code == 200
    summary = one(check_page(response.get_data(as_text=True)), ".nhsuk-error-summary")
    assert "Enter a phone number, like 020 7946 0000" in summary.get_text()
    assert count_referrals(app) == before


def test_the_handout_promises_only_what_happens(signed_in, make_referral):
    ref = make_referral()
    text = page(signed_in("clinician").get(f"/en/staff/handout?ref={ref}")).get_text(" ")
    text = " ".join(text.split())
    # DESMOND's team has an account: the referral is in its inbox, and it books the place.
    assert "The DESMOND team has your referral. They will phone you to book a place." in text
    call_by = clock.today() + dt.timedelta(days=14)  # no course chosen: the worklist's 14 days
    expected = f"{call_by:%A} {call_by.day} {call_by:%B}"
    assert f"If you have not heard from them by {expected}, call your GP practice." in text


@pytest.mark.commits  # another connection holds the write lock
def test_the_consult_page_renders_while_another_writer_holds_the_lock(app, signed_in):
    """The consultation page writes nothing, so staff pages do not queue behind a writer."""
    client = signed_in("clinician")
    with app.app_context():
        engine = db.engine
    writer: sqlite3.Connection | PoolProxiedConnection
    if engine.dialect.name == "sqlite":
        assert engine.url.database is not None
        writer = sqlite3.connect(engine.url.database, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # SQLite's one write lock
    else:
        writer = engine.raw_connection()
        writer.cursor().execute("LOCK TABLE audit_event, referral IN EXCLUSIVE MODE")
    try:
        soup = page(client.get("/en/staff/consult?diabetes=type2&daytime=no&language=bn"))
    finally:
        writer.rollback()
        writer.close()
    assert soup.select_one("input[name=daytime][value=no]").has_attr("checked")


def test_consult_questions_follow_the_answers_and_the_language(signed_in):
    """The questions' HTML is kept per worker (finder/forms.py): never another answer's."""
    client = signed_in("clinician")
    for answer, other in (("yes", "no"), ("no", "yes"), ("yes", "no")):
        soup = page(client.get(f"/en/staff/consult?diabetes=type2&evenings={answer}"))
        assert soup.select_one(f"input[name=evenings][value={answer}]").has_attr("checked")
        assert not soup.select_one(f"input[name=evenings][value={other}]").has_attr("checked")
    bad = page(client.get("/en/staff/consult?evenings=maybe"))
    assert bad.select_one("#evenings-error")
    assert not page(client.get("/en/staff/consult?evenings=no")).select_one("#evenings-error")
