"""Staff fixtures: sign in as each demo role; a factory for referrals."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import Practice, Programme, Referral, User
from finder.referrals import operations

ACCOUNTS = {
    "clinician": "clinician@demo.invalid",
    "support": "support@demo.invalid",
    "clinician2": "clinician2@demo.invalid",
    "commissioner": "commissioner@demo.invalid",
    "admin": "admin@demo.invalid",
    "provider": "provider@demo.invalid",  # DESMOND's course team
    "provider_xpert": "provider-xpert@demo.invalid",
}


def csrf_token(client: FlaskClient, path: str = "/en/staff/login") -> str:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(path).data, "html5lib")
    field = page.find("input", attrs={"name": "csrf_token"})
    assert field is not None, f"no form token on {path}"
    return str(field["value"])


def sign_in(client: FlaskClient, account: str) -> FlaskClient:
    response = client.post(
        "/en/staff/login",
        data={
            "email": ACCOUNTS[account],
            "password": "test-password",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, response.data[:500]
    return client


@pytest.fixture
def signed_in(app: Flask) -> Callable[[str], FlaskClient]:
    """A new client signed in as one of the demo accounts."""
    return lambda account: sign_in(app.test_client(), account)


@pytest.fixture
def make_referral(app: Flask) -> Callable[..., str]:
    """Create a referral as a staff member would; returns its reference."""

    def make(
        by: str = "clinician",
        programme: str = "desmond",
        nhs_number: str | None = None,
        **details: Any,
    ) -> str:
        with app.test_request_context():
            user = db.session.scalar(select(User).filter_by(email=ACCOUNTS[by]))
            assert user is not None
            login_user(user)
            patient = operations.PatientDetails(
                **{
                    "name": "Pat Example",
                    "date_of_birth": dt.date(1960, 5, 1),
                    "nhs_number": nhs_number,
                    "phone": "020 7946 0123",
                    "email": None,
                    "preferred_language": "en",
                    "contact_method": "phone",
                    "interpreter_needed": False,
                    "companion_coming": False,
                    "diagnosis_date": clock.today() - dt.timedelta(days=100),
                    **details,
                }
            )
            practice = db.session.get(Practice, user.practice_id)
            chosen = db.session.scalar(select(Programme).filter_by(slug=programme))
            assert practice is not None
            assert chosen is not None
            referral, _created = operations.create_referral(
                practice,
                chosen,
                patient,
                {"diabetes": "type2"},
            )
            return referral.reference

    return make


def referral(app: Flask, reference: str) -> Referral:
    with app.app_context():
        found: Referral | None = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert found is not None
        found.events  # noqa: B018 - load the history before the session closes
        return found


def unique_surname() -> str:
    """A surname nobody else in the shared test database has (letters only)."""
    return "Q" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(9))


def new_nhs_number() -> str:
    """A valid England NHS number (400 000 0000-499 999 9999), a new one each time."""
    while True:
        digits = [4] + [secrets.randbelow(10) for _ in range(8)]
        check = (11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)
