"""Two-step sign-in: required outside demo mode; TOTP codes, no replays, recovery codes."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
import time_machine

from finder.config import ConfigurationError
from tests.conftest import check_page, make_app, migrated_app
from tests.staff.conftest import ACCOUNTS, csrf_token


@pytest.fixture(scope="module")
def strict_app(tmp_path_factory):
    """An app that is not in demo mode: two-step sign-in is required."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('mfa') / 'm.db'}")
    app.config["FINDER_DEMO"] = False
    app.config["FINDER_REQUIRE_MFA"] = True
    return app


def password(client, account="clinician"):
    return client.post(
        "/en/staff/login",
        data={
            "email": ACCOUNTS[account],
            "password": "test-password",
            "csrf_token": csrf_token(client),
        },
    )


def send(client, path, code):
    return client.post(path, data={"code": code, "csrf_token": csrf_token(client, path)})


def test_production_cannot_turn_two_step_sign_in_off(tmp_path):
    with pytest.raises(ConfigurationError, match="Two-step"):
        make_app(
            f"sqlite:///{tmp_path / 'x.db'}",
            FINDER_ENV="production",
            SECRET_KEY="k" * 40,
            FINDER_DEMO=False,
            FINDER_REQUIRE_MFA=False,
        )
    app = make_app(
        f"sqlite:///{tmp_path / 'y.db'}",
        FINDER_ENV="production",
        SECRET_KEY="k" * 40,
        FINDER_DEMO=False,
    )
    assert app.config["FINDER_REQUIRE_MFA"] is True


def test_enrol_then_sign_in_with_a_code_and_never_the_same_code_twice(strict_app):
    start = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = strict_app.test_client()
        response = password(client)
        assert response.location.endswith("/en/staff/two-step/set-up")
        assert client.get("/en/staff/").status_code == 302, "not signed in yet"
        enrol = check_page(client.get("/en/staff/two-step/set-up").get_data(as_text=True))
        assert enrol.select_one(".app-qr svg")
        secret = enrol.select_one(".app-secret").get_text(strip=True)
        totp = pyotp.TOTP(secret)
        wrong = send(
            client, "/en/staff/two-step/set-up", "000000" if totp.now() != "000000" else "111111"
        )
        assert "Enter the 6-digit code" in wrong.get_data(as_text=True)
        done = send(client, "/en/staff/two-step/set-up", totp.now())
        codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.get_data(as_text=True))
        assert len(codes) == 10
        assert client.get("/en/staff/").status_code == 200, "signed in after enrolling"

        clock.shift(dt.timedelta(minutes=1))
        second = strict_app.test_client()
        assert password(second).location.endswith("/en/staff/two-step")
        code = totp.now()
        assert send(second, "/en/staff/two-step", code).status_code == 302
        assert second.get("/en/staff/").status_code == 200

        replay = strict_app.test_client()
        password(replay)
        refused = send(replay, "/en/staff/two-step", code)
        assert refused.status_code == 200 and replay.get("/en/staff/").status_code == 302

        recovery = strict_app.test_client()
        password(recovery)
        assert send(recovery, "/en/staff/two-step", codes[0]).status_code == 302
        again = strict_app.test_client()
        password(again)
        assert send(again, "/en/staff/two-step", codes[0]).status_code == 200, (
            "each code works once"
        )


def test_the_second_step_expires_with_the_pending_sign_in(strict_app):
    with time_machine.travel(dt.datetime(2027, 3, 2, 9, tzinfo=dt.UTC), tick=False) as clock:
        client = strict_app.test_client()
        password(client, "support")
        clock.shift(dt.timedelta(minutes=6))
        assert client.get("/en/staff/two-step/set-up").location.endswith("/en/staff/login")


def test_demo_mode_may_skip_the_second_step(app):
    client = app.test_client()
    assert password(client, "commissioner").location.endswith("/en/staff/")
