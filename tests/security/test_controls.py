"""Security controls (shared/reference/security.md, rows S1-S37), through the real app."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from finder import nhs_number
from finder.extensions import db
from finder.logs import JsonFormatter
from finder.models import AuditEvent, Referral, ReferralEvent, User
from tests.conftest import make_app, one
from tests.staff.conftest import ACCOUNTS, csrf_token, referral, sign_in


def attempt(client, account, password):
    return client.post(
        "/en/staff/login",
        data={"email": ACCOUNTS[account], "password": password, "csrf_token": csrf_token(client)},
    )


# S1, S2: per-account throttling in the database; other accounts still sign in.
@pytest.mark.commits  # a second worker sees only committed rows
def test_s1_s2_brute_force_is_throttled_per_account(app, second_worker):
    with time_machine.travel(dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        client = app.test_client()
        for _ in range(5):
            assert attempt(client, "admin", "wrong").status_code == 200
        blocked = attempt(client, "admin", "test-password")  # the right password, too late
        assert blocked.status_code == 429
        assert "Too many attempts. Wait 15 minutes" in blocked.get_data(as_text=True)
        other_worker = second_worker.test_client()
        assert attempt(other_worker, "admin", "test-password").status_code == 429
        assert attempt(app.test_client(), "commissioner", "test-password").status_code == 302
        with app.app_context():
            outcomes = db.session.scalars(
                select(AuditEvent.outcome).where(AuditEvent.action == "staff.login")
            ).all()
            assert "throttled" in outcomes
    with time_machine.travel(dt.datetime(2027, 1, 5, 9, 16, tzinfo=dt.UTC), tick=False):
        assert attempt(app.test_client(), "admin", "test-password").status_code == 302


@pytest.mark.usefixtures("production_password_cost")
def test_passwords_are_hashed_at_the_recommended_cost(app):
    # argon2id with RFC 9106's second recommended parameters: 64 MiB, 3 passes, 4 lanes.
    email = "cost.check@example.org"
    result = app.test_cli_runner().invoke(
        args=["create-user", email, "--name", "Cost Check", "--role", "commissioner",
              "--password", "a-long-enough-password"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).filter_by(email=email))
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


# S4: session fixation.
def test_s4_a_new_session_on_sign_in(app):
    client = app.test_client()
    client.get("/en/staff/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    before = cookie.value
    sign_in(client, "support")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.value != before


# S5, S7: sign-out (and disabling) ends every session of that user, on the server.
def test_s5_a_saved_cookie_is_useless_after_sign_out(app):
    one = sign_in(app.test_client(), "clinician2")
    two = sign_in(app.test_client(), "clinician2")
    cookie = one.get_cookie("session")
    assert cookie is not None
    saved = cookie.value
    one.post("/en/staff/logout", data={"csrf_token": csrf_token(one, "/en/staff/")})
    replay = app.test_client()
    replay.set_cookie("session", saved)
    assert replay.get("/en/staff/").status_code == 302
    assert two.get("/en/staff/").status_code == 302, "the other session ended too"


def test_s7_disabling_an_account_ends_its_sessions(app):
    client = sign_in(app.test_client(), "support")
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=ACCOUNTS["support"]))
        assert user is not None
        user.active = False
        db.session.commit()
    try:
        assert client.get("/en/staff/").status_code == 302
    finally:
        with app.app_context():
            user = db.session.scalar(select(User).filter_by(email=ACCOUNTS["support"]))
            assert user is not None
            user.active = True
            db.session.commit()


# S6: idle and absolute timeouts.
def test_s6_idle_and_absolute_timeouts(app):
    start = dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(app.test_client(), "commissioner")
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/en/staff/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        idle = client.get("/en/staff/")
        assert idle.status_code == 302, "30 minutes idle"
        assert "/en/staff/unlock" in idle.location, "locked: the password again"
        assert "Unlock" in client.get(idle.location).get_data(as_text=True)
        client = sign_in(app.test_client(), "commissioner")
        active = dt.timedelta()
        while client.get("/en/staff/").status_code == 200:  # busy all day: a click every 29 min
            clock.shift(dt.timedelta(minutes=29))
            active += dt.timedelta(minutes=29)
            assert active < dt.timedelta(hours=13)
        assert dt.timedelta(hours=12) <= active < dt.timedelta(hours=12, minutes=30)
        assert "/en/staff/login" in client.get("/en/staff/").location, "ended, not locked"


# S8: CSRF on every state-changing route.
def test_s8_every_post_route_needs_a_csrf_token(app, make_referral):
    ref = make_referral()
    client = sign_in(app.test_client(), "clinician")
    other = sign_in(app.test_client(), "clinician")
    foreign_token = csrf_token(other, "/en/staff/")
    values = {
        "lang": "en",
        "ref": ref,
        "slug": "x-pert",
        "run_id": 1,
        "feedback_id": 1,
        "user_id": 1,
        "entry_id": 1,
        "link_id": 1,
        "device_id": 1,
        "token": "not-a-token",
    }
    # Routes for other services (a bearer token, no cookies) are not open to CSRF.
    posts = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and app.view_functions[r.endpoint].access[0] != "bearer"
    ]
    assert len(posts) >= 10
    for rule in posts:
        path = rule.build(values, append_unknown=False)[1]
        for data in ({}, {"csrf_token": "forged"}):
            assert client.post(path, data=data).status_code == 400, path
    assert (
        client.post(
            f"/en/staff/referrals/{ref}/notes", data={"text": "x", "csrf_token": foreign_token}
        ).status_code
        == 400
    )
    assert [e.kind for e in referral(app, ref).events] == ["status", "link"]


def checksum(app) -> str:
    with app.app_context():
        rows = []
        for table in (
            "referral",
            "referral_event",
            "patient",
            "programme",
            "course_run",
            "feedback",
        ):
            rows.append(str(db.session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()))  # noqa: S608 - fixed names
        return hashlib.sha256("".join(rows).encode()).hexdigest()


# S9: GET never changes data (audit rows of reads aside).
def test_s9_get_routes_do_not_mutate(app, make_referral):
    ref = make_referral()
    client = sign_in(app.test_client(), "clinician")
    before = checksum(app)
    for path in (
        f"/en/staff/referrals/{ref}",
        f"/en/staff/referrals/{ref}/fhir",
        f"/en/staff/referrals/{ref}/task",
        f"/bn/staff/handout?ref={ref}",
        "/en/staff/referrals.csv",
        "/en/staff/follow-up",
        f"/en/staff/referrals/{ref}/another-format",
        "/en/staff/register-online?computer=no",
        "/en/staff/attendance",
        "/en/results?diabetes=type2",
        "/en/staff/referrals/new?programme=desmond",
        "/en/self-refer/x-pert",
        "/en/feedback/desmond",
    ):
        assert client.get(path).status_code < 500
    assert checksum(app) == before


# S13: mass assignment: extra fields are ignored.
def test_s13_extra_fields_are_ignored(app):
    client = sign_in(app.test_client(), "clinician")
    path = "/en/staff/referrals/new?programme=desmond"
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name": "Mass Example",
            "date_of_birth": "01/01/1950",
            "phone": "020 7946 0500",
            "preferred_language": "en",
            "contact_method": "phone",
            "status": "completed",
            "practice_id": "2",
            "created_by_id": "5",
            "self_referral": "y",
        },
    )
    made = referral(app, response.location.rsplit("/", 1)[1])
    assert made.status == "referred"
    assert made.practice_id == 1
    assert not made.self_referral


# S16: headers on every kind of response.
@pytest.mark.parametrize(
    "path", ["/en/", "/assets/finder.css", "/en/no-such", "/", "/api/v1/programmes", "/healthz"]
)
def test_s16_security_headers_everywhere(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for part in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert part in csp
    assert "unsafe-inline" not in csp
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='", csp)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    response.close()


@pytest.mark.parametrize("path", ["/en/", "/ar/results?diabetes=type2", "/en/staff/login"])
def test_s16_every_inline_script_is_allowed_by_its_hash_and_nothing_else_is(client, path):
    """The hash worked out here from the served page (CSP Level 3: base64 of the SHA-256 of
    the script's text) is the one the policy allows; there is one inline script."""
    response = client.get(path)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    inline = [s for s in page.find_all("script") if not s.get("src")]
    assert len(inline) == 1
    script = inline[0].string
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = response.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert script_src == f"script-src 'self' 'sha256-{digest}'"
    assert not inline[0].has_attr("nonce")


def test_s16_production_cookies(tmp_path):
    app = make_app(
        f"sqlite:///{tmp_path / 'p.db'}",
        FINDER_ENV="production",
        FINDER_BASE_URL="https://finder.example.nhs.uk",
        SECRET_KEY="s" * 40,
        FINDER_DEMO=False,
        TESTING=False,
    )
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# S17: no caching of pages with personal data.
def test_s17_staff_pages_are_not_cached(app, make_referral):
    ref = make_referral()
    client = sign_in(app.test_client(), "clinician")
    for path in (
        "/en/staff/",
        f"/en/staff/referrals/{ref}",
        "/en/staff/referrals.csv",
        "/en/staff/login",
    ):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


# S18, S19: logs are JSON lines with no personal data and no forged lines.
def test_s18_s19_logs_are_json_and_carry_no_personal_data(app, caplog, monkeypatch):
    from finder import directory

    monkeypatch.setattr(directory, "shown_programmes", lambda: 1 / 0)
    with caplog.at_level(logging.INFO, logger="finder"):
        app.test_client().get("/en/programmes?name=Bob%0D%0AINFO+login+ok&nhs=9434765919")
    record = next(r for r in caplog.records if "unhandled error" in r.getMessage())
    with app.test_request_context("/en/programmes?name=Bob%0D%0AINFO"):
        line = JsonFormatter().format(record)
    assert "\n" not in line.replace("\\n", "")
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR"
    assert "9434765919" not in line
    assert "Bob" not in line


def test_s18_a_database_error_logs_no_values(app, caplog, monkeypatch):
    """A refused insert: SQLAlchemy hides the statement's values (hide_parameters), and the
    log leaves out what PostgreSQL quotes back ("DETAIL: Key (email)=(...) already exists")."""
    from finder import directory

    name = "Quentin Leakcheck"

    def duplicate_account():
        db.session.add(User(email=ACCOUNTS["admin"], name=name, role="admin", password_hash="x"))
        db.session.flush()

    monkeypatch.setattr(directory, "shown_programmes", duplicate_account)
    with caplog.at_level(logging.ERROR, logger="finder"):
        response = app.test_client().get("/en/programmes?values=hidden")
    assert response.status_code == 500
    record = next(r for r in caplog.records if "unhandled error" in r.getMessage())
    error = record.exc_info[1]
    assert isinstance(error, IntegrityError)
    assert name not in str(error)
    assert "parameters hidden" in str(error)
    line = JsonFormatter().format(record)
    assert "IntegrityError" in json.loads(line)["error"]
    assert name not in line
    assert ACCOUNTS["admin"] not in line


def test_s19_a_forged_newline_stays_in_one_record():
    record = logging.LogRecord(
        "finder", logging.INFO, __file__, 1, "name=%s", ("Bob\r\nINFO login ok user=admin",), None
    )
    line = JsonFormatter().format(record)
    assert line.count("\n") == 0
    assert json.loads(line)["message"] == "name=Bob\r\nINFO login ok user=admin"


# S20: the audit table is append-only, enforced by the database.
def test_s20_audit_rows_cannot_be_changed_or_deleted(app, make_referral):
    make_referral()
    with app.app_context():
        for statement in (
            "UPDATE audit_event SET action = 'x'",
            "DELETE FROM audit_event",
            "UPDATE referral_event SET reason = 'x'",
        ):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement))
            db.session.rollback()
        audited = db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert audited is not None
        assert audited > 0


# S22: a write and its audit row commit together, or not at all.
def test_s22_no_referral_without_its_audit_row(app, monkeypatch):
    from finder.referrals import operations

    client = sign_in(app.test_client(), "clinician")
    path = "/en/staff/referrals/new?programme=desmond"
    data = {
        "csrf_token": csrf_token(client, path),
        "name": "Atomic Example",
        "date_of_birth": "01/01/1950",
        "phone": "020 7946 0501",
        "preferred_language": "en",
        "contact_method": "phone",
    }
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Referral))

    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(operations, "record", broken_audit)
    response = client.post(path, data=data)
    assert response.status_code == 500
    assert "Sorry, there is a problem" in response.get_data(as_text=True)
    with app.app_context():
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Referral)) == before
        assert not db.session.scalar(
            select(func.count())
            .select_from(ReferralEvent)
            .where(ReferralEvent.reason == "Atomic Example")
        )


# S24: durability settings on every pooled connection (SQLite).
@pytest.mark.commits  # the engine's own pooled connections
def test_s24_every_connection_has_wal_and_full_sync(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
            return
        connections = [db.engine.connect() for _ in range(3)]
        try:
            for conn in connections:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
        finally:
            for conn in connections:
                conn.close()


# S29: the NHS number check, as a property.
def valid_numbers() -> st.SearchStrategy[str]:
    def check(digits: list[int]) -> int:
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        return (11 - total % 11) % 11

    return (
        st.lists(st.integers(0, 9), min_size=9, max_size=9)
        .filter(lambda digits: check(digits) != 10)
        .map(lambda digits: "".join(map(str, digits)) + str(check(digits)))
    )


@settings(max_examples=300)
@given(valid_numbers(), st.integers(0, 9), st.integers(1, 9), st.sampled_from(["", " ", "-"]))
def test_s29_valid_numbers_pass_and_one_changed_digit_fails(number, position, change, separator):
    spaced = f"{number[:3]}{separator}{number[3:6]}{separator}{number[6:]}"
    # The check digit passes; the number may still be refused for its range (one digit ten
    # times, or a range never issued: tests/staff/test_identity.py).
    assert nhs_number.problem(spaced) != "format"
    digit = (int(number[position]) + change) % 10
    mutated = number[:position] + str(digit) + number[position + 1 :]
    assert not nhs_number.is_valid(mutated)


# S30: oversized bodies.
def test_s30_oversized_bodies_get_413(client):
    response = client.post("/en/self-refer/x-pert", data={"name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


# S31: errors disclose nothing but a correlation id.
def test_s31_error_page_has_a_correlation_id_and_no_detail(app, monkeypatch):
    from finder import directory

    monkeypatch.setattr(directory, "shown_programmes", lambda: [][1])
    response = app.test_client().get("/en/programmes?not=kept")  # a page not rendered before
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "IndexError" not in body
    assert "Traceback" not in body
    assert response.headers["X-Request-Id"] in body
    assert not app.debug


def test_s26_a_database_outage_gets_503_with_retry_after_and_one_log_line(app, monkeypatch, caplog):
    """Seen in S26 (tests/security/test_postgres_crash.py): while PostgreSQL restarts."""
    from sqlalchemy.exc import OperationalError

    from finder import directory

    def down() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(directory, "shown_programmes", down)
    for url in ("/en/programmes?db=down", "/api/v1/programmes"):
        caplog.clear()
        response = app.test_client().get(url)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"] == "30"
        assert [r.levelname for r in caplog.records if r.name == "finder"] == ["WARNING"]
        assert not any(r.exc_info for r in caplog.records)
    # Down from the first query (the directory version): the error page, header and footer
    # included, is made without asking the database again.
    monkeypatch.setattr(directory, "version", down)
    response = app.test_client().get("/bn/programmes?db=down-at-once")
    assert response.status_code == 503
    page = BeautifulSoup(response.get_data(as_text=True), "html5lib")
    assert page.select_one("header .nhsuk-header__service-name, header a[href='/bn/']")
    assert page.select_one("footer a[href='/bn/programmes']")


# S36 is tests/test_app.py::test_production_refuses_to_start_without_a_real_secret_key.


# Found by S28's fuzzing on PostgreSQL: a NUL character is bad input, never a server error.
@pytest.mark.parametrize(
    "path",
    ["/en/results?diabetes=%00", "/en/staff/referrals?programme=%00", "/api/v1/match?area=%00"],
)
def test_nul_characters_are_bad_input(app, path):
    client = sign_in(app.test_client(), "clinician")
    assert client.get(path).status_code == 400
    token = csrf_token(client)
    assert (
        client.post(
            "/en/staff/login", data={"email": "\x00", "password": "x", "csrf_token": token}
        ).status_code
        == 400
    )


def test_patient_fields_on_staff_forms_are_not_remembered_by_the_browser(signed_in):
    nurse = signed_in("clinician")
    for path in (
        "/en/staff/referrals/new?programme=desmond",
        "/en/staff/register-online?computer=confident",
    ):
        page = BeautifulSoup(nurse.get(path).data, "html5lib")
        for name in ("name", "date_of_birth", "nhs_number", "phone", "email"):
            field = page.find("input", attrs={"name": name})
            assert field is not None, (path, name)
            assert field.get("autocomplete") == "off", (path, name)


def test_the_self_referral_form_is_never_stored_by_a_browser_even_with_errors(app):
    visitor = app.test_client()
    visitor.environ_base["REMOTE_ADDR"] = "198.51.100.77"
    path = "/en/self-refer/x-pert"
    assert visitor.get(path).headers["Cache-Control"] == "no-store"
    page = BeautifulSoup(visitor.get(path).data, "html5lib")
    token = one(page, "input[name=csrf_token]")["value"]
    again = visitor.post(path, data={"csrf_token": token, "name": "Typed Name", "phone": "x"})
    assert again.status_code == 200
    assert "Typed Name" in again.get_data(as_text=True)
    assert again.headers["Cache-Control"] == "no-store"
