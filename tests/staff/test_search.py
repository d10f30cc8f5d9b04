"""Search within the practice, through the real app: reference as read out over the phone,
NHS number in any spacing, part of a name without its accents, date of birth."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from finder.extensions import db
from finder.models import AuditEvent
from tests.conftest import check_page
from tests.staff.conftest import new_nhs_number, unique_surname


def found(client, q: str) -> list[str]:
    response = client.get("/en/staff/search", query_string={"q": q})
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    return [str(row["data-reference"]) for row in soup.select("tr[data-reference]")]


@pytest.fixture
def person(make_referral):
    surname = unique_surname()
    name = f"Zoë Ó {surname}-Súilleabháin"
    number = new_nhs_number()
    reference = make_referral(name=name, nhs_number=number, date_of_birth=dt.date(1951, 7, 30))
    return reference, surname, number


@pytest.mark.parametrize(
    "typed",
    [
        lambda ref: ref,
        lambda ref: ref.replace("-", " ").lower(),  # "de abcd 2345", as heard
        lambda ref: ref.replace("-", ""),
        lambda ref: ref[3:],  # without the DE
        lambda ref: " ".join(ref[3:].replace("-", "")),  # one character at a time
    ],
)
def test_a_reference_is_found_however_it_is_typed(signed_in, person, typed):
    reference, _surname, _number = person
    assert found(signed_in("clinician"), typed(reference)) == [reference]


def test_a_person_is_found_by_part_of_a_name_without_accents_or_case(signed_in, person):
    reference, surname, _number = person
    client = signed_in("support")
    assert found(client, surname.upper()) == [reference]
    assert found(client, surname[:4].lower()) == [reference]
    assert found(client, f"zoe suilleab {surname[:5]}") == [reference]
    assert found(client, "SÚILLEABHÁIN " + surname) == [reference]
    assert found(client, f"zoe {surname}x") == []  # every word must match


def test_a_person_is_found_by_nhs_number_in_any_spacing(signed_in, person, make_referral):
    reference, surname, number = person
    make_referral(name=f"Someone {surname}", nhs_number=new_nhs_number())  # same surname
    client = signed_in("clinician")
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    for typed in (number, spaced, spaced.replace(" ", "-"), f" {number[:5]} {number[5:]} "):
        assert found(client, typed) == [reference]  # not the other of the same surname


def test_a_person_is_found_by_date_of_birth(signed_in, person):
    reference, _surname, _number = person
    client = signed_in("clinician")
    for typed in ("30/07/1951", "30-7-1951", "1951-07-30", "30.07.1951"):
        assert found(client, typed) == [reference]
    assert reference not in found(client, "31/07/1951")


def test_another_practice_finds_nothing(signed_in, person):
    reference, surname, number = person
    other = signed_in("clinician2")
    assert found(other, reference) == []
    assert found(other, surname) == []
    assert found(other, number) == []


def test_the_search_is_audited_without_what_was_typed(app, signed_in, person):
    reference, surname, _number = person
    client = signed_in("clinician")
    with app.app_context():
        last = db.session.scalar(select(db.func.max(AuditEvent.id))) or 0
    found(client, surname)
    found(client, reference)
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > last, AuditEvent.action == "referral.search")
            .order_by(AuditEvent.id)  # PostgreSQL gives rows in no set order without one
        ).all()
    assert [r.object_ref for r in rows] == [None, None]
    assert rows[0].detail == {"kind": "name", "count": 1}
    # A reference of letters only is also read as a name ("Denise Ward" reads as a reference).
    assert rows[1].detail["kind"] in ("reference", "reference+name")
    assert rows[1].detail["count"] == 1
    assert surname.lower() not in str([r.detail for r in rows]).lower()


def test_the_header_has_a_search_box_for_practice_staff(signed_in):
    soup = check_page(signed_in("support").get("/en/staff/").get_data(as_text=True))
    form = soup.select_one("header form[action='/en/staff/search']")
    assert form is not None
    assert form.select_one("input[name=q]") is not None
    commissioner = check_page(signed_in("commissioner").get("/en/staff/").get_data(as_text=True))
    assert commissioner.select_one("header form[action='/en/staff/search']") is None


def test_a_renamed_person_is_found_by_the_new_name_only(app, signed_in, person):
    from finder.models import Patient, Referral

    reference, surname, _number = person
    new = unique_surname()
    with app.app_context():
        patient = db.session.scalar(
            select(Patient).join(Referral).where(Referral.reference == reference)
        )
        assert patient is not None
        patient.name = f"Zoe {new}"
        db.session.commit()
    client = signed_in("clinician")
    assert found(client, new) == [reference]
    assert found(client, surname) == []


@pytest.mark.parametrize("typed", ["", "   ", "%", "_", "'; --", "\u202e", "a" * 500])
def test_odd_searches_find_nothing_and_never_fail(signed_in, typed):
    assert found(signed_in("clinician"), typed) == []
