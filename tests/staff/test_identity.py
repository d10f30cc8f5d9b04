"""The right patient: an NHS number on record for someone else stops with a side-by-side
comparison (never a silent merge); a likely duplicate is shown before a second is made; NHS
numbers never issued are refused with a reason. On SQLite and PostgreSQL (the run's engine)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from finder import nhs_number
from finder.extensions import db
from finder.models import Patient, Referral, ReferralEvent
from tests.conftest import check_page, one
from tests.forms import hidden_fields
from tests.staff.conftest import csrf_token, new_nhs_number, referral, unique_surname

NEW = "/en/staff/referrals/new?programme=desmond&diabetes=type2"


# What the new-referral form is sent with, unless a test says otherwise.
TYPED = {
    "name": "Nobody Yet",
    "date_of_birth": "27/03/1958",
    "nhs_number": "",
    "phone": "020 7946 0000",
    "email": "",
    "preferred_language": "en",
    "contact_method": "phone",
    "diagnosis_date": "",
    "course_run": "",
}


def form(client, **fields):
    return client.post(NEW, data={"csrf_token": csrf_token(client, NEW), **TYPED, **fields})


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Referral)),
            db.session.scalar(select(func.count()).select_from(Patient)),
        )


def test_a_number_on_record_for_another_name_stops_with_a_comparison(app, signed_in):
    client = signed_in("clinician")
    number, first_name, second_name = new_nhs_number(), unique_surname(), unique_surname()
    made = form(client, name=f"Ann {first_name}", date_of_birth="01/02/1950", nhs_number=number)
    assert made.status_code == 302
    first = made.location.rsplit("/", 1)[1]
    before = counts(app)

    typed = f"{number[:3]} {number[3:6]} {number[6:]}"
    stopped = form(client, name=f"Bob {second_name}", date_of_birth="03/04/1961", nhs_number=typed)
    assert stopped.status_code == 200
    soup = check_page(stopped.get_data(as_text=True))
    assert counts(app) == before  # nothing made, nothing opened
    rows = {
        tr["data-field"]: [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in soup.select(".app-identity__compare tr[data-field]")
    }
    assert rows == {
        "name": [f"Ann {first_name}", f"Bob {second_name}"],
        "date_of_birth": ["1 February 1950", "3 April 1961"],
    }
    assert "check the NHS number" in one(soup, ".app-identity a[href='#nhs_number']").text
    assert soup.find(class_="nhsuk-error-summary") is not None
    assert first not in stopped.get_data(as_text=True)  # the other record is not opened

    # "It is the same person": one press, with everything typed carried in the form.
    same = one(soup, ".app-identity form")
    data = hidden_fields(same)
    data["identity"] = "same"
    confirmed = client.post(same["action"], data=data)
    assert confirmed.status_code == 302
    assert confirmed.location.endswith(f"/{first}")  # the open referral, now updated
    record = referral(app, first)
    with app.app_context():
        patient = db.session.get(Patient, record.patient_id)
        assert patient is not None
        assert (patient.name, patient.date_of_birth.isoformat()) == (
            f"Bob {second_name}",
            "1961-04-03",
        )
        change = db.session.scalars(
            select(ReferralEvent).where(
                ReferralEvent.referral_id == record.id, ReferralEvent.kind == "change"
            )
        ).one()
    assert change.changes is not None
    assert {c["field"]: (c["old"], c["new"]) for c in change.changes} == {
        "name": (f"Ann {first_name}", f"Bob {second_name}"),
        "date_of_birth": ("1950-02-01", "1961-04-03"),
    }
    assert counts(app) == before


def test_the_same_number_name_and_birthday_goes_on_without_a_question(signed_in):
    client = signed_in("clinician")
    number, surname = new_nhs_number(), unique_surname()
    first = form(client, name=f"Ann {surname}", nhs_number=number)
    again = form(client, name=f"ANN  {surname.lower()}", nhs_number=number)
    assert again.status_code == 302
    assert again.location == first.location


def test_a_likely_duplicate_is_shown_before_a_second_referral(app, signed_in):
    client = signed_in("support")
    surname = unique_surname()
    made = form(client, name=f"Zoë {surname}", date_of_birth="05/06/1949")
    first = made.location.rsplit("/", 1)[1]
    before = counts(app)

    shown = form(client, name=f"zoe {surname.upper()}", date_of_birth="05/06/1949")
    assert shown.status_code == 200
    soup = check_page(shown.get_data(as_text=True))
    assert [li["data-reference"] for li in soup.select(".app-duplicate [data-reference]")] == [
        first
    ]
    assert counts(app) == before

    another = form(
        client, name=f"zoe {surname.upper()}", date_of_birth="05/06/1949", identity="another"
    )
    assert another.status_code == 302
    assert another.location.rsplit("/", 1)[1] != first
    assert counts(app)[0] == before[0] + 1


def test_another_birthday_is_no_likely_duplicate(signed_in):
    client = signed_in("support")
    surname = unique_surname()
    assert form(client, name=f"Al {surname}", date_of_birth="05/06/1949").status_code == 302
    assert form(client, name=f"Al {surname}", date_of_birth="06/06/1949").status_code == 302


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("000 000 0000", "never has the same digit 10 times"),
        ("999 999 9999", "never has the same digit 10 times"),
        # Modulus 11 right, outside every issued range (5 and 8 series, 312-319).
        ("500 000 0005", "not in a range of numbers the NHS gives"),
        ("312 000 0019", "not in a range of numbers the NHS gives"),
    ],
)
def test_numbers_never_issued_are_refused_with_a_reason(app, signed_in, number, reason):
    digits = number.replace(" ", "")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    assert (11 - total % 11) % 11 == int(digits[9])  # the check digit alone would pass
    before = counts(app)
    response = form(signed_in("clinician"), nhs_number=number)
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html5lib")
    assert reason in one(soup, ".nhsuk-error-summary").get_text()
    assert counts(app) == before


@pytest.mark.parametrize("number", ["943 476 5919", "401 023 2137", "654 100 3238", "0101001231"])
def test_issued_and_test_series_numbers_are_accepted(number):
    assert nhs_number.problem(number) is None


def test_the_same_form_sent_again_goes_to_its_referral_not_to_a_duplicate_check(app, signed_in):
    """A resent form (a double click, a browser's retry) finds the patient its first sending
    made: it is shown that referral, not asked whether it is the same person."""
    client = signed_in("clinician")
    page = check_page(client.get(NEW).get_data(as_text=True))
    data = {
        **hidden_fields(page, "form[method=post] input[type=hidden]"),
        **TYPED,
        "name": f"Resent {unique_surname()}",
    }
    assert data.get("submission"), "the form carries its one-time key"
    first = client.post(NEW, data=data)
    assert first.status_code == 302
    made = counts(app)
    again = client.post(NEW, data=data)
    assert again.status_code == 302, "not stopped as a likely duplicate of itself"
    assert again.location == first.location
    assert counts(app) == made
    shown = check_page(client.get(again.location).get_data(as_text=True))
    assert "You already sent this form" in shown.get_text()
