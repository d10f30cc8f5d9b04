"""S28: hypothesis posts odd input to every form: never a 500, nothing half-written."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from finder.extensions import db
from tests.staff.conftest import csrf_token, sign_in

pytestmark = pytest.mark.slow

ODD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "‮evil",
            "👩🏽‍⚕️",
            "ددد اردو",
            "Ll. Ysbyty Gwynedd",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "9" * 400,
            "31/02/2020",
            "-1",
        ]
    ),
)

FORMS = {
    "/en/self-refer/x-pert": [
        "name",
        "date_of_birth",
        "nhs_number",
        "phone",
        "email",
        "practice",
        "preferred_language",
        "consent",
        "submission",
    ],
    "/en/feedback/desmond": ["rating", "comment"],
    "/en/staff/referrals/new?programme=desmond": [
        "name",
        "date_of_birth",
        "nhs_number",
        "phone",
        "email",
        "preferred_language",
        "contact_method",
        "diagnosis_date",
        "course_run",
        "interpreter_needed",
    ],
    "/en/staff/register-online?computer=confident": [
        "name",
        "date_of_birth",
        "email",
        "phone",
        "preferred_language",
        "contact_method",
        "has_device",
    ],
    "/en/staff/attendance": ["run"],
    "/en/staff/login": ["email", "password"],
}


def orphans(app) -> int:
    """Referrals without their creation audit row, or patients without a referral."""
    with app.app_context():
        return db.session.execute(
            text(
                "SELECT (SELECT count(*) FROM referral r WHERE NOT EXISTS (SELECT 1 FROM audit_event a "
                "WHERE a.object_ref = r.reference AND a.action = 'referral.create'))"
                " + (SELECT count(*) FROM patient p WHERE NOT EXISTS (SELECT 1 FROM referral r WHERE r.patient_id = p.id))"
            )
        ).scalar()


@pytest.mark.parametrize("path", list(FORMS))
def test_s28_no_form_input_gives_a_server_error(app, path):
    client = sign_in(app.test_client(), "support")
    client.environ_base["REMOTE_ADDR"] = "198.18.0.1"
    app.config["FINDER_SELF_REFERRAL_LIMIT"] = 100_000
    token = csrf_token(client, "/en/staff/")
    before = orphans(app)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({}, optional={name: ODD for name in FORMS[path]}))
    def post(fields):
        response = client.post(path, data={**fields, "csrf_token": token})
        assert response.status_code < 500, (path, fields)

    try:
        post()
    finally:
        app.config["FINDER_SELF_REFERRAL_LIMIT"] = 5
    assert orphans(app) == before


@pytest.mark.parametrize("path", ["/en/staff/users/new", "/en/staff/users/{account}"])
def test_s28_no_account_form_input_gives_a_server_error(app, path):
    from finder.models import User

    client = sign_in(app.test_client(), "admin")
    with app.app_context():
        account = User(
            email=f"fuzzed-{uuid.uuid4().hex[:8]}@example.org",
            name="Fuzzed Account",
            role="commissioner",
            password_hash="not-a-hash",
        )
        db.session.add(account)
        db.session.commit()
        path = path.format(account=account.id)
    token = csrf_token(client, "/en/staff/")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.fixed_dictionaries({}, optional={n: ODD for n in ("name", "email", "role", "practice")})
    )
    def post(fields):
        response = client.post(path, data={**fields, "csrf_token": token})
        assert response.status_code < 500, (path, fields)

    post()
