"""Two-step sign-in: required outside demo mode; TOTP codes, no replays, recovery codes."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from finder.config import ConfigurationError
from tests.conftest import check_page, make_app, one
from tests.staff.conftest import ACCOUNTS, csrf_token


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
        FINDER_BASE_URL="https://finder.example.nhs.uk",
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
        secret = one(enrol, ".app-secret").get_text(strip=True)
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
        assert refused.status_code == 200
        assert replay.get("/en/staff/").status_code == 302

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


# --- The password alone, tried as an attacker would -------------------------------------------


def enrolled(app, account):
    """Give the account a second factor directly; returns its TOTP."""
    from finder.extensions import db
    from finder.models import User

    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=ACCOUNTS[account]))
        assert user is not None
        user.totp_secret, user.totp_last_step, user.recovery_codes = secret, None, None
        db.session.commit()
    return pyotp.TOTP(secret)


def stored_secret(app, account):
    from finder.extensions import db
    from finder.models import User

    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=ACCOUNTS[account]))
        assert user is not None
        return user.totp_secret, user.totp_pending_secret, user.recovery_codes, user.session_epoch


def staff_urls(app):
    """Every staff and commissioning URL, with made-up values for its parts."""
    values = {"ref": "DE-2345-6789", "slug": "desmond", "run_id": 1, "feedback_id": 1}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/<lang>/staff"):
            continue
        path = rule.rule.replace("<lang>", "en")
        for name, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        urls.append((path, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return urls


def test_a_password_alone_opens_no_staff_page_and_cannot_replace_the_second_factor(strict_app):
    totp = enrolled(strict_app, "support")
    before = stored_secret(strict_app, "support")
    attacker = strict_app.test_client()
    assert password(attacker, "support").location.endswith("/en/staff/two-step")
    token = csrf_token(attacker, "/en/staff/login")
    opened = []
    for path, methods in staff_urls(strict_app):
        for method in methods:
            data = {"csrf_token": token, "code": "123456", "status": "booked"}
            response = attacker.open(path, method=method, data=data if method == "POST" else None)
            target = response.location or ""
            if response.status_code < 300 and path not in ("/en/staff/login", "/en/staff/two-step"):
                opened.append((method, path, response.status_code))
            elif response.status_code in (301, 302, 303) and "/two-step/set-up" in target:
                opened.append((method, path, target))
    assert not opened, f"reachable with the password alone: {opened}"
    # The set-up page, asked for directly, sends the attacker to the code they do not have.
    assert attacker.get("/en/staff/two-step/set-up").location.endswith("/en/staff/two-step")
    attacker_totp = pyotp.TOTP(pyotp.random_base32())
    attacker.post(
        "/en/staff/two-step/set-up", data={"code": attacker_totp.now(), "csrf_token": token}
    )
    assert stored_secret(strict_app, "support") == before, "the second factor is unchanged"
    assert attacker.get("/en/staff/").status_code == 302, "still not signed in"
    # The real owner still signs in with their own phone.
    owner = strict_app.test_client()
    password(owner, "support")
    assert send(owner, "/en/staff/two-step", totp.now()).status_code == 302
    assert owner.get("/en/staff/").status_code == 200


def full_sign_in(app, account, totp):
    client = app.test_client()
    password(client, account)
    assert send(client, "/en/staff/two-step", totp.now()).status_code == 302
    return client


def test_replacing_the_second_factor_needs_a_current_code_and_ends_other_sessions(strict_app):
    start = dt.datetime(2027, 4, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        totp = enrolled(strict_app, "clinician2")
        other = full_sign_in(strict_app, "clinician2", totp)
        clock.shift(dt.timedelta(seconds=31))
        me = full_sign_in(strict_app, "clinician2", totp)
        assert me.get("/en/staff/two-step/set-up").location.endswith("/en/staff/two-step/change")
        clock.shift(dt.timedelta(seconds=31))
        assert send(me, "/en/staff/two-step/change", "000000").status_code == 200, "wrong code"
        assert me.get("/en/staff/two-step/set-up").status_code == 302, "not yet confirmed"
        assert send(me, "/en/staff/two-step/change", totp.now()).location.endswith(
            "/en/staff/two-step/set-up"
        )
        page = check_page(me.get("/en/staff/two-step/set-up").get_data(as_text=True))
        new_secret = one(page, ".app-secret").get_text(strip=True)
        assert new_secret != stored_secret(strict_app, "clinician2")[0]
        new = pyotp.TOTP(new_secret)
        done = send(me, "/en/staff/two-step/set-up", new.now())
        assert (
            len(re.findall(r"<code>[0-9a-f]{6}-[0-9a-f]{6}</code>", done.get_data(as_text=True)))
            == 10
        )
        assert stored_secret(strict_app, "clinician2")[0] == new_secret
        assert me.get("/en/staff/").status_code == 200, "this session goes on"
        assert other.get("/en/staff/").status_code == 302, "every other session has ended"


def test_the_secret_being_set_up_is_never_in_the_session_cookie(strict_app):
    from flask.sessions import SecureCookieSessionInterface

    client = strict_app.test_client()
    password(client, "admin")
    page = check_page(client.get("/en/staff/two-step/set-up").get_data(as_text=True))
    secret = one(page, ".app-secret").get_text(strip=True)
    serializer = SecureCookieSessionInterface().get_signing_serializer(strict_app)
    assert serializer is not None
    cookie = client.get_cookie("session")
    contents = serializer.loads(cookie.value)
    assert secret not in repr(contents)
    assert secret not in cookie.value
    assert stored_secret(strict_app, "admin")[1] == secret, "kept on the server"


def test_recovery_codes_are_kept_as_password_hashes(strict_app):
    client = strict_app.test_client()
    password(client, "commissioner")
    page = check_page(client.get("/en/staff/two-step/set-up").get_data(as_text=True))
    totp = pyotp.TOTP(one(page, ".app-secret").get_text(strip=True))
    done = send(client, "/en/staff/two-step/set-up", totp.now()).get_data(as_text=True)
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done)
    stored = stored_secret(strict_app, "commissioner")[2]
    assert len(stored) == 10
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)


def test_a_full_sign_in_clears_the_failed_attempts_and_audits_name_the_account(strict_app):
    from sqlalchemy import create_engine, func

    from finder.models import AuditEvent, LoginAttempt
    from finder.throttle import account_key

    with time_machine.travel(dt.datetime(2027, 5, 1, 9, tzinfo=dt.UTC), tick=False) as clock:
        totp = enrolled(strict_app, "clinician")
        for _ in range(3):
            strict_app.test_client().post(
                "/en/staff/login",
                data={
                    "email": ACCOUNTS["clinician"],
                    "password": "wrong",
                    "csrf_token": csrf_token(strict_app.test_client()),
                },
            )
        clock.shift(dt.timedelta(seconds=31))
        full_sign_in(strict_app, "clinician", totp)
        with strict_app.app_context():
            key = account_key(ACCOUNTS["clinician"])
            user_id = stored_user_id(strict_app, "clinician")
        # Read from a connection of its own: only what was committed.
        engine = create_engine(strict_app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as conn:
            left = conn.scalar(
                select(func.count())
                .select_from(LoginAttempt)
                .where(LoginAttempt.account_key == key)
            )
            rows = conn.execute(
                select(AuditEvent.action, AuditEvent.detail).where(
                    AuditEvent.action.in_(["staff.login", "staff.login.second_step"])
                )
            ).all()
        engine.dispose()
    assert left == 0
    assert rows
    assert all(detail.get("account") == user_id for _a, detail in rows[-2:])
    assert not [r for r in rows if r.action == "staff.login" and "account" not in r.detail]


def stored_user_id(app, account):
    from finder.extensions import db
    from finder.models import User

    return db.session.scalar(select(User.id).filter_by(email=ACCOUNTS[account]))


@pytest.mark.slow
@pytest.mark.usefixtures("production_password_cost")
def test_signing_in_takes_as_long_for_an_account_that_does_not_exist(strict_app):
    """Median of several tries each: an unknown account must not answer much faster. At the
    cost production hashes at: the known accounts' hashes are made again at it."""
    import statistics
    import time

    from finder import passwords
    from finder.extensions import db
    from finder.models import User

    with strict_app.app_context():
        for account in ("support", "clinician2"):
            user = db.session.scalar(select(User).filter_by(email=ACCOUNTS[account]))
            assert user is not None
            user.password_hash = passwords.hash_password("test-password")
        db.session.commit()

    def timed(email):
        client = strict_app.test_client()
        token = csrf_token(client)
        start = time.perf_counter()
        client.post(
            "/en/staff/login", data={"email": email, "password": "x" * 12, "csrf_token": token}
        )
        return time.perf_counter() - start

    known, unknown = [], []
    for i in range(6):
        # Different addresses each time, so the throttle does not answer instead.
        known.append(timed(ACCOUNTS["support"] if i < 4 else ACCOUNTS["clinician2"]))
        unknown.append(timed(f"nobody{i}@demo.invalid"))
    ratio = statistics.median(unknown) / statistics.median(known)
    print(
        f"\nsign-in median: known {statistics.median(known) * 1000:.0f} ms, unknown {statistics.median(unknown) * 1000:.0f} ms"
    )
    assert 0.5 < ratio < 2, ratio


def test_failed_sign_ins_are_counted_not_each_audited(strict_app):
    from finder.extensions import db
    from finder.models import AuditEvent

    with strict_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with time_machine.travel(dt.datetime(2027, 6, 1, 9, tzinfo=dt.UTC), tick=False):
        for _ in range(8):
            client = strict_app.test_client()
            client.post(
                "/en/staff/login",
                data={
                    "email": ACCOUNTS["admin"],
                    "password": "wrong",
                    "csrf_token": csrf_token(client),
                },
            )
    with strict_app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.detail).order_by(AuditEvent.id)
        ).all()[before:]
        admin_id = stored_user_id(strict_app, "admin")
    assert [(r.action, r.outcome) for r in rows] == [("staff.login", "throttled")], rows
    assert rows[0].detail == {"account": admin_id}
