"""The follow-up loop: each worklist reason appears and clears at the right moment."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from finder.extensions import db
from finder.models import Referral
from tests.conftest import check_page, one
from tests.staff.conftest import csrf_token, referral

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def worklist(client):
    response = client.get("/en/staff/follow-up")
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    return {
        item["data-reference"]: str(item["data-reasons"]).split()
        for item in soup.select("[data-reference][data-reasons]")
    }


def post(client, path, **data):
    data["csrf_token"] = csrf_token(client, "/en/staff/")
    return client.post(path, data=data)


def set_status(client, ref, status):
    assert post(client, f"/en/staff/referrals/{ref}/status", status=status).status_code == 302


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_not_booked_appears_after_14_days_and_clears_when_booked(frozen, signed_in, make_referral):
    ref = make_referral(by="clinician2")
    client = signed_in("clinician2")
    frozen.shift(dt.timedelta(days=13, hours=23))
    client = signed_in("clinician2")  # a new day, a new sign-in
    assert ref not in worklist(client)
    frozen.shift(dt.timedelta(hours=1))
    client = signed_in("clinician2")  # a new day, a new sign-in
    assert worklist(client)[ref] == ["not_booked"]
    set_status(client, ref, "booked")
    assert ref not in worklist(client)


def test_did_not_attend_appears_and_clears_when_rebooked(frozen, signed_in, make_referral):
    ref = make_referral(by="clinician2")
    client = signed_in("clinician2")
    set_status(client, ref, "booked")
    set_status(client, ref, "did_not_attend")
    assert worklist(client)[ref] == ["did_not_attend"]
    set_status(client, ref, "booked")
    assert ref not in worklist(client)


def test_awaiting_reply_and_the_two_invitation_exception(app, frozen, signed_in, make_referral):
    ref = make_referral(by="clinician2")
    client = signed_in("clinician2")
    set_status(client, ref, "booked")
    path = f"/en/staff/referrals/{ref}/contact"
    post(client, path, channel="phone", outcome="no_answer")
    assert worklist(client)[ref] == ["awaiting_reply"]
    page = client.get("/en/staff/follow-up").get_data(as_text=True)
    assert "QOF exception" not in page
    post(client, path, channel="letter", outcome="letter_sent")
    assert "QOF exception: no response to two invitations" in client.get(
        "/en/staff/follow-up"
    ).get_data(as_text=True)
    kinds = [e.kind for e in referral(app, ref).events]
    assert kinds.count("exception") == 1
    post(client, path, channel="phone", outcome="reached")
    assert ref not in worklist(client)
    timeline = check_page(client.get(f"/en/staff/referrals/{ref}").get_data(as_text=True))
    history = " ".join(one(timeline, ".app-timeline").get_text(" ").split())
    assert "contact by Phone: No answer" in history
    assert "contact by Letter: Letter sent" in history
    assert "QOF exception: no response to two invitations" in history
    assert [e.outcome for e in referral(app, ref).events if e.kind == "contact"] == [
        "no_answer",
        "letter_sent",
        "reached",
    ]


def test_a_referred_person_is_never_flagged_for_dm014(frozen, signed_in, make_referral):
    """DM014 asks that people are referred: a referral meets it, whatever its DM014 date."""
    diagnosed = (T0 - dt.timedelta(days=250)).date()  # nine months end about 24 days on
    soon = make_referral(by="clinician2", diagnosis_date=diagnosed)
    frozen.shift(dt.timedelta(days=15))
    client = signed_in("clinician2")
    assert worklist(client)[soon] == ["not_booked"]


def test_a_letter_prints_in_the_patients_language(signed_in, make_referral):
    ref = make_referral(by="clinician2", preferred_language="tr", name="Ayse Example")
    client = signed_in("clinician2")
    soup = check_page(client.get(f"/tr/staff/letter?ref={ref}").get_data(as_text=True))
    assert one(soup, "html")["lang"] == "tr"
    assert ref in soup.get_text()
    assert "Ayse Example" in soup.get_text()
    # The practice's phone number and opening hours (Hillview's, seeded), labelled in Turkish.
    sender = one(soup, ".app-letter__from").get_text(" ", strip=True)
    assert "Bizi arayın: 020 7946 0002" in sender
    assert (
        "Açık olduğumuz saatler: Monday to Friday, 8am to 6:30pm; Saturday, 9am to 12pm" in sender
    )


def test_offer_another_format_links_a_new_referral(app, signed_in, make_referral):
    ref = make_referral(by="clinician2", programme="desmond")
    client = signed_in("clinician2")
    page = check_page(
        client.get(f"/en/staff/referrals/{ref}/another-format").get_data(as_text=True)
    )
    offered = [o["data-programme"] for o in page.select("[data-programme][data-fit]")]
    assert offered == ["help-diabetes"], "only another format: the online programme"
    response = post(client, f"/en/staff/referrals/{ref}/another-format", programme="help-diabetes")
    new_ref = response.location.rsplit("/", 1)[1]
    with app.app_context():
        new = db.session.scalar(select(Referral).filter_by(reference=new_ref))
        old = db.session.scalar(select(Referral).filter_by(reference=ref))
        assert new is not None
        assert old is not None
        assert new.linked_from_id == old.id
        assert new.patient_id == old.patient_id
        assert old.status == "withdrawn"
    refused = post(client, f"/en/staff/referrals/{ref}/another-format", programme="x-pert")
    assert refused.status_code == 302
    assert "another-format" in refused.location


def test_registration_for_the_online_programme(app, signed_in):
    client = signed_in("support")
    ask = check_page(client.get("/en/staff/register-online").get_data(as_text=True))
    assert "comfortable using the internet" in one(ask, "legend").get_text()
    groups = check_page(client.get("/en/staff/register-online?computer=no").get_data(as_text=True))
    assert {o["data-programme"] for o in groups.select("[data-programme][data-fit]")} == {
        "desmond",
        "dsmp",
        "x-pert",
    }
    path = "/en/staff/register-online?computer=with_help"
    response = post(
        client,
        path,
        name="Reg Example",
        date_of_birth="01/02/1970",
        email="reg@example.org",
        phone="",
        preferred_language="bn",
        contact_method="email",
        has_device="y",
        needed_help="y",
    )
    ref = response.location.rsplit("/", 1)[1]
    made = referral(app, ref)
    assert made.status == "booked"
    assert made.registration == {
        "has_device": True,
        "needed_help": True,
    }
    steps = check_page(client.get(f"/bn/staff/sign-up-steps?ref={ref}").get_data(as_text=True))
    assert one(steps, "html")["lang"] == "bn"
    assert "reg@example.org" in steps.get_text()
    missing_email = post(
        client,
        path,
        name="X",
        date_of_birth="01/02/1970",
        email="",
        phone="020 7946 0000",
        preferred_language="en",
        contact_method="phone",
    )
    errors = one(check_page(missing_email.get_data(as_text=True)), ".nhsuk-error-summary")
    assert "Enter the patient's email address" in errors.get_text()


def test_attendance_for_a_whole_course_run(app, signed_in, make_referral):
    client = signed_in("clinician2")
    refs = [make_referral(by="clinician2", programme="x-pert") for _ in range(3)]
    with app.app_context():
        from finder.models import CourseRun

        run = db.session.scalar(select(CourseRun).filter_by(key="x-pert-islington-evening"))
        assert run is not None
        run_id = run.id
        for ref in refs:
            booked = db.session.scalar(select(Referral).filter_by(reference=ref))
            assert booked is not None
            booked.course_run_id = run_id
        db.session.commit()
    for ref in refs:
        set_status(client, ref, "booked")
    page = check_page(client.get(f"/en/staff/attendance?run={run_id}").get_data(as_text=True))
    assert {r["data-reference"] for r in page.select("tr[data-reference]")} == set(refs)
    post(
        client,
        f"/en/staff/attendance?run={run_id}",
        **{
            f"outcome-{refs[0]}": "attended",
            f"outcome-{refs[1]}": "completed",
            f"outcome-{refs[2]}": "did_not_attend",
        },
    )
    assert [referral(app, r).status for r in refs] == ["attended", "completed", "did_not_attend"]
    completed = referral(app, refs[1]).events
    assert [e.to_status for e in completed][-2:] == ["attended", "completed"]
    assert completed[-1].snomed_code == "755491000000100"


def test_offer_another_format_also_offers_other_dates_and_times(app, signed_in, make_referral):
    ref = make_referral(by="clinician2", programme="desmond")
    client = signed_in("clinician2")
    page = check_page(
        client.get(f"/en/staff/referrals/{ref}/another-format").get_data(as_text=True)
    )
    offered = {li["data-run"] for li in page.select(".app-other-runs [data-run]")}
    # DESMOND's own other runs and the other group courses' runs (seeds/course_runs.yaml).
    assert {"desmond-camden-saturday", "desmond-islington-bengali", "x-pert-islington-evening"} <= (
        offered
    )
    saturday = one(page, '[data-run="desmond-camden-saturday"]').get_text(" ", strip=True)
    assert "When: one day, Saturday" in saturday
    response = post(
        client, f"/en/staff/referrals/{ref}/another-format", run="desmond-camden-saturday"
    )
    new_ref = response.location.rsplit("/", 1)[1]
    with app.app_context():
        new = db.session.scalar(select(Referral).filter_by(reference=new_ref))
        old = db.session.scalar(select(Referral).filter_by(reference=ref))
        assert new is not None
        assert old is not None
        assert new.programme.slug == "desmond"
        assert new.course_run.key == "desmond-camden-saturday"
        assert old.status == "withdrawn"
