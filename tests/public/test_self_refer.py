"""Self-referral: only where allowed; bad input, repeats and floods store nothing extra."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from finder.extensions import db
from finder.models import Referral
from tests.conftest import check_page, one
from tests.forms import hidden_fields
from tests.phone_numbers import INVALID, VALID


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Referral))


def form_fields(client, path):
    soup = BeautifulSoup(client.get(path).data, "html5lib")
    return hidden_fields(soup, "form input[type=hidden]")


def answers(client, path="/en/self-refer/x-pert?diabetes=type2&computer=no", **fields):
    data = {
        **form_fields(client, path),
        "name": "Sam Sample",
        "date_of_birth": "01/01/1960",
        "nhs_number": "",
        "phone": "020 7946 0111",
        "email": "",
        "practice": "DEMO02",
        "preferred_language": "so",
        "consent": "y",
        **fields,
    }
    return path, data


ADDRESSES = itertools.count(1)


def client_at(app, address=None):
    """A client with its own address (rate limits count per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address or f"198.51.100.{next(ADDRESSES)}"
    return client


@pytest.fixture
def client(app):
    return client_at(app)


@pytest.fixture
def one_window():
    """Rate limits count in fixed hours: a test that fills one must not cross into the next."""
    with time_machine.travel(dt.datetime(2027, 1, 4, 10, 30, tzinfo=dt.UTC), tick=False):
        yield


def test_only_programmes_that_allow_it_take_self_referrals(fetch):
    fetch("/en/self-refer/desmond", status=404)
    fetch("/en/self-refer/no-such", status=404)
    assert (
        fetch("/en/self-refer/help-diabetes").find("h1").get_text(strip=True).startswith("Sign up")
    )


def test_a_self_referral_is_stored_once_and_confirmed(app, client):
    before = count(app)
    path, data = answers(client)
    first = client.post(path, data=data)
    assert first.status_code == 302
    assert first.location.endswith("/en/self-refer/x-pert/done")
    again = client.post(path, data=data)  # the same form sent twice
    assert again.status_code == 302
    assert count(app) == before + 1
    done = client.get(first.location)
    assert done.headers["Cache-Control"] == "no-store"
    soup = check_page(done.get_data(as_text=True))
    reference = one(soup, ".app-reference").get_text(strip=True)
    with app.app_context():
        made = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert made is not None
        assert made.self_referral
        assert made.created_by_id is None
        assert made.practice.code == "DEMO02"
        assert made.patient.preferred_language == "so"
        assert made.circumstances == {"diabetes": "type2", "computer": "no"}
        assert made.events[0].actor_role == "patient"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"consent": ""}, "Tick the box to say you agree"),
        ({"name": ""}, "Enter your full name"),
        ({"date_of_birth": "32/13/1960"}, "Enter your date of birth"),
        ({"nhs_number": "1234567890"}, "Enter a valid 10-digit NHS number"),
        ({"phone": "", "email": ""}, "Enter a phone number or an email address"),
        ({"practice": ""}, "Select your GP practice"),
        ({"practice": "NOPE99"}, "Not a valid choice"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(app, client, fields, message):
    before = count(app)
    path, data = answers(client, **fields)
    response = client.post(path, data=data)
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert message in one(soup, ".nhsuk-error-summary").get_text()
    assert count(app) == before


@pytest.mark.usefixtures("one_window")
def test_the_rate_limit_stops_a_flood_and_stores_nothing(app, client):
    limit = app.config["FINDER_SELF_REFERRAL_LIMIT"]
    path, data = answers(client, name="")  # invalid: each is rejected anyway
    for _ in range(limit):
        assert client.post(path, data=data).status_code == 200
    before = count(app)
    path, good = answers(client)
    blocked = client.post(path, data=good)
    assert blocked.status_code == 429
    assert "Try again in 1 hour" in blocked.get_data(as_text=True)
    assert count(app) == before
    other = client_at(app)
    path, good = answers(other)
    assert other.post(path, data=good).status_code == 302, "other clients are not locked out"


@pytest.mark.commits  # a second worker sees only committed rows
@pytest.mark.usefixtures("one_window")
def test_the_limit_is_shared_through_the_database(app, client, second_worker):
    """A second app (another worker) on the same database sees the same count."""
    limit = app.config["FINDER_SELF_REFERRAL_LIMIT"]
    worker_two = client_at(second_worker, client.environ_base["REMOTE_ADDR"])
    path, data = answers(client, name="")
    for _ in range(limit):
        client.post(path, data=data)
    path, data = answers(worker_two)
    assert worker_two.post(path, data=data).status_code == 429


def test_a_self_referral_appears_in_the_practice_list_and_worklist(app, client, signed_in):
    # From now, not a fixed day: the follow-up list is reached 15 days after the referral.
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as traveller:
        path, data = answers(client, name="Worklist Sample")
        assert client.post(path, data=data).status_code == 302
        staff = signed_in("clinician2")
        listed = staff.get("/en/staff/referrals?programme=x-pert").get_data(as_text=True)
        assert "Worklist Sample" in listed
        traveller.shift(dt.timedelta(days=15))
        staff = signed_in("clinician2")  # the earlier session has timed out
        assert "Worklist Sample" in staff.get("/en/staff/follow-up").get_data(as_text=True)


def test_a_self_referral_never_reveals_a_referral_someone_else_made(app, signed_in):
    """An outsider who knows someone's NHS number and date of birth learns nothing: the
    confirmation is the same whatever exists, and the practice sees the possible duplicate."""
    nhs_number = "943 476 5919"
    references, texts = [], []
    for address in ("198.51.100.90", "198.51.100.91"):  # the person, then someone else
        visitor = client_at(app, address)
        path, data = answers(visitor, nhs_number=nhs_number)
        done = visitor.get(visitor.post(path, data=data).location)
        page = check_page(done.get_data(as_text=True))
        references.append(one(page, ".app-reference").get_text(strip=True))
        texts.append(one(page, "main").get_text(" ", strip=True).replace(references[-1], "REF"))
    first, second = references
    assert texts[0] == texts[1], "the same confirmation, whatever existed already"
    assert first != second, "each visitor sees only the referral they made"
    staff = signed_in("clinician2")  # practice DEMO02's staff
    record = BeautifulSoup(staff.get(f"/en/staff/referrals/{second}").data, "html5lib")
    assert f"possible duplicate of {first}" in record.get_text(" ")


@pytest.mark.parametrize(("typed", "stored"), VALID)
def test_a_self_referral_stores_the_phone_number_in_one_form(app, client, typed, stored):
    path, data = answers(client, phone=typed)
    response = client.post(path, data=data)
    assert response.status_code == 302
    done = check_page(client.get(response.location).get_data(as_text=True))
    reference = one(done, ".app-reference").get_text(strip=True)
    with app.app_context():
        made = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert made is not None
        assert made.patient.phone == stored


@pytest.mark.parametrize("typed", INVALID)
def test_a_self_referral_with_an_invalid_phone_number_is_refused(app, client, typed):
    before = count(app)
    path, data = answers(client, phone=typed)
    response = client.post(path, data=data)
    assert response.status_code == 200
    summary = one(check_page(response.get_data(as_text=True)), ".nhsuk-error-summary")
    assert "Enter a phone number, like 020 7946 0000" in summary.get_text()
    assert count(app) == before
