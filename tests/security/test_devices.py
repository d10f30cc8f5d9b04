"""Sign-in that fits clinic work (issue 18): a device remembered for the working day asks for
the password only; an idle session is locked, not ended, and what was being sent is kept.
Expected times are written by hand (London midnight, 30 minutes, 12 hours)."""

from __future__ import annotations

import datetime as dt
from http.cookies import SimpleCookie

import time_machine
from sqlalchemy import select

from finder import throttle
from finder.database import writes
from finder.extensions import db
from finder.models import AuditEvent, Referral, ReferralEvent
from tests.conftest import check_page, one
from tests.forms import hidden_fields
from tests.security.test_mfa import enrolled, password
from tests.staff.conftest import ACCOUNTS, csrf_token

# 09:00 in London on a winter Monday (GMT): the device is remembered until 00:00 on Tuesday.
MORNING = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
MIDNIGHT = dt.datetime(2027, 1, 12, 0, tzinfo=dt.UTC)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def second_step(client, totp, remember):
    data = {"code": totp.now(), "csrf_token": csrf_token(client, "/en/staff/two-step")}
    if remember:
        data["remember"] = "y"
    return client.post("/en/staff/two-step", data=data)


def close_browser(client):
    """The session cookie goes (a browser closed); the device cookie, which has an expiry, stays."""
    client.delete_cookie("session")


def test_a_remembered_computer_asks_for_the_password_only_until_midnight(strict_app):
    totp = enrolled(strict_app, "clinician")
    enrolled(strict_app, "clinician2")
    with time_machine.travel(MORNING, tick=False) as clock:
        client = strict_app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = FIREFOX
        password(client)
        done = second_step(client, totp, remember=True)
        assert done.status_code == 302
        cookie = SimpleCookie(next(v for v in done.headers.getlist("Set-Cookie") if "device=" in v))
        assert cookie["device"]["httponly"]
        assert cookie["device"]["samesite"] == "Lax"
        assert cookie["device"]["expires"] == "Tue, 12 Jan 2027 00:00:00 GMT"
        close_browser(client)
        clock.shift(dt.timedelta(hours=4))
        again = password(client)
        assert again.location.endswith("/en/staff/"), "no code asked on this computer"
        page = check_page(client.get("/en/staff/account").get_data(as_text=True))
        row = one(page, "table.app-devices tbody tr")
        assert "Firefox on Windows" in row.get_text(" ", strip=True)
        assert "(this computer)" in row.get_text(" ", strip=True)
        # Someone else signing in on this computer still gives their own code.
        close_browser(client)
        assert password(client, "clinician2").location.endswith("/en/staff/two-step")
        # After midnight in London, the code again.
        clock.move_to(MIDNIGHT + dt.timedelta(minutes=1))
        close_browser(client)
        assert password(client).location.endswith("/en/staff/two-step")
    with strict_app.app_context():
        logins = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "staff.login").order_by(AuditEvent.id)
        ).all()
        assert "device" in logins[-1].detail, "a sign-in without a code says which device"


def test_not_ticking_the_box_remembers_nothing(strict_app):
    totp = enrolled(strict_app, "support")
    with time_machine.travel(MORNING, tick=False):
        client = strict_app.test_client()
        password(client, "support")
        done = second_step(client, totp, remember=False)
        assert not any("device=" in v for v in done.headers.getlist("Set-Cookie"))
        close_browser(client)
        assert password(client, "support").location.endswith("/en/staff/two-step")


def test_forgetting_a_device_and_signing_out_forget_it(strict_app):
    account = "commissioner"
    totp = enrolled(strict_app, account)
    with time_machine.travel(MORNING, tick=False) as clock:
        first, second = strict_app.test_client(), strict_app.test_client()
        for client in (first, second):
            password(client, account)
            assert second_step(client, totp, remember=True).status_code == 302
            clock.shift(dt.timedelta(seconds=31))  # a new code for the second
        page = check_page(first.get("/en/staff/account").get_data(as_text=True))
        rows = page.select("table.app-devices tbody tr")
        assert len(rows) == 2
        mine = next(r for r in rows if "(this computer)" in r.get_text())
        form = one(mine, "form")
        first.post(form["action"], data={"csrf_token": csrf_token(first, "/en/staff/account")})
        close_browser(first)
        assert password(first, account).location.endswith("/en/staff/two-step")
        # Signing out (everywhere) forgets the other computer too.
        close_browser(second)
        assert password(second, account).location.endswith("/en/staff/")
        token = csrf_token(second, "/en/staff/account")
        second.post("/en/staff/logout", data={"csrf_token": token})
        assert password(second, account).location.endswith("/en/staff/two-step")


def test_another_accounts_device_cookie_forgets_nothing_and_opens_nothing(strict_app):
    owner_totp = enrolled(strict_app, "clinician2")
    with time_machine.travel(MORNING, tick=False):
        owner = strict_app.test_client()
        password(owner, "clinician2")
        done = second_step(owner, owner_totp, remember=True)
        token = SimpleCookie(next(v for v in done.headers.getlist("Set-Cookie") if "device=" in v))[
            "device"
        ].value
        # Someone who copied the cookie still needs the code of the account they sign in to.
        enrolled(strict_app, "support")
        thief = strict_app.test_client()
        thief.set_cookie("device", token)
        assert password(thief, "support").location.endswith("/en/staff/two-step")
        # A forged cookie opens nothing either.
        forger = strict_app.test_client()
        forger.set_cookie("device", "x" * 43)
        assert password(forger, "clinician2").location.endswith("/en/staff/two-step")


def test_an_idle_session_is_locked_and_the_password_opens_it_where_it_was(app, make_referral):
    reference = make_referral()
    path = f"/en/staff/referrals/{reference}"
    with time_machine.travel(MORNING, tick=False) as clock:
        client = app.test_client()
        client.post(
            "/en/staff/login",
            data={
                "email": ACCOUNTS["clinician"],
                "password": "test-password",
                "csrf_token": csrf_token(client),
            },
        )
        form_token = csrf_token(client, path)  # the page is open, a note being typed
        clock.shift(dt.timedelta(minutes=31))
        # Reading: locked, sent to unlock, and back to the same page.
        locked = client.get(path)
        assert locked.status_code == 302
        assert "/en/staff/unlock?next=" in locked.location
        page = check_page(client.get(locked.location).get_data(as_text=True))
        assert one(page, "h1").get_text(strip=True) == "Your screen is locked"
        assert client.get("/en/staff/follow-up").status_code == 302, "nothing shows while locked"
        # Sending the note while locked: it goes along to the unlock page and is kept.
        note = "Phoned, will call back Friday"
        sent = client.post(f"{path}/notes", data={"csrf_token": form_token, "text": note})
        assert sent.status_code == 307
        assert "/en/staff/unlock" in sent.location
        kept = client.post(sent.location, data={"csrf_token": form_token, "text": note})
        kept_page = check_page(kept.get_data(as_text=True))
        assert one(kept_page, "input[name=text]")["value"] == note
        wrong = client.post(
            sent.location,
            data={"csrf_token": form_token, "text": note, "unlock-password": "not-it"},
        )
        assert "Enter the correct password" in wrong.get_data(as_text=True)
        right = client.post(
            sent.location,
            data={"csrf_token": form_token, "text": note, "unlock-password": "test-password"},
        )
        offer = check_page(right.get_data(as_text=True))
        assert one(offer, "h1").get_text(strip=True) == "Save what you entered"
        resend = one(offer, "main form")
        assert resend["action"] == f"{path}/notes?"
        fields = hidden_fields(resend)
        assert fields["text"] == note
        assert client.post(resend["action"], data=fields).status_code == 302
        assert client.get(path).status_code == 200
    with app.app_context():
        referral = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert referral is not None
        notes = db.session.scalars(
            select(ReferralEvent).filter_by(referral_id=referral.id, kind="note")
        ).all()
        assert [n.reason for n in notes] == [note]


def test_a_locked_session_ends_after_12_hours_and_after_five_wrong_passwords(app):
    def signed_in():
        client = app.test_client()
        client.post(
            "/en/staff/login",
            data={
                "email": ACCOUNTS["support"],
                "password": "test-password",
                "csrf_token": csrf_token(client),
            },
        )
        return client

    with time_machine.travel(MORNING, tick=False) as clock:
        client = signed_in()
        clock.shift(dt.timedelta(hours=12, minutes=1))
        assert "/en/staff/login" in client.get("/en/staff/").location
        client = signed_in()
        clock.shift(dt.timedelta(minutes=40))
        unlock = client.get("/en/staff/").location
        token = csrf_token(client, unlock)
        for _ in range(5):
            client.post(unlock, data={"csrf_token": token, "unlock-password": "guess"})
        client.post(unlock, data={"csrf_token": token, "unlock-password": "test-password"})
        assert "/en/staff/login" in client.get("/en/staff/").location, "signed out for good"
    with app.app_context(), writes():
        throttle.clear(ACCOUNTS["support"])  # the account is shared with other tests
