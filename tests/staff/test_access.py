"""Access control: every route has exactly one access decorator, and a role x route matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy import select

from finder.extensions import db
from finder.models import (
    CourseRun,
    Feedback,
    Practice,
    Programme,
    ProviderLink,
    RegisterEntry,
    User,
)
from finder.outbox import send
from finder.policy import ROLES
from finder.referrals import operations
from tests.outbox.fake_notify import confirmation
from tests.staff.conftest import csrf_token, sign_in

SAMPLE_VALUES = {
    "lang": "en",
    "slug": "desmond",
    "name": "diabetes",
    "filename": "finder.css",
    "id": "not-a-record",  # the Open Referral UK API's records (404 is an answer)
    "token": "not-a-token",  # a public page: a wrong token is its own answer (404)
    "device_id": 1,  # forgetting a device that is not yours changes nothing (302)
    "code": "100002-bn",  # a short link back to some results (finder.shortlinks)
    "area": "camden",
}


def routes(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        yield rule, view


def test_every_route_has_exactly_one_access_decorator(app):
    unclassified = [rule.rule for rule, view in routes(app) if not hasattr(view, "access")]
    assert not unclassified, f"routes without an access decorator: {unclassified}"


def test_two_access_decorators_are_refused():
    from finder.access import public, staff

    with pytest.raises(TypeError):
        staff("admin")(public(lambda: None))


def test_staff_routes_are_the_only_non_public_ones(app):
    for rule, view in routes(app):
        # Signing in (password, then the second step, or unlocking) is open to anyone.
        signing_in = rule.endpoint in (
            "staff.login",
            "staff.mfa",
            "staff.mfa_enrol",
            "staff.unlock",
        )
        if "/staff/" in rule.rule and not signing_in:
            assert view.access[0] == "staff", rule.rule
        elif rule.endpoint == "outbox.callback":  # GOV.UK Notify's receipts
            assert view.access == ("bearer", "NOTIFY_CALLBACK_TOKEN"), rule.rule
        else:
            assert view.access == ("public",), rule.rule


@pytest.fixture
def matrix_referral(app):
    """A referral of practice 1, a comment, an account and a letter, so that routes with
    <ref>, <feedback_id>, <user_id>, <entry_id> or <message_id> work (made for each role's
    run and rolled back with it: each role meets them as made, whatever the last one posted)."""
    with app.test_request_context():
        user = db.session.scalar(select(User).filter_by(email="clinician@demo.invalid"))
        assert user is not None
        login_user(user)
        practice = db.session.get(Practice, user.practice_id)
        # DESMOND's: the demo provider account's programme, so its inbox pages open it.
        programme = db.session.scalar(select(Programme).filter_by(slug="desmond"))
        assert practice is not None
        assert programme is not None
        made, _created = operations.create_referral(
            practice,
            programme,
            operations.PatientDetails(
                name="Matrix Example",
                date_of_birth=dt.date(1950, 1, 1),
                nhs_number=None,
                phone="020 7946 0000",
                email=None,
                preferred_language="en",
                contact_method="phone",
                interpreter_needed=False,
                companion_coming=False,
                diagnosis_date=None,
            ),
            {},
        )
        feedback = Feedback(
            programme_id=made.programme_id,
            rating=4,
            comment="",
            language="en",
            created_at=dt.datetime.now(dt.UTC),
        )
        db.session.add(feedback)
        # A run of its own: the matrix posts to "delete this run" as a commissioner.
        run = CourseRun(
            key="matrix-disposable",
            programme_id=made.programme_id,
            start_date=dt.date(2030, 1, 7),
            start_time=dt.time(10),
            end_time=dt.time(12),
            language="en",
            places_left=1,
        )
        db.session.add(run)
        # An account of its own: the matrix disables it and resets its second step as an admin.
        account = User(
            email="matrix-disposable@example.org",
            name="Matrix Disposable",
            role="support",
            practice_id=user.practice_id,
            password_hash="not-a-hash",
        )
        db.session.add(account)
        # A person on practice 1's register: the matrix records an exception for them.
        entry = RegisterEntry(
            practice_id=user.practice_id,
            nhs_number="9434765919",
            name="Matrix Register",
            date_of_birth=dt.date(1950, 1, 1),
            diagnosis_date=dt.date(2026, 1, 1),
            preferred_language="en",
            interpreter_needed=False,
            imported_at=dt.datetime.now(dt.UTC),
        )
        db.session.add(entry)
        db.session.commit()
        # A letter of practice 1's, for the page that serves it to print.
        letter = send(
            channel="letter",
            to="Matrix Example\n1 Test Street\nLondon\nE1 1AA",
            template="self_referral_confirmation",
            language="en",
            personalisation=confirmation(made.reference),
            referral=made,
            recipient="patient",
            key=f"{made.reference}:matrix-letter",
        )
        link = db.session.scalar(select(ProviderLink).filter_by(referral_id=made.id))
        assert link is not None
        return made.reference, feedback.id, run.id, account.id, entry.id, link.id, letter.id


WHO = ["anonymous", "clinician", "support", "commissioner", "admin", "provider"]


def test_the_matrix_covers_every_role():
    assert set(WHO) - {"anonymous"} == set(ROLES)


@pytest.mark.parametrize("who", WHO)
def test_role_route_matrix(app, matrix_referral, who):
    client = app.test_client()
    if who != "anonymous":
        sign_in(client, who)
    token = csrf_token(client)  # so that POST routes reach their access check
    checked = 0
    for rule, view in routes(app):
        if rule.endpoint == "staff.logout":
            continue  # signing out would end the session the matrix uses; tested on its own
        ref, feedback_id, run_id, user_id, entry_id, link_id, message_id = matrix_referral
        values = {
            "entry_id": entry_id,
            **SAMPLE_VALUES,
            "ref": ref,
            "feedback_id": feedback_id,
            "run_id": run_id,
            "user_id": user_id,
            "link_id": link_id,
            "message_id": message_id,
        }
        if rule.endpoint == "commissioning.venue":
            values["slug"] = "canal-health-centre"
        path = rule.build(values, append_unknown=False)[1]
        if rule.endpoint in ("staff.new_referral", "staff.handout"):
            path += "?programme=desmond"
        if rule.endpoint in ("staff.letter", "staff.sign_up_steps"):
            path += f"?ref={ref}"
        method = "GET" if "GET" in rule.methods else "POST"
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(path, method=method, data=data)
        response.close()  # file responses (assets) hold their file open until closed
        kind, *roles = view.access
        if kind == "bearer":  # another service's token, which no browser session has
            assert response.status_code == 401, (who, path)
        elif kind == "public":
            assert response.status_code not in (401, 403), (who, path)
            # No password given yet, or no locked session to unlock.
            if rule.endpoint not in ("staff.mfa", "staff.mfa_enrol", "staff.unlock"):
                assert "/staff/login" not in (response.location or ""), (who, path)
        elif who == "anonymous":
            assert response.status_code == 302, (who, path, response.status_code)
            assert "/en/staff/login?next=" in response.location
        elif who in roles:
            allowed = (
                (200, 302, 400, 404) if rule.endpoint == "commissioning.run" else (200, 302, 400)
            )
            assert response.status_code in allowed, (who, path, response.status_code)
        else:
            assert response.status_code == 403, (who, path, response.status_code)
        checked += 1
    assert checked == len(list(routes(app))) - 1  # every route but sign-out


def test_sign_out_is_a_post_and_ends_the_session(app):
    client = sign_in(app.test_client(), "clinician")
    assert client.get("/en/staff/logout").status_code == 405
    token = csrf_token(client, "/en/staff/")
    assert client.post("/en/staff/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/en/staff/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(app):
    client = app.test_client()
    response = client.post(
        "/en/staff/login", data={"email": "clinician@demo.invalid", "password": "test-password"}
    )
    assert response.status_code == 400
