"""Invitations from the "not yet referred" list: sent through the real Notify client to a fake
Notify server, a personal link that opens the finder, the self-referral attached to the
register, the automatic second invitation on the real job queue with frozen time, the QOF
exception proposed after two, and the person's timeline. Expected words are written by hand."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy import select, update

from finder import jobs
from finder.extensions import db
from finder.models import Invitation, OutboundMessage, Patient, Referral, RegisterEntry
from finder.policy import INVITATION_ANSWER_DAYS, INVITATION_LINK_DAYS
from tests.conftest import check_page, migrated_app, one, own_database
from tests.forms import hidden_fields
from tests.outbox.fake_notify import FakeNotify, settings, to_patients
from tests.public.test_self_refer import client_at
from tests.staff.conftest import csrf_token, sign_in
from tests.staff.test_register import upload

TODAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
TOKEN = "callback-token-" + "y" * 32
BASE = "http://127.0.0.1:8000"
# NHS numbers from reference/codes.md (valid test numbers) and the 999 test range.
ANNA, BOGDAN, CARMEN, DALIA = "9434765919", "6541003238", "6716689966", "9990000018"
REGISTER = (
    "NHS number,Name,Date of birth,Date of diagnosis,Preferred language,Interpreter needed,"
    "Mobile,Email,Postal address\n"
    f"{ANNA},Anna Example,01/02/1960,15/03/2026,English,no,07700 900 982,,\n"
    f"{BOGDAN},Bogdan Sample,31/12/1971,02/06/2026,Polish,yes,,bogdan@example.com,\n"
    f'{CARMEN},Carmen Demo,05/05/1955,10/10/2026,Spanish,no,,,"1 Sample Street, London, E1 1AA"\n'
    f'{DALIA},Dalia Test,06/06/1966,11/11/2026,Arabic,yes,,,"2 Demo Road, London, E2 2BB"\n'
).encode()


@pytest.fixture(scope="module")
def app(notify: FakeNotify, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = migrated_app(
        own_database("invite", tmp_path_factory),
        **settings(notify),
        NOTIFY_CALLBACK_TOKEN=TOKEN,
        FINDER_BASE_URL=BASE,
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def register(app: Flask, notify: FakeNotify) -> Iterator[FlaskClient]:
    """The clinician of Riverside (DEMO01), with the four people above on its register, at
    10:00 on 1 December 2026; afterwards the register and its invitations are gone."""
    notify.reset()
    with time_machine.travel(TODAY, tick=False):
        client = sign_in(app.test_client(), "clinician")
        _status, page = upload(client, REGISTER)
        assert "Register imported: 4 added" in page, page
        yield client
    assert not notify.rejected, notify.rejected
    with app.app_context():
        db.session.execute(Invitation.__table__.delete())
        db.session.execute(RegisterEntry.__table__.delete())
        # Referrals stay (their history is append-only); their people leave the register's
        # NHS numbers, so the next test starts with nobody referred.
        db.session.execute(
            update(Patient)
            .where(Patient.nhs_number.in_([ANNA, BOGDAN, CARMEN, DALIA]))
            .values(nhs_number=None)
        )
        db.session.commit()


def entry_id(app: Flask, nhs_number: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(RegisterEntry.id).filter_by(nhs_number=nhs_number))
        assert found is not None
        return found


def names_listed(client: FlaskClient) -> list[str]:
    page = check_page(client.get("/en/staff/register").get_data(as_text=True))
    return [one(card, "h2 bdi").get_text(strip=True) for card in page.select(".app-register-entry")]


def invite(client: FlaskClient, *ids: int, times: int = 1) -> str:
    """Tick the people and press the one button, as a person without JavaScript does: the
    form the checkboxes belong to, with its own key."""
    page = check_page(client.get("/en/staff/register").get_data(as_text=True))
    form = one(page, "form#invite-selected")
    for i in ids:
        box = one(page, f"input[name=entry][value='{i}']")
        assert box["form"] == "invite-selected"
    data = {
        "csrf_token": str(one(form, "input[name=csrf_token]")["value"]),
        "submission": str(one(form, "input[name=submission]")["value"]),
        "entry": [str(i) for i in ids],
    }
    pages = []
    for _ in range(times):
        response = client.post(str(form["action"]), data=data, follow_redirects=True)
        assert response.status_code == 200
        pages.append(check_page(response.get_data(as_text=True)).get_text(" ", strip=True))
    return pages[0]


def invite_one(client: FlaskClient, entry: int) -> str:
    page = check_page(client.get("/en/staff/register").get_data(as_text=True))
    card = one(page, f".app-register-entry[data-entry='{entry}']")
    form = one(card, "form.app-invite-one")
    data = hidden_fields(form)
    response = client.post(str(form["action"]), data=data, follow_redirects=True)
    assert response.status_code == 200
    return check_page(response.get_data(as_text=True)).get_text(" ", strip=True)


def history(client: FlaskClient, entry: int) -> list[str]:
    response = client.get(f"/en/staff/register/{entry}")
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    return [
        re.sub(r"\s+", " ", item.get_text()).strip() for item in page.select(".app-timeline li")
    ]


def link_in(text: str) -> str:
    found = re.search(re.escape(BASE) + r"(/[a-z]{2}/my/[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def run_reminders(app: Flask) -> None:
    """The periodic job, queued as the worker's scheduler does (run at once in tests)."""
    with app.app_context():
        jobs.queue().tasks["finder.register.invitations.remind"]()


def test_invite_open_the_link_self_refer_and_leave_the_list(app, register, notify):
    client = register
    anna = entry_id(app, ANNA)
    assert "Anna Example" in names_listed(client)
    page = invite_one(client, anna)
    assert "1 invitation sent." in page
    [sms] = notify.received
    assert sms["type"] == "sms"
    assert sms["body"]["phone_number"] == "+447700900982"
    text = sms["body"]["personalisation"]["body"]
    # Who it is from (the name cut to fit, at a word), one action, the link; no diagnosis.
    assert text.startswith("Riverside Medical Practice: please choose a free health course")
    assert "diabet" not in text.lower()
    path = link_in(text)
    assert ANNA not in path
    assert "anna" not in path.lower()
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).filter_by(register_entry_id=anna))
        assert invitation is not None
        token = path.rsplit("/", 1)[1]
        assert token not in invitation.token_hash  # only the hash is kept
        assert len(token) >= 16
        # Nor is the token kept in the message's words once Notify has them.
        [kept] = db.session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.practice_id == invitation.entry.practice_id
            )
        ).all()
        assert token not in kept.body
        assert "/my/(token)" in kept.body

    # Notify's receipt reaches the timeline.
    receipt = client.post(
        "/notify/callback",
        json=notify.receipt(sms, "delivered"),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert receipt.status_code == 200

    # The person (another browser, not signed in) opens the link a day later.
    with time_machine.travel(TODAY + dt.timedelta(days=1), tick=False):
        person = client_at(app)
        opened = person.get(path)
        assert opened.status_code == 302
        assert opened.headers["Cache-Control"] == "no-store"
        target = urlsplit(opened.location)
        assert target.path == "/en/find/diabetes"
        assert parse_qs(target.query) == {"language": ["en"]}  # filled in from the register
        question = check_page(person.get(opened.location).get_data(as_text=True))
        assert question.find("h1") is not None
        assert one(question, "input[name=language]")["value"] == "en"

        form_page = person.get("/en/self-refer/x-pert?diabetes=type2&language=en")
        assert form_page.status_code == 200
        shown = check_page(form_page.get_data(as_text=True))
        words = shown.get_text(" ", strip=True)
        assert "Your GP practice invited you" in words
        # Nothing of the person's on the page: the link may have been forwarded.
        for secret in ("Anna", "Example", "943 476 5919", ANNA, "07700", "1960", "Riverside"):
            assert secret not in words
        assert shown.select_one("input[name=name]") is None
        assert shown.select_one("input[name=nhs_number]") is None
        fields = hidden_fields(shown, "form[method=post] input[type=hidden]")
        sent = person.post(
            "/en/self-refer/x-pert?diabetes=type2&language=en",
            data={**fields, "preferred_language": "en", "consent": "y"},
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
        done = check_page(person.get(sent.location).get_data(as_text=True))
        reference = one(done, ".app-reference").get_text(strip=True)

    with app.app_context():
        referral = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert referral is not None
        patient = db.session.get(Patient, referral.patient_id)
        entry = db.session.get(RegisterEntry, anna)
        assert patient is not None
        assert entry is not None
        # The patient is the register's person, at the register's practice.
        assert (patient.nhs_number, patient.date_of_birth) == (ANNA, dt.date(1960, 2, 1))
        assert patient.practice_id == entry.practice_id
        assert referral.self_referral

    assert "Anna Example" not in names_listed(client)
    assert history(client, anna) == [
        "1 Dec 2026, 10:00: Invitation 1 sent by text message (Dr Demo Clinician)",
        "1 Dec 2026, 10:00: Invitation 1: delivered",
        "2 Dec 2026, 10:00: Link in invitation 1 opened",
        f"2 Dec 2026, 10:00: Self-referral made through the link: {reference}",
    ]
    # The link has done its work: opening it again starts the finder with no invitation.
    with time_machine.travel(TODAY + dt.timedelta(days=2), tick=False):
        again = client_at(app)
        assert again.get(path).status_code == 302
        form_again = again.get("/en/self-refer/x-pert").get_data(as_text=True)
        assert "Your GP practice invited you" not in form_again
        assert 'name="nhs_number"' in form_again


def test_a_selection_goes_by_text_email_or_letter_and_names_who_to_phone(app, register, notify):
    client = register
    with app.app_context():  # Dalia: no mobile, email or address
        db.session.execute(
            update(RegisterEntry).filter_by(nhs_number=DALIA).values(postal_address=None)
        )
        db.session.commit()
    ids = [entry_id(app, n) for n in (BOGDAN, CARMEN, DALIA)]
    page = invite(client, *ids, times=2)  # the same form sent twice: sent once
    assert "2 invitations sent." in page
    assert "Phone them: Dalia Test." in page
    by_type = {n["type"]: n for n in notify.received}
    assert sorted(by_type) == ["email", "letter"]
    email = by_type["email"]["body"]
    assert email["email_address"] == "bogdan@example.com"
    assert "Riverside Medical Practice (demo)" in email["personalisation"]["subject"]
    assert "diabet" not in email["personalisation"]["subject"].lower()
    assert "cukrzyc" in email["personalisation"]["body"]  # in Polish
    assert link_in(email["personalisation"]["body"]).startswith("/pl/my/")
    assert by_type["letter"]["pdf"] == "%PDF-"
    assert len(notify.received) == 2
    with app.app_context():
        assert db.session.scalars(select(Invitation.number)).all() == [1, 1]


def test_a_letter_goes_in_arabic_script_and_in_large_print_when_asked(app, register, notify):
    with app.app_context():
        db.session.execute(
            update(RegisterEntry).filter_by(nhs_number=DALIA).values(large_print=True)
        )
        db.session.commit()
    page = invite(register, entry_id(app, DALIA))
    assert "1 invitation sent." in page
    [letter] = notify.received
    assert letter["type"] == "letter"
    pdf = PdfReader(io.BytesIO(base64.b64decode(letter["body"]["content"])))
    resources = pdf.pages[0]["/Resources"]
    assert isinstance(resources, DictionaryObject)
    font_table = resources["/Font"]
    assert isinstance(font_table, DictionaryObject)
    fonts = {str(f.get_object()["/BaseFont"]) for f in font_table.values()}
    assert any(f.endswith("+NotoNaskhArabic") for f in fonts), fonts
    sizes: set[float] = set()
    pdf.pages[0].extract_text(visitor_text=lambda text, cm, tm, font, size: sizes.add(size))
    assert max(sizes) >= 16
    with app.app_context():
        message = db.session.scalar(
            select(OutboundMessage).filter_by(channel="letter", language="ar")
        )
        assert message is not None
        assert (message.language, message.large_print) == ("ar", True)
    # Its personal link left the stored words once Notify had them: a copy, not for posting.
    outbox = check_page(register.get("/en/staff/outbox").get_data(as_text=True))
    row = one(outbox, f".app-messages tr[data-key='{message.key}']")
    assert one(row, "a.app-letter-pdf").get_text(strip=True) == (
        "Open a copy of the letter (PDF): its personal link is not kept, so do not post it"
    )


def test_the_second_invitation_goes_once_then_the_exception_is_proposed(app, register, notify):
    client = register
    anna, bogdan = entry_id(app, ANNA), entry_id(app, BOGDAN)
    invite(client, anna, bogdan)
    assert len(notify.received) == 2
    # Not yet due: a day early.
    with time_machine.travel(TODAY + dt.timedelta(days=INVITATION_ANSWER_DAYS - 1), tick=False):
        run_reminders(app)
    assert len(notify.received) == 2
    due = TODAY + dt.timedelta(days=INVITATION_ANSWER_DAYS, hours=1)
    with time_machine.travel(due, tick=False):
        run_reminders(app)
        run_reminders(app)  # twice: still one second message each
    assert len(notify.received) == 4
    [second] = [n for n in notify.received[2:] if n["type"] == "sms"]
    assert second["body"]["personalisation"]["body"].startswith(
        "Riverside Medical Practice: a reminder to choose a free health course"
    )
    with time_machine.travel(due, tick=False):
        client = sign_in(app.test_client(), "clinician")  # a new session two weeks on
        assert history(client, anna)[-1] == (
            "15 Dec 2026, 11:00: Invitation 2 sent by text message (automatically)"
        )
        # No third invitation: the list offers no invite button for two.
        page = check_page(client.get("/en/staff/register").get_data(as_text=True))
        card = one(page, f".app-register-entry[data-entry='{anna}']")
        assert card.select_one("form.app-invite-one") is None
        assert card.select_one("form.app-proposed") is None  # not yet: a reply may come
    later = due + dt.timedelta(days=INVITATION_ANSWER_DAYS)
    with time_machine.travel(later, tick=False):
        run_reminders(app)
        assert len(notify.received) == 4
        client = sign_in(app.test_client(), "clinician")
        page = check_page(client.get("/en/staff/register").get_data(as_text=True))
        card = one(page, f".app-register-entry[data-entry='{anna}']")
        proposal = one(card, "form.app-proposed")
        assert "no response to 2 invitations" in proposal.get_text(" ", strip=True)
        # Proposed, not recorded: until staff press the button.
        with app.app_context():
            entry = db.session.get(RegisterEntry, anna)
            assert entry is not None
            assert entry.exception is None
        data = hidden_fields(proposal)
        client.post(str(proposal["action"]), data=data)
        with app.app_context():
            entry = db.session.get(RegisterEntry, anna)
            assert entry is not None
            assert entry.exception == "no_response"
        assert "Anna Example" not in names_listed(client)
        assert history(client, anna)[-1].endswith(
            "QOF exception recorded: No response to two invitations"
        )


def test_someone_who_referred_gets_no_second_invitation(app, register, notify):
    client = register
    carmen = entry_id(app, CARMEN)
    invite(client, carmen)
    with app.app_context():
        entry = db.session.get(RegisterEntry, carmen)
        assert entry is not None
        practice_id = entry.practice_id
    from tests.staff.test_register import refer

    refer(app, CARMEN, dt.date(1955, 5, 5))
    with time_machine.travel(TODAY + dt.timedelta(days=INVITATION_ANSWER_DAYS + 1), tick=False):
        run_reminders(app)
    assert len(to_patients(notify)) == 1
    with app.app_context():
        assert db.session.scalars(
            select(Invitation.number).filter_by(practice_id=practice_id)
        ).all() == [1]


@pytest.mark.parametrize("token", ["x" * 16, "AAAAAAAAAAAAAAAA", "a" * 300, "..%2e", "ab"])
def test_a_forged_link_gets_a_friendly_page_and_nothing_else(app, token):
    response = client_at(app).get(f"/en/my/{token}")
    assert response.status_code == 404
    page = check_page(response.get_data(as_text=True))
    assert one(page, "h1").get_text(strip=True) == "This link does not work"


def test_an_expired_link_gets_the_same_page(app, register, notify):
    anna = entry_id(app, ANNA)
    invite_one(register, anna)
    path = link_in(notify.received[0]["body"]["personalisation"]["body"])
    expired = TODAY + dt.timedelta(days=INVITATION_LINK_DAYS, seconds=1)
    with time_machine.travel(expired, tick=False):
        response = client_at(app).get(path)
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).filter_by(register_entry_id=anna))
        assert invitation is not None
        assert invitation.opened_at is None


def test_another_practice_cannot_invite_or_see_the_history(app, register, notify):
    anna = entry_id(app, ANNA)
    other = sign_in(app.test_client(), "clinician2")
    assert other.get(f"/en/staff/register/{anna}").status_code == 404
    response = other.post(
        "/en/staff/register/invite",
        data={
            "csrf_token": csrf_token(other, "/en/staff/register/import"),
            "submission": "k" * 20,
            "entry": str(anna),
        },
    )
    assert response.status_code == 404
    assert notify.received == []
    with app.app_context():
        assert db.session.scalars(select(Invitation.id)).all() == []
