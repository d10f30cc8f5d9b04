"""The practice register and QOF DM014: import from a clinical system's CSV, all or nothing;
the "not yet referred" list; DM014 over the register. Expected values are written by hand."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator

import pytest
import time_machine
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from finder.extensions import db
from finder.models import AuditEvent, Practice, Programme, RegisterEntry, User
from finder.referrals import operations
from tests.conftest import check_page, migrated_app, one, own_database
from tests.staff.conftest import ACCOUNTS, csrf_token, sign_in

# 1 December 2026: the QOF year began on 1 April 2026, so DM014 counts people who joined the
# register from 1 April 2025 to 31 March 2026.
TODAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def nhs_numbers(count: int, prefix: str) -> list[str]:
    """Valid NHS numbers (the 999 test range), each check digit by the NHS Data Dictionary's
    Modulus 11 rule, written here apart from finder/nhs_number.py."""
    found: list[str] = []
    n = 0
    while len(found) < count:
        nine = f"{prefix}{n:0{9 - len(prefix)}d}"
        n += 1
        check = (
            11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
        ) % 11
        if check != 10:
            found.append(nine + str(check))
    return found


# From reference/codes.md: valid test numbers.
A, B, C = "9434765919", "6541003238", "6716689966"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app of its own: the register's counts are exact, not shared with other tests."""
    app = migrated_app(own_database("register", tmp_path_factory))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def empty_register(app: Flask) -> Iterator[None]:
    """Each test starts with no register and no referrals for the clinician's practice."""
    yield
    with app.app_context():
        db.session.execute(RegisterEntry.__table__.delete())
        db.session.commit()


def upload(client: FlaskClient, content: bytes, submission: str = "") -> tuple[int, str]:
    page = client.get("/en/staff/register/import")
    soup = BeautifulSoup(page.data, "html5lib")
    key = submission or str(one(soup, "input[name=submission]")["value"])
    response = client.post(
        "/en/staff/register/import",
        data={
            "csrf_token": csrf_token(client, "/en/staff/register/import"),
            "submission": key,
            "file": (io.BytesIO(content), "register.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    return response.status_code, response.get_data(as_text=True)


def listed(client: FlaskClient) -> list[dict[str, str]]:
    """The "not yet referred" list as a person reads it: name, NHS number and deadline."""
    soup = check_page(client.get("/en/staff/register").get_data(as_text=True))
    people = []
    for card in soup.select(".app-register-entry"):
        heading = one(card, "h2").get_text(" ", strip=True)
        rows = {
            one(row, "dt").get_text(strip=True): one(row, "dd").get_text(" ", strip=True)
            for row in card.select(".nhsuk-summary-list__row")
        }
        people.append(
            {
                "heading": heading,
                "tag": one(card, ".nhsuk-tag").get_text(" ", strip=True),
                **rows,
            }
        )
    return people


def count_entries(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RegisterEntry)) or 0


def refer(app: Flask, nhs_number: str, born: dt.date, account: str = "clinician") -> str:
    with app.test_request_context():
        user = db.session.scalar(select(User).filter_by(email=ACCOUNTS[account]))
        assert user is not None
        login_user(user)
        practice = db.session.get(Practice, user.practice_id)
        programme = db.session.scalar(select(Programme).filter_by(slug="desmond"))
        assert practice is not None
        assert programme is not None
        referral, _created = operations.create_referral(
            practice,
            programme,
            operations.PatientDetails(
                name="Referred Example",
                date_of_birth=born,
                nhs_number=nhs_number,
                phone="020 7946 0123",
                email=None,
                preferred_language="en",
                contact_method="phone",
                interpreter_needed=False,
                companion_coming=False,
                diagnosis_date=None,
            ),
            {"diabetes": "type2"},
        )
        return str(referral.reference)


# An EMIS-style export: a byte order mark, Windows line endings, forename and surname apart,
# dates as dd/mm/yyyy and dd-Mon-yyyy, NHS numbers with spaces, columns we do not read.
EMIS = (
    "\ufeffNHS Number,Forename,Surname,Date of Birth,Register Date,Main Language,"
    "Interpreter Required,Mobile Telephone,Email Address,Usual GP\r\n"
    "943 476 5919,Zoë,Example,01/02/1960,15-Mar-2026,Bengali,Yes,07700 900 982,,Dr Who\r\n"
    "654 100 3238,Sam,Sample,31/12/1971,02/06/2026,,no,,sam@example.com,Dr Who\r\n"
    "671 668 9966,Ayse,Demo,05/05/1955,10/11/2026,Turkish,N,,,Dr No\r\n"
).encode()


def test_a_messy_emis_export_is_imported_and_listed_nearest_deadline_first(
    app, frozen, empty_register
):
    client = sign_in(app.test_client(), "clinician")
    status, page = upload(client, EMIS)
    assert status == 200
    assert "Register imported: 3 added, 0 updated, 0 unchanged." in page
    people = listed(client)
    # Diagnosed 15 Mar 2026 + 9 months = 15 Dec 2026: 14 days from 1 Dec.
    assert people[0]["heading"] == "Zoë Example · 943 476 5919"
    assert people[0]["Refer by"] == "15 Dec 2026"
    assert people[0]["tag"] == "14 days left to refer"
    assert people[0]["Language"] == "Bengali · needs an interpreter"
    assert people[1]["heading"] == "Sam Sample · 654 100 3238"
    assert people[1]["Refer by"] == "2 Mar 2027"
    assert people[1]["Language"] == "English"
    assert people[2]["Refer by"] == "10 Aug 2027"
    with app.app_context():
        zoe = db.session.scalar(select(RegisterEntry).filter_by(nhs_number=A))
        assert zoe is not None
        assert zoe.mobile == "+447700900982"
        assert zoe.date_of_birth == dt.date(1960, 2, 1)
    # The same file again changes nothing.
    assert "0 added, 0 updated, 3 unchanged" in upload(client, EMIS)[1]


def test_a_file_with_any_wrong_row_changes_nothing_and_names_each_problem(
    app, frozen, empty_register
):
    client = sign_in(app.test_client(), "clinician")
    bad = (
        "NHS number,Name,Date of birth,Date of diagnosis,Preferred language,Mobile\n"
        f"{A},Good Example,01/01/1950,01/01/2026,,\n"
        "943 476 5918,Bad Check,01/01/1950,01/01/2026,,\n"
        f"{B},Bad Date,31/02/1950,01/01/2026,,\n"
        f"{C},Future,01/01/1950,01/01/2027,Klingon,0123\n"
        f"{A},Twice,01/01/1950,01/01/2026,,\n"
        f"{nhs_numbers(1, '99957')[0]},{'N' * 201},01/01/1950,01/01/2026,,\n"
    ).encode()
    status, page = upload(client, bad)
    assert status == 200
    soup = check_page(page)
    summary = one(soup, ".nhsuk-error-summary").get_text(" ", strip=True)
    assert "The register was not imported. Nothing was changed." in summary
    assert "Row 3, NHS number: 943 476 5918 is not a valid NHS number" in summary
    assert "Row 4, Date of birth: 31/02/1950 is not a date like 31/01/1960" in summary
    assert "Row 5, Date of diagnosis: 01/01/2027 is before birth or in the future" in summary
    assert "Row 5, Preferred language: Klingon is not a language this site has" in summary
    assert "Row 5, Mobile: 0123 is not a phone number" in summary
    assert "Row 6: the same NHS number as row 2" in summary
    assert "Row 7, Name: longer than 200 characters" in summary
    assert count_entries(app) == 0


def test_missing_columns_are_named(app, frozen, empty_register):
    client = sign_in(app.test_client(), "clinician")
    _status, page = upload(client, b"Name,Mobile\nAlex Example,07700 900 100\n")
    assert "The file has no column for: nhs_number, date_of_birth, diagnosis_date" in page
    assert count_entries(app) == 0


def test_an_nhs_number_known_with_another_date_of_birth_is_never_merged(
    app, frozen, empty_register
):
    (known,) = nhs_numbers(1, "99955")
    refer(app, known, dt.date(1955, 5, 5))
    client = sign_in(app.test_client(), "clinician")
    other_birth = f"NHS number,Name,Date of birth,Date of diagnosis\n{known},Ayse Demo,06/05/1955,01/01/2026\n"
    _status, page = upload(client, other_birth.encode())
    shown = f"{known[:3]} {known[3:6]} {known[6:]}"
    assert (
        f"Row 2: NHS number {shown} is already here with another date of birth (05/05/1955)" in page
    )
    assert count_entries(app) == 0


def test_referred_people_leave_the_list_and_the_worklist_never_flags_them(
    app, frozen, empty_register
):
    (referred,) = nhs_numbers(1, "99956")
    client = sign_in(app.test_client(), "clinician")
    upload(client, EMIS + f"{referred},Refer,Me,01/01/1950,01/01/2026,,,,,\r\n".encode())
    assert len(listed(client)) == 4
    refer(app, referred, dt.date(1950, 1, 1))
    headings = [p["heading"] for p in listed(client)]
    assert headings == [
        "Zoë Example · 943 476 5919",
        "Sam Sample · 654 100 3238",
        "Ayse Demo · 671 668 9966",
    ]
    follow_up = client.get("/en/staff/follow-up").get_data(as_text=True)
    assert "DM014" not in follow_up


def test_another_practice_sees_none_of_the_register(app, frozen, empty_register):
    upload(sign_in(app.test_client(), "clinician"), EMIS)
    other = sign_in(app.test_client(), "clinician2")
    assert listed(other) == []
    page = other.get("/en/staff/register").get_data(as_text=True)
    assert "Zoë" not in page
    assert "has not imported its diabetes register yet" in page
    with app.app_context():
        entry_id = db.session.scalar(select(RegisterEntry.id).filter_by(nhs_number=A))
    token = csrf_token(other, "/en/staff/register")
    response = other.post(
        f"/en/staff/register/{entry_id}/exception",
        data={"csrf_token": token, "reason": "declined"},
    )
    assert response.status_code == 404
    with app.app_context():
        entry = db.session.get(RegisterEntry, entry_id)
        assert entry is not None
        assert entry.exception is None


def test_an_exception_takes_the_person_off_the_list_and_is_audited(app, frozen, empty_register):
    client = sign_in(app.test_client(), "clinician")
    upload(client, EMIS)
    with app.app_context():
        entry_id = db.session.scalar(select(RegisterEntry.id).filter_by(nhs_number=B))
    token = csrf_token(client, "/en/staff/register")
    response = client.post(
        f"/en/staff/register/{entry_id}/exception",
        data={"csrf_token": token, "reason": "unsuitable"},
        follow_redirects=True,
    )
    assert "Exception recorded: Education is unsuitable for them." in response.get_data(
        as_text=True
    )
    assert [p["heading"] for p in listed(client)] == [
        "Zoë Example · 943 476 5919",
        "Ayse Demo · 671 668 9966",
    ]
    with app.app_context():
        row = db.session.scalar(
            select(AuditEvent).filter_by(action="register.exception", object_ref=str(entry_id))
        )
        assert row is not None
        assert row.detail == {"reason": "unsuitable", "code": "DSEPPU_COD"}


def test_the_referral_form_is_filled_from_the_register(app, frozen, empty_register):
    client = sign_in(app.test_client(), "clinician")
    upload(client, EMIS)
    soup = check_page(client.get("/en/staff/register").get_data(as_text=True))
    refer_link = soup.find("a", string=re.compile("Refer in consultation"))
    assert isinstance(refer_link, Tag)
    consult = check_page(client.get(str(refer_link["href"])).get_data(as_text=True))
    link = consult.find("a", string=re.compile("Refer to"))
    assert isinstance(link, Tag)
    form = check_page(client.get(str(link["href"])).get_data(as_text=True))
    assert one(form, "input[name=name]")["value"] == "Zoë Example"
    assert one(form, "input[name=nhs_number]")["value"] == "943 476 5919"
    language = one(form, "select[name=preferred_language]")
    assert one(language, "option[selected]")["value"] == "bn"
    assert one(form, "input[name=interpreter_needed]").has_attr("checked")


def test_the_sample_file_imports_cleanly(app, frozen, empty_register):
    client = sign_in(app.test_client(), "clinician")
    sample = client.get("/en/staff/register/sample.csv").data
    _status, page = upload(client, sample)
    assert "Register imported: 2 added" in page
    # The sample's "Large print" column: Nur asked for letters in large print, Alex did not.
    listed = check_page(client.get("/en/staff/register").get_data(as_text=True))
    cards = {
        one(card, "h2 bdi").get_text(strip=True): card.get_text(" ", strip=True)
        for card in listed.select(".app-register-entry")
    }
    assert "letters in large print" in cards["Nur Sample"]
    assert "letters in large print" not in cards["Alex Example"]


def test_large_print_is_yes_or_no(app, frozen, empty_register):
    client = sign_in(app.test_client(), "clinician")
    text = f"NHS number,Date of birth,Date of diagnosis,Name,Large print\n{A},01/02/1960,01/05/2026,Ann,big\n"
    _status, page = upload(client, text.encode())
    assert "Row 2, Large print: write yes or no" in page


def test_dm014_counts_the_register_not_the_referrals(app, empty_register):
    """Period 1 Apr 2025 to 31 Mar 2026. In it: A referred in time, B referred late, C never
    referred, D excepted (not counted). E was diagnosed before the period (not counted)."""
    d, e = nhs_numbers(2, "99912")
    rows = [
        (A, "01/02/1960", "01/05/2025"),  # deadline 1 Feb 2026
        (B, "31/12/1971", "01/06/2025"),  # deadline 1 Mar 2026
        (C, "05/05/1955", "10/10/2025"),
        (d, "01/01/1950", "01/02/2026"),
        (e, "01/01/1950", "01/12/2024"),
    ]
    text = "NHS number,Name,Date of birth,Date of diagnosis\n" + "".join(
        f"{n},Person {i},{born},{diagnosed}\n" for i, (n, born, diagnosed) in enumerate(rows)
    )
    with time_machine.travel(dt.datetime(2025, 12, 1, 10, tzinfo=dt.UTC), tick=False):
        refer(app, A, dt.date(1960, 2, 1))
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC), tick=False):
        refer(app, B, dt.date(1971, 12, 31))
    with time_machine.travel(TODAY, tick=False):
        client = sign_in(app.test_client(), "clinician")
        assert "5 added" in upload(client, text.encode())[1]
        with app.app_context():
            entry_id = db.session.scalar(select(RegisterEntry.id).filter_by(nhs_number=d))
        client.post(
            f"/en/staff/register/{entry_id}/exception",
            data={"csrf_token": csrf_token(client, "/en/staff/register"), "reason": "declined"},
        )
        soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    row = one(soup, "[data-measure=dm014]")
    assert "diagnosed 1 Apr 2025 to 31 Mar 2026" in one(row, "dt").get_text(" ", strip=True)
    assert one(row, "dd").get_text(" ", strip=True).startswith("33.3% (1 / 3)")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    good=st.integers(min_value=1, max_value=6),
    bad_at=st.integers(min_value=0, max_value=6),
    fault=st.sampled_from(["nhs", "birth", "diagnosis", "language", "mobile", "interpreter"]),
)
def test_an_import_never_half_applies(app, good, bad_at, fault):
    """Whatever single row is wrong, wherever it is, nothing of the file is stored."""
    with app.app_context():
        db.session.execute(RegisterEntry.__table__.delete())
        db.session.commit()
    rows = [
        f"{number},Person {i},01/01/1960,01/01/2026,English,no,\n"
        for i, number in enumerate(nhs_numbers(good, "99970"))
    ]
    wrong = {
        "nhs": "1234567890,Wrong,01/01/1960,01/01/2026,English,no,\n",
        "birth": f"{A},Wrong,1960-13-01,01/01/2026,English,no,\n",
        "diagnosis": f"{A},Wrong,01/01/1960,yesterday,English,no,\n",
        "language": f"{A},Wrong,01/01/1960,01/01/2026,Elvish,no,\n",
        "mobile": f"{A},Wrong,01/01/1960,01/01/2026,English,no,999\n",
        "interpreter": f"{A},Wrong,01/01/1960,01/01/2026,English,perhaps,\n",
    }[fault]
    rows.insert(min(bad_at, len(rows)), wrong)
    text = "NHS number,Name,Date of birth,Date of diagnosis,Language,Interpreter,Mobile\n"
    with time_machine.travel(TODAY, tick=False):
        client = sign_in(app.test_client(), "clinician")
        _status, page = upload(client, (text + "".join(rows)).encode())
    assert "The register was not imported. Nothing was changed." in page
    assert count_entries(app) == 0
