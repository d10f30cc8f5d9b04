"""Messages: recorded with the referral, sent once through the real Notify client to a fake
Notify server, retried when Notify is busy, receipts applied, shown to the right staff."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from finder.database import writes
from finder.extensions import db
from finder.models import AuditEvent, OutboundMessage, Referral
from finder.outbox import send, sending
from tests.conftest import check_page, migrated_app, one, own_database
from tests.outbox.fake_notify import (
    EMAIL_TEMPLATE,
    SMS_TEMPLATE,
    confirmation,
    settings,
    to_patients,
)
from tests.public.test_self_refer import answers, client_at
from tests.staff.conftest import sign_in

TOKEN = "callback-token-" + "x" * 32


@pytest.fixture(scope="module")
def notify_app(notify, tmp_path_factory):
    app = migrated_app(
        own_database("outbox", tmp_path_factory),
        **settings(notify),
        NOTIFY_CALLBACK_TOKEN=TOKEN,
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def fresh(notify):
    notify.reset()
    yield
    assert not notify.rejected, notify.rejected  # every request had a good JWT and body


def self_refer(app, path=None, **fields):
    client = client_at(app)
    path, data = answers(client, **({"path": path} if path else {}), **fields)
    response = client.post(path, data=data)
    assert response.status_code == 302
    again = client.post(path, data=data)  # the same form sent twice
    assert again.status_code == 302
    page = check_page(client.get(response.location).get_data(as_text=True))
    reference = one(page, ".app-reference").get_text(strip=True)
    return reference, page.get_text(" ", strip=True)


def messages_of(app, reference):
    with app.app_context():
        referral = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert referral is not None
        return db.session.scalars(
            select(OutboundMessage).filter_by(referral_id=referral.id, recipient="patient")
        ).all()


# Monday 4 January 2027, 10:30: a self-referral to X-PERT with no course date chosen is
# chased after 14 days (policy.NOT_BOOKED_DAYS), on Monday 18 January.
MONDAY = dt.datetime(2027, 1, 4, 10, 30, tzinfo=dt.UTC)


@time_machine.travel(MONDAY, tick=False)
def test_a_self_referral_with_an_email_address_is_confirmed_by_email_once(notify_app, notify):
    reference, page = self_refer(notify_app, email="sam@example.com", preferred_language="en")
    assert "We are sending you an email to confirm this." in page
    [got] = to_patients(notify)
    assert got["type"] == "email"
    assert got["body"]["email_address"] == "sam@example.com"
    assert got["body"]["template_id"] == EMAIL_TEMPLATE
    assert got["body"]["reference"] == f"{reference}:self-referral-confirmation"
    body = " ".join(got["body"]["personalisation"]["body"].split())
    assert reference in body
    assert got["body"]["personalisation"]["subject"] == "We have your details for a health course"
    # The email says what the confirmation page says will happen, and by when.
    for said in (
        "The X-PERT Programme team has your referral.",
        "If you have not heard from them by Monday 18 January, call your GP practice.",
    ):
        assert said in body
        assert said in page
    assert "2 weeks" not in body
    [message] = messages_of(notify_app, reference)
    assert (message.status, message.notify_id, message.attempts) == ("sent", got["id"], 1)
    assert message.recipient == "patient"


@time_machine.travel(MONDAY, tick=False)
def test_the_confirmation_goes_in_the_language_the_person_chose(notify_app, notify):
    reference, page = self_refer(
        notify_app, email="", phone="07700 900 982", preferred_language="pl"
    )
    assert "We are sending you a text message to confirm this." in page
    [got] = to_patients(notify)
    assert got["type"] == "sms"
    assert got["body"]["phone_number"] == "+447700900982"
    assert got["body"]["template_id"] == SMS_TEMPLATE
    text = got["body"]["personalisation"]["body"]
    assert reference in text
    assert "do poniedziałek 18 stycznia" in text  # the call-by day, in Polish
    assert "cukrzyc" not in text  # no condition named on a lock screen ("cukrzyca")


def test_an_online_course_people_start_themselves_promises_no_call(notify_app, notify):
    path = "/en/self-refer/help-diabetes?diabetes=type2"
    reference, page = self_refer(
        notify_app, path=path, email="", phone="07700 900 982", preferred_language="en"
    )
    [got] = to_patients(notify)
    text = got["body"]["personalisation"]["body"]
    assert text == (
        f"We have your details for a health course (ref {reference}). You can start as soon "
        "as you sign up on the course website."
    )
    assert "Nobody will contact you to book a place." in page


def test_a_landline_gets_no_text_and_the_page_promises_none(notify_app, notify):
    reference, page = self_refer(notify_app, email="", phone="020 7946 0111")
    assert "We are sending you" not in page
    assert to_patients(notify) == []
    assert messages_of(notify_app, reference) == []


def test_without_a_notify_key_a_message_is_recorded_as_not_sent(app):
    reference, page = self_refer(app, email="sam@example.com")
    assert "We are sending you" not in page
    [message] = messages_of(app, reference)
    assert (message.status, message.error, message.attempts) == ("not_sent", "no key", 0)


def _queue_letter(app, key, language="en"):
    with app.app_context(), writes():
        referral = db.session.scalars(select(Referral).limit(1)).one()
        return send(
            channel="letter",
            to="Sam Sample\n1 Test Street\nLeeds\nLS1 1AA",
            template="self_referral_confirmation",
            language=language,
            personalisation=confirmation("DE-TEST-0001"),
            referral=referral,
            recipient="patient",
            key=key,
        ).id


def test_a_letter_goes_as_a_pdf_with_the_address_and_our_words(notify_app, notify):
    _queue_letter(notify_app, "letter-1")
    [got] = to_patients(notify)
    assert got["type"] == "letter"
    assert got["pdf"] == "%PDF-"
    pdf = base64.b64decode(got["body"]["content"])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "LS1 1AA" in text
    assert "DE-TEST-0001" in text


def test_a_busy_notify_is_tried_again_and_the_message_sent_once(notify_app, notify):
    notify.failures = [500]
    message_id = _queue_letter(notify_app, "letter-busy")
    with notify_app.app_context():
        message = db.session.get(OutboundMessage, message_id)
        assert message is not None
        assert (message.status, message.attempts, message.error) == (
            "queued",
            1,
            "Notify answered 500",
        )
    assert to_patients(notify) == []
    # The retry Huey schedules (after MESSAGE_RETRY_SECONDS), run now; then a stray second run.
    with notify_app.app_context():
        sending.deliver(message_id)
        sending.deliver(message_id)
        message = db.session.get(OutboundMessage, message_id)
        assert message is not None
        assert (message.status, message.attempts) == ("sent", 2)
    assert len(to_patients(notify)) == 1


def test_a_refused_message_fails_at_once(notify_app, notify):
    notify.failures = [400]
    message_id = _queue_letter(notify_app, "letter-refused")
    with notify_app.app_context():
        message = db.session.get(OutboundMessage, message_id)
        assert message is not None
        assert (message.status, message.error) == ("failed", "refused by Notify (400)")


def test_the_same_key_makes_one_message(notify_app, notify):
    first = _queue_letter(notify_app, "letter-twice")
    assert _queue_letter(notify_app, "letter-twice") == first
    assert len(to_patients(notify)) == 1


@pytest.mark.parametrize(
    ("headers", "body", "status", "field"),
    [
        ({}, {"id": "x", "status": "delivered"}, 401, None),
        ({"Authorization": "Bearer wrong"}, {"id": "x", "status": "delivered"}, 401, None),
        ({"Authorization": f"Bearer {TOKEN}x"}, {"id": "x", "status": "delivered"}, 401, None),
        ({"Authorization": f"Bearer {TOKEN}"}, ["not", "an", "object"], 400, "body"),
        ({"Authorization": f"Bearer {TOKEN}"}, {"status": "delivered"}, 400, "id"),
        ({"Authorization": f"Bearer {TOKEN}"}, {"id": "x", "status": 3}, 400, "status"),
        ({"Authorization": f"Bearer {TOKEN}"}, {"id": "x" * 41, "status": "x"}, 400, "id"),
        (
            {"Authorization": f"Bearer {TOKEN}"},
            {"id": "x", "status": "delivered", "reference": 1},
            400,
            "reference",
        ),
        ({"Authorization": f"Bearer {TOKEN}"}, {"id": "nobody", "status": "delivered"}, 404, "id"),
    ],
)
def test_bad_receipts_are_refused_naming_the_field(notify_app, headers, body, status, field):
    response = notify_app.test_client().post("/notify/callback", json=body, headers=headers)
    assert response.status_code == status
    assert response.is_json
    assert response.json.get("field") == field


def test_a_receipt_updates_the_message_shown_to_its_practice_only(notify_app, notify):
    reference, _page = self_refer(notify_app, email="kim@example.com", practice="DEMO01")
    [got] = to_patients(notify)
    receipt = notify.receipt(got, "permanent-failure")
    response = notify_app.test_client().post(
        "/notify/callback", json=receipt, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    assert response.json == {"status": "failed"}
    [message] = messages_of(notify_app, reference)
    assert (message.status, message.notify_status) == ("failed", "permanent-failure")
    with notify_app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .filter_by(action="message.receipt", object_ref=reference)
            )
            == 1
        )

    clinician = sign_in(notify_app.test_client(), "clinician")  # DEMO01
    soup = check_page(clinician.get(f"/en/staff/referrals/{reference}").get_data(as_text=True))
    row = one(soup, f"tr[data-key='{reference}:self-referral-confirmation']")
    assert row["data-status"] == "failed"
    assert "kim@example.com" in row.get_text()
    assert "permanent-failure" in row.get_text()
    outbox = check_page(clinician.get("/en/staff/outbox").get_data(as_text=True))
    assert outbox.select_one(f"tr[data-key='{reference}:self-referral-confirmation']")

    other = sign_in(notify_app.test_client(), "clinician2")  # DEMO02
    elsewhere = check_page(other.get("/en/staff/outbox").get_data(as_text=True))
    assert not elsewhere.select_one(f"tr[data-key='{reference}:self-referral-confirmation']")
    assert "kim@example.com" not in elsewhere.get_text()

    commissioner = sign_in(notify_app.test_client(), "commissioner")
    everyone = check_page(commissioner.get("/en/staff/outbox").get_data(as_text=True))
    row = one(everyone, f"tr[data-key='{reference}:self-referral-confirmation']")
    assert row["data-status"] == "failed"
    assert "kim@example.com" not in everyone.get_text()  # no personal data across practices
