"""Letters that can be posted: the follow-up letter after a missed course, made from the
worklist, recorded as a message, printed by the practice (no Notify key) or sent to Notify's
letter service; laid out to Notify's letter specification, in every language, in large print
on request.

Positions are read back from the PDF with pypdf (points from the bottom left) and compared with
the millimetres of Notify's specification, written here by hand."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import Tag
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from finder.extensions import db
from finder.models import OutboundMessage
from tests.conftest import check_page, migrated_app, one, own_database
from tests.forms import hidden_fields
from tests.outbox.fake_notify import FakeNotify, settings, to_patients
from tests.staff.conftest import csrf_token, new_nhs_number, sign_in
from tests.staff.test_register import upload

A4 = (595.28, 841.89)  # points
PAGE_HEIGHT_MM = 297.0
# Notify's letter specification, millimetres from the page's left and top edges.
WINDOW = (24.6, 39.5, 24.6 + 95.4, 39.5 + 26.8)
CONTACT = (125.0, 30.0, 125.0 + 65.0, 30.0 + 65.0)
MM = 25.4 / 72  # one point
ADDRESS = ["Sam Sample", "1 Sample Street", "London", "E1 1AA"]  # the register's, in lines


@dataclass(frozen=True)
class Run:
    text: str
    x: float  # mm from the left edge, where the run starts
    y: float  # mm from the top edge, of its baseline
    size: float  # points
    font: str


def runs(pdf: bytes, page: int = 0) -> list[Run]:
    found: list[Run] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append(
                Run(text.strip(), x * MM, PAGE_HEIGHT_MM - y * MM, size, font["/BaseFont"])
            )

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def inside(run: Run, box: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = box
    # The baseline, and the top of the letters above it, within the box.
    return left <= run.x < right and top <= run.y - run.size * MM * 0.75 and run.y <= bottom


def fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    names: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for f in resources["/Font"].values():
            names.add(str(f.get_object()["/BaseFont"]).split("+")[-1])
    return names


@pytest.fixture(scope="module")
def app(notify: FakeNotify, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = migrated_app(own_database("letters", tmp_path_factory), **settings(notify))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def without_key(app: Flask) -> Iterator[None]:
    """As in development, or a practice without Notify's letter service: nothing is sent."""
    key = app.config["NOTIFY_API_KEY"]
    app.config["NOTIFY_API_KEY"] = ""
    yield
    app.config["NOTIFY_API_KEY"] = key


@pytest.fixture
def clinician(app: Flask, notify: FakeNotify) -> FlaskClient:
    notify.reset()
    return sign_in(app.test_client(), "clinician")


def post(client: FlaskClient, path: str, **data: str) -> None:
    data["csrf_token"] = csrf_token(client, "/en/staff/")
    assert client.post(path, data=data).status_code == 302


def missed_course(
    client: FlaskClient,
    make_referral: Callable[..., str],
    language: str = "en",
    address: str = "1 Sample Street, London, E1 1AA",
    large_print: str = "no",
) -> str:
    """A person on the register (with ``address``) referred, booked, and then not at the
    course: on the follow-up list. Their reference."""
    nhs = new_nhs_number()
    language_name = {"en": "English", "ar": "Arabic", "ur": "Urdu", "bn": "Bengali"}[language]
    csv = (
        "NHS number,Name,Date of birth,Date of diagnosis,Preferred language,Postal address,"
        f'Large print\n{nhs},Sam Sample,01/05/1960,01/10/2026,{language_name},"{address}",'
        f"{large_print}\n"
    ).encode()
    _status, page = upload(client, csv)
    assert "Register imported: 1 added" in page, page
    ref: str = make_referral(nhs_number=nhs, name="Sam Sample", preferred_language=language)
    post(client, f"/en/staff/referrals/{ref}/status", status="booked")
    post(client, f"/en/staff/referrals/{ref}/status", status="did_not_attend")
    return ref


def card(client: FlaskClient, ref: str) -> Tag:
    page = check_page(client.get("/en/staff/follow-up").get_data(as_text=True))
    found = page.select_one(f"#card-{ref}")
    assert found is not None
    return found


def send_letter(client: FlaskClient, ref: str) -> str:
    """Press "Send a letter in their language" on the person's card; the page it leads to."""
    form = one(card(client, ref), "form.app-missed-course-letter")
    data = hidden_fields(form)
    response = client.post(str(form["action"]), data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def printed(client: FlaskClient, ref: str) -> bytes:
    """The letter as the practice prints it, from the referral's messages."""
    page = check_page(client.get(f"/en/staff/referrals/{ref}").get_data(as_text=True))
    [row] = page.select(f".app-messages tr[data-key^='{ref}:missed-course:']")
    link = one(row, "a.app-letter-pdf")
    assert link.get_text(strip=True) == "Open the letter to print (PDF)"
    response = client.get(str(link["href"]))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return bytes(response.data)


def test_without_a_key_the_letter_is_recorded_and_the_practice_prints_it(
    app, clinician, make_referral, without_key, notify
):
    ref = missed_course(clinician, make_referral)
    page = check_page(send_letter(clinician, ref))
    text = page.get_text(" ", strip=True)
    assert "The letter is recorded but not sent: there is no GOV.UK Notify key." in text
    [row] = page.select(".app-messages tbody tr[data-key*=':missed-course:']")
    assert row["data-status"] == "not_sent"
    assert "missed_course (en)" in row.get_text(" ", strip=True)
    assert "Sam Sample" in row.get_text(" ", strip=True)  # the address it goes to
    send_letter(clinician, ref)  # pressed again: still one letter
    with app.app_context():
        messages = db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.key.startswith(f"{ref}:missed-course:"))
        ).all()
        assert [(m.channel, m.template, m.language, m.recipient) for m in messages] == [
            ("letter", "missed_course", "en", "patient")
        ]
    assert notify.received == []
    pdf = printed(clinician, ref)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
    words = " ".join(r.text for r in runs(pdf))
    assert ref in words
    assert "You had a place on a free diabetes course" in words


def test_the_address_is_in_the_window_and_the_practice_in_the_contact_block(
    clinician, make_referral, without_key
):
    ref = missed_course(clinician, make_referral)
    send_letter(clinician, ref)
    found = runs(printed(clinician, ref))
    address = [r for r in found if inside(r, WINDOW)]
    assert [r.text for r in address] == ADDRESS
    contact = " ".join(r.text for r in found if inside(r, CONTACT))
    assert contact == (
        "Riverside Medical Practice (demo) Call us on 020 7946 0001 "
        "Opening hours: Monday to Friday, 8am to 6:30pm"
    )
    # Nothing else in either box, and everything within Notify's printable area.
    others = [r for r in found if r not in address and not inside(r, CONTACT)]
    assert others
    for run in others:
        assert not inside(run, WINDOW), run
        assert 15 <= run.x < 210 - 15, run
        assert 5 + run.size * MM <= run.y <= 297 - 5, run
    # Then the date, and the text below both blocks, at 12 point.
    assert min(r.y for r in others) > CONTACT[3]
    assert {r.size for r in others} == {12.0}
    assert others[-1].text == "Page 1 of 1"


def test_large_print_on_request(clinician, make_referral, without_key):
    ref = missed_course(clinician, make_referral, large_print="yes")
    form = one(card(clinician, ref), "form.app-missed-course-letter")
    assert "in large print" in form.get_text(" ", strip=True)
    page = check_page(send_letter(clinician, ref))
    assert "large print" in one(
        page, ".app-messages tbody tr[data-key*=':missed-course:']"
    ).get_text(" ", strip=True)
    found = runs(printed(clinician, ref))
    body = [r for r in found if r.y > CONTACT[3]]
    assert body
    assert min(r.size for r in body) >= 16
    assert {r.size for r in found if inside(r, CONTACT)} == {16.0}
    # The address keeps the size that fits Notify's window.
    assert [r.text for r in found if inside(r, WINDOW)] == ADDRESS


@pytest.mark.parametrize(
    ("language", "font"),
    [("ar", "NotoNaskhArabic"), ("ur", "NotoNastaliqUrdu"), ("bn", "NotoSansBengali")],
)
def test_letters_in_arabic_urdu_and_bengali_use_their_script_font(
    app, clinician, make_referral, without_key, language, font
):
    ref = missed_course(clinician, make_referral, language=language)
    page = check_page(send_letter(clinician, ref))
    assert (
        f"missed_course ({language})"
        in one(page, ".app-messages tbody tr[data-key*=':missed-course:']").get_text()
    )
    pdf = printed(clinician, ref)
    assert font in fonts(pdf)
    assert "DejaVuSans" in " ".join(fonts(pdf))  # the address and the reference in Latin
    found = runs(pdf)
    assert {r.font.split("+")[-1] for r in found} <= {font, "DejaVuSansBook"}
    # Shaping splits a line into runs where the font changes (the reference's digits).
    assert ref in "".join(r.text for r in found)
    # The phone number whole, its groups in order (right to left, they would run backwards).
    assert [r.text for r in found if inside(r, CONTACT) and "7946" in r.text] == ["020 7946 0001"]
    assert [r.text for r in found if inside(r, WINDOW)] == ADDRESS


def test_without_an_address_on_the_register_the_card_says_so(
    app, clinician, make_referral, without_key
):
    ref = missed_course(clinician, make_referral, address="")
    found = card(clinician, ref)
    assert found.select_one("form.app-missed-course-letter") is None
    assert "No postal address is known for them" in found.get_text(" ", strip=True)
    # The printable page in their language is still there.
    assert found.select_one("a[href*='/staff/letter?ref=']") is not None
    # Sent anyway (a stale page): refused, nothing recorded.
    data = {"csrf_token": csrf_token(clinician, "/en/staff/")}
    response = clinician.post(
        f"/en/staff/referrals/{ref}/missed-course-letter", data=data, follow_redirects=True
    )
    assert "No postal address is known for" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.key.startswith(f"{ref}:missed-course:"))
        ).all()


def test_with_a_key_the_letter_goes_to_notify_as_a_precompiled_letter(
    app, clinician, make_referral, notify
):
    ref = missed_course(clinician, make_referral, large_print="yes")
    page = check_page(send_letter(clinician, ref))
    assert "on its way to GOV.UK Notify" in page.get_text(" ", strip=True)
    [got] = to_patients(notify)
    assert got["type"] == "letter"
    assert got["body"]["reference"].startswith(f"{ref}:missed-course:")
    pdf = base64.b64decode(got["body"]["content"])
    found = runs(pdf)
    assert [r.text for r in found if inside(r, WINDOW)] == ADDRESS
    assert min(r.size for r in found if r.y > CONTACT[3]) >= 16
    assert pdf == printed(clinician, ref)  # the practice's copy is the same letter
    assert one(page, ".app-messages tbody tr[data-key*=':missed-course:']")["data-status"] == "sent"


def test_another_practice_cannot_open_the_letter(app, clinician, make_referral, without_key):
    ref = missed_course(clinician, make_referral)
    send_letter(clinician, ref)
    with app.app_context():
        message = db.session.scalar(
            select(OutboundMessage).where(OutboundMessage.key.startswith(f"{ref}:missed-course:"))
        )
        assert message is not None
        path = f"/en/staff/outbox/{message.id}/letter.pdf"
    other = sign_in(app.test_client(), "clinician2")
    assert other.get(path).status_code == 404
    assert clinician.get(path).status_code == 200


def test_the_practice_changes_its_phone_number_and_opening_hours(
    app, clinician, make_referral, without_key
):
    support = sign_in(app.test_client(), "support")  # the same practice's receptionist
    outbox = check_page(support.get("/en/staff/outbox").get_data(as_text=True))
    path = str(one(outbox, "a[href$='/staff/practice/contact']")["href"])
    page = check_page(support.get(path).get_data(as_text=True))
    assert one(page, "input#phone")["value"] == "020 7946 0001"
    assert one(page, "input#opening_hours")["value"] == "Monday to Friday, 8am to 6:30pm"
    token = one(page, "input[name=csrf_token]")["value"]
    wrong = support.post(path, data={"csrf_token": token, "phone": "12", "opening_hours": ""})
    assert wrong.status_code == 200
    shown = check_page(wrong.get_data(as_text=True))
    assert one(shown, "title").get_text().startswith("Error: ")
    assert "Enter a phone number, like 020 7946 0000" in shown.get_text(" ", strip=True)
    hours = "Monday to Friday, 8am to 8pm"
    saved = support.post(
        path, data={"csrf_token": token, "phone": "02079460999", "opening_hours": hours}
    )
    assert saved.status_code == 302
    page = check_page(support.get(path).get_data(as_text=True))
    assert "Saved: your letters print the new details." in page.get_text(" ", strip=True)
    assert one(page, "input#phone")["value"] == "020 7946 0999"  # as people write it
    try:
        ref = missed_course(clinician, make_referral)
        send_letter(clinician, ref)
        contact = " ".join(r.text for r in runs(printed(clinician, ref)) if inside(r, CONTACT))
        assert contact == (
            "Riverside Medical Practice (demo) Call us on 020 7946 0999 "
            "Opening hours: Monday to Friday, 8am to 8pm"
        )
    finally:
        support.post(
            path,
            data={
                "csrf_token": token,
                "phone": "020 7946 0001",
                "opening_hours": "Monday to Friday, 8am to 6:30pm",
            },
        )
