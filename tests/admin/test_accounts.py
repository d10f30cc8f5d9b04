"""Accounts admin (/<lang>/staff/users) and the account commands: every change ends the
account's sessions and is audited by account id."""

from __future__ import annotations

import itertools
import uuid
from types import SimpleNamespace

import pyotp
import pytest
from sqlalchemy import select

from finder.extensions import db
from finder.models import AuditEvent, User
from finder.passwords import hash_password
from tests.conftest import check_page, migrated_app, one
from tests.staff.conftest import csrf_token, sign_in

PASSWORD = "a-long-enough-password"
NUMBERS = itertools.count(1)


def new_account(app, role="support", practice="DEMO01", **fields):
    """An account of its own (tests share the database), made directly in it."""
    from finder.models import Practice

    email = f"staff-{uuid.uuid4().hex[:10]}@example.org"
    with app.app_context():
        user = User(
            email=email,
            name=f"Test Person {next(NUMBERS)}",
            role=role,
            practice=db.session.scalar(select(Practice).filter_by(code=practice))
            if practice
            else None,
            password_hash=hash_password(PASSWORD),
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user.id, email


def sign_in_as(app, email, password=PASSWORD):
    client = app.test_client()
    response = client.post(
        "/en/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )
    return client, response


def account(app, user_id) -> SimpleNamespace:
    """The account as stored now (its practice by code)."""
    with app.app_context():
        found = db.session.get(User, user_id)
        assert found is not None, user_id
        columns = {c.key: getattr(found, c.key) for c in User.__table__.columns}
        return SimpleNamespace(**columns, practice=found.practice.code if found.practice else None)


def audited(app, action, user_id) -> int:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        return sum(1 for row in rows if row.detail.get("account") == user_id)


def post(client, path, page=None, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})


def test_the_pages_are_for_admins_only(app, signed_in):
    for who in ("clinician", "support", "commissioner"):
        client = signed_in(who)
        for path in ("/en/staff/users", "/en/staff/users/new", "/en/staff/users/1"):
            assert client.get(path).status_code == 403, (who, path)
        token = csrf_token(client, "/en/staff/")
        assert (
            client.post("/en/staff/users/1/disable", data={"csrf_token": token}).status_code == 403
        )
    anonymous = app.test_client().get("/en/staff/users")
    assert anonymous.status_code == 302
    assert "/en/staff/login" in anonymous.location


def test_accounts_are_listed_and_admins_find_them_in_the_menu(app, signed_in):
    user_id, email = new_account(app, role="clinician", totp_secret=pyotp.random_base32())
    client = signed_in("admin")
    response = client.get("/en/staff/users")
    assert response.headers["Cache-Control"] == "no-store"
    page = check_page(response.get_data(as_text=True))
    menu = {a.get_text(strip=True): a["href"] for a in page.select("header nav a")}
    assert menu["Accounts"] == "/en/staff/users"
    row = one(page, f'tr[data-account="{user_id}"]')
    cells = [td.get_text(strip=True) for td in row.find_all("td")]
    assert cells[1:] == [
        email,
        "Clinician: GP, practice nurse or diabetes nurse",
        "Riverside Medical Practice (demo)",
        "Yes",
        "Set up",
    ]
    clinician = check_page(signed_in("clinician").get("/en/staff/").get_data(as_text=True))
    assert "Accounts" not in [a.get_text(strip=True) for a in clinician.select("header nav a")]


def test_an_admin_creates_a_clinician_who_signs_in_with_the_password_shown(app, signed_in):
    admin = signed_in("admin")
    form = check_page(admin.get("/en/staff/users/new").get_data(as_text=True))
    assert one(form, "input#name")["autocomplete"] == "off"
    assert one(form, "input#email")["autocomplete"] == "off"
    assert form.find("input", attrs={"name": "csrf_token"})
    email = f"New.Clinician.{uuid.uuid4().hex[:8]}@Example.org"
    response = post(
        admin,
        "/en/staff/users/new",
        name="Nia Newcomer",
        email=email,
        role="clinician",
        practice="DEMO02",
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    shown = check_page(response.get_data(as_text=True))
    password = one(shown, "[data-password]").get_text(strip=True)
    assert len(password) >= 16
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email.lower()))
        assert user is not None
        assert (user.name, user.role, user.practice.code) == ("Nia Newcomer", "clinician", "DEMO02")
        assert password not in user.password_hash
        user_id = user.id
    assert audited(app, "account.create", user_id) == 1
    client, signed = sign_in_as(app, email.lower(), password)
    assert signed.status_code == 302
    home = check_page(client.get("/en/staff/").get_data(as_text=True))
    assert one(home, "h1").get_text() == "Hello, Nia Newcomer"
    assert client.get("/en/staff/referrals").status_code == 200  # a clinician's page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "", "email": "x@example.org", "role": "support", "practice": "DEMO01"},
         "name", "Enter the person's name, up to 200 characters"),
        ({"name": "A", "email": "not-an-email", "role": "support", "practice": "DEMO01"},
         "email", "Enter an email address, like name@example.com"),
        ({"name": "A", "email": "clinician@demo.invalid", "role": "support",
          "practice": "DEMO01"}, "email", "Enter an email address, like name@example.com"),
        ({"name": "A", "email": "admin-dup@example.org", "role": "nobody", "practice": ""},
         "role", "Choose a role from the list"),
        ({"name": "A", "email": "a@example.org", "role": "support", "practice": ""},
         "practice", "Choose the practice this person works at"),
        ({"name": "A", "email": "a@example.org", "role": "admin", "practice": "DEMO01"},
         "practice", "An account with this role belongs to no practice: choose none"),
        ({"name": "A", "email": "a@example.org", "role": "support", "practice": "NOPE"},
         "practice", "Choose a practice from the list"),
        ({"name": "A", "email": "a@example.org", "role": "provider", "practice": ""},
         "provider", "Choose the course provider this person works for"),
        ({"name": "A", "email": "a@example.org", "role": "provider", "practice": "",
          "provider": "nope"}, "provider", "Choose a course provider from the list"),
        ({"name": "A", "email": "a@example.org", "role": "clinician", "practice": "DEMO01",
          "provider": "x-pert-health"}, "provider",
         "Only a course provider's account belongs to a provider: choose none"),
    ],
)  # fmt: skip
def test_bad_account_details_are_named_and_nothing_is_created(
    signed_in, app, fields, field, message
):
    with app.app_context():
        before = db.session.query(User).count()
    response = post(signed_in("admin"), "/en/staff/users/new", **fields)
    page = check_page(response.get_data(as_text=True))
    assert response.status_code == 200
    assert one(page, "title").get_text().startswith("Error:")
    summary = page.select(".nhsuk-error-summary a")
    assert [(a.get_text(strip=True), a["href"]) for a in summary] == [(message, f"#{field}")]
    with app.app_context():
        assert db.session.query(User).count() == before


def test_an_admin_creates_a_course_providers_account_that_opens_its_inbox(app, signed_in):
    email = f"team.{uuid.uuid4().hex[:8]}@example.org"
    response = post(
        signed_in("admin"), "/en/staff/users/new",
        name="Xena Xpert", email=email, role="provider", practice="", provider="x-pert-health",
    )  # fmt: skip
    password = one(check_page(response.get_data(as_text=True)), "[data-password]")
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        assert user is not None
        assert (user.role, user.practice, user.provider.slug) == ("provider", None, "x-pert-health")
    client, _signed = sign_in_as(app, email, password.get_text(strip=True))
    assert client.get("/en/staff/inbox").status_code == 200
    assert client.get("/en/staff/referrals").status_code == 403


def test_an_email_address_has_one_account(signed_in, app):
    _user_id, email = new_account(app)
    response = post(
        signed_in("admin"), "/en/staff/users/new",
        name="Second", email=email.upper(), role="support", practice="DEMO01",
    )  # fmt: skip
    page = check_page(response.get_data(as_text=True))
    assert one(page, ".nhsuk-error-summary a").get_text(strip=True) == (
        "This email address already has an account"
    )


def test_disabling_ends_the_accounts_session_and_enabling_lets_it_back(app, signed_in):
    user_id, email = new_account(app)
    victim, _ = sign_in_as(app, email)
    assert victim.get("/en/staff/").status_code == 200
    admin = signed_in("admin")
    page = f"/en/staff/users/{user_id}"
    done = post(admin, f"{page}/disable", page)
    assert done.status_code == 302
    assert done.location.endswith(page)
    following = victim.get("/en/staff/")
    assert following.status_code == 302
    assert "/en/staff/login" in following.location
    _, again = sign_in_as(app, email)
    assert again.status_code == 200, "a disabled account cannot sign in"
    assert not account(app, user_id).active
    assert audited(app, "account.disable", user_id) == 1
    assert post(admin, f"{page}/enable", page).status_code == 302
    assert sign_in_as(app, email)[1].status_code == 302
    assert audited(app, "account.enable", user_id) == 1


def test_a_role_change_ends_the_sessions_and_is_audited(app, signed_in):
    user_id, email = new_account(app, role="support")
    victim, _ = sign_in_as(app, email)
    assert victim.get("/en/staff/follow-up").status_code == 200
    admin = signed_in("admin")
    page = f"/en/staff/users/{user_id}"
    form = check_page(admin.get(page).get_data(as_text=True))
    assert one(form, "input[name=role][value=support]").has_attr("checked")
    refused = post(admin, page, role="commissioner", practice="DEMO01")
    assert refused.status_code == 200
    assert account(app, user_id).role == "support"
    saved = post(admin, page, role="commissioner", practice="")
    assert saved.status_code == 302
    changed = account(app, user_id)
    assert (changed.role, changed.practice) == ("commissioner", None)
    assert victim.get("/en/staff/").status_code == 302, "signed out by the change"
    client, _ = sign_in_as(app, email)
    assert client.get("/en/staff/follow-up").status_code == 403
    assert client.get("/en/staff/directory/").status_code == 200
    with app.app_context():
        row = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.role").order_by(AuditEvent.id)
        ).all()[-1]
        assert row.detail == {
            "account": user_id,
            "role": "commissioner",
            "practice": None,
            "provider": None,
        }
        assert row.actor is not None
        assert row.actor.email == "admin@demo.invalid"


def test_resetting_the_second_factor_ends_sessions_and_asks_to_set_it_up_again(
    app, signed_in, monkeypatch
):
    secret = pyotp.random_base32()
    user_id, email = new_account(
        app, totp_secret=secret, totp_last_step=1, recovery_codes=["0" * 64]
    )
    victim, response = sign_in_as(app, email)
    assert response.location.endswith("/en/staff/two-step")
    step = victim.post(
        "/en/staff/two-step",
        data={
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_token(victim, "/en/staff/two-step"),
        },
    )
    assert step.status_code == 302
    assert victim.get("/en/staff/").status_code == 200
    admin = signed_in("admin")
    page = f"/en/staff/users/{user_id}"
    assert post(admin, f"{page}/reset-two-step", page).status_code == 302
    assert victim.get("/en/staff/").status_code == 302, "its session ended"
    reset = account(app, user_id)
    assert (reset.totp_secret, reset.totp_pending_secret, reset.totp_last_step) == (
        None,
        None,
        None,
    )
    assert not reset.recovery_codes
    assert audited(app, "account.reset_two_step", user_id) == 1
    monkeypatch.setitem(app.config, "FINDER_REQUIRE_MFA", True)  # as outside demo mode
    _, again = sign_in_as(app, email)
    assert again.location.endswith("/en/staff/two-step/set-up")


def test_an_admin_cannot_disable_themselves_nor_remove_the_last_admin(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'admins.db'}")  # one admin: the demo one
    admin = sign_in(app.test_client(), "admin")
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="admin@demo.invalid"))
        assert user is not None
        me = user.id
    page = f"/en/staff/users/{me}"
    refused = post(admin, f"{page}/disable", page)
    shown = check_page(refused.get_data(as_text=True))
    assert refused.status_code == 200
    assert one(shown, "title").get_text().startswith("Error:")
    assert one(shown, ".nhsuk-error-summary a").get_text(strip=True) == (
        "You cannot disable your own account"
    )
    demoted = post(admin, page, role="commissioner", practice="")
    assert "This is the only active admin account" in demoted.get_data(as_text=True)
    assert account(app, me).role == "admin"
    assert account(app, me).active
    runner = app.test_cli_runner()
    last = runner.invoke(args=["disable-user", "admin@demo.invalid"])
    assert last.exit_code != 0
    assert "only active admin" in last.output
    assert account(app, me).active
    new_account(app, role="admin", practice=None)  # another admin: now this one may go
    assert runner.invoke(args=["disable-user", "admin@demo.invalid"]).exit_code == 0
    assert admin.get("/en/staff/users").status_code == 302, "disabled: signed out"
    with app.app_context():
        db.engine.dispose()


def test_the_account_commands(app):
    runner = app.test_cli_runner()
    user_id, email = new_account(app, role="support", totp_secret=pyotp.random_base32())
    before = account(app, user_id).session_epoch

    def run(*args):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    assert "disabled" in run("disable-user", email.upper())
    assert not account(app, user_id).active
    run("enable-user", email)
    assert account(app, user_id).active
    run("set-role", email, "clinician", "--practice", "DEMO02")
    changed = account(app, user_id)
    assert (changed.role, changed.practice) == ("clinician", "DEMO02")
    run("reset-two-step", email)
    changed = account(app, user_id)
    assert changed.totp_secret is None
    assert changed.session_epoch == before + 4, "every change ended its sessions"
    for action in ("account.disable", "account.enable", "account.role", "account.reset_two_step"):
        assert audited(app, action, user_id) == 1, action
    refused = [
        runner.invoke(args=["disable-user", "nobody@example.org"]),
        runner.invoke(args=["set-role", email, "support"]),
        runner.invoke(args=["set-role", email, "admin", "--practice", "DEMO01"]),
        runner.invoke(args=["set-role", email, "support", "--practice", "NOPE"]),
    ]
    assert [r.exit_code != 0 for r in refused] == [True] * 4
    assert "no account" in refused[0].output
    assert "Choose the practice this person works at" in refused[1].output
    assert "belongs to no practice" in refused[2].output
    assert "existing practice" in refused[3].output
    assert account(app, user_id).role == "clinician"
    run("set-role", email, "provider", "--provider", "x-pert-health")
    assert account(app, user_id).role == "provider"
    refused = runner.invoke(args=["set-role", email, "provider"])
    assert "Choose the course provider" in refused.output
    refused = runner.invoke(args=["set-role", email, "provider", "--provider", "nope"])
    assert "slug of a provider" in refused.output
