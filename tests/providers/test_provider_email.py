"""A referral reaches its course team: the directory's referral contact is emailed a link
through the real Notify client (to the fake Notify server), the link accepts and books, and the
practice sees it all. The token is in the email only: not in the history, the audit, nor the
stored message once Notify has it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder.extensions import db
from finder.models import AuditEvent, OutboundMessage, Programme, ReferralEvent
from tests.commissioning.test_editable import refer
from tests.conftest import migrated_app, one, own_database
from tests.outbox.fake_notify import settings
from tests.providers.test_provider_side import a_run, answer, page
from tests.staff.conftest import referral, sign_in

CALLBACK = "callback-token-" + "y" * 32
DESMOND_REFERRAL = "306741000000104"  # shared/reference/codes.md, QOF cluster DSEP_COD


@pytest.fixture(scope="module")
def own_app(notify, tmp_path_factory):
    app = migrated_app(
        own_database("provider_email", tmp_path_factory),
        **settings(notify, NOTIFY_CALLBACK_TOKEN=CALLBACK),
    )
    with app.app_context():
        contacts = {
            "desmond": "Referrals team: Desmond.Referrals@example.org or 020 7946 0000",
            "x-pert": "Phone 020 7946 0999",
        }
        for slug, contact in contacts.items():
            programme = db.session.scalar(select(Programme).filter_by(slug=slug))
            assert programme is not None
            programme.referral_contact = contact
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def fresh(notify):
    notify.reset()
    yield
    assert not notify.rejected, notify.rejected


def test_the_course_team_is_emailed_a_link_that_accepts_and_books(own_app, notify):
    clinician = sign_in(own_app.test_client(), "clinician")
    reference = refer(own_app, clinician, "desmond")
    [got] = notify.received
    assert got["type"] == "email"
    assert got["body"]["email_address"] == "Desmond.Referrals@example.org"
    assert got["body"]["reference"] == f"{reference}:provider-link"
    words = got["body"]["personalisation"]["body"]
    assert "Pat Example" not in words  # the person's name is behind the link, not in the email
    assert reference in got["body"]["personalisation"]["subject"]
    assert "works for 30 days" in words
    link = next(w for w in words.split() if "/r/" in w)
    path = "/r/" + link.rsplit("/r/", 1)[1]
    token = path.removeprefix("/r/")

    anyone = own_app.test_client()
    assert one(page(anyone.get(path)), "h1").get_text(strip=True) == f"Referral {reference}"
    assert answer(anyone, path, "accepted").status_code == 302
    run = a_run(own_app)
    assert answer(anyone, path, "booked", run=str(run.id)).status_code == 302
    assert referral(own_app, reference).status == "booked"

    # Notify's delivery receipt reaches the referral's messages.
    receipt = own_app.test_client().post(
        "/notify/callback",
        json=notify.receipt(got, "delivered"),
        headers={"Authorization": f"Bearer {CALLBACK}"},
    )
    assert receipt.status_code == 200
    record = page(clinician.get(f"/en/staff/referrals/{reference}"))
    row = one(record, f"tr[data-key='{reference}:provider-link']")
    assert row["data-status"] == "delivered"
    accepted = next(
        li for li in record.select(".app-timeline__item") if "status Accepted" in li.get_text()
    )
    assert "the course team, by its link" in accepted.get_text()
    assert f"SNOMED CT {DESMOND_REFERRAL}" in accepted.get_text()
    seen = record.get_text(" ", strip=True)
    assert "the course team was emailed a link to this referral" in seen
    assert "Desmond.Referrals@example.org" in seen  # the message, in "Messages sent"
    assert "First answered by the course team Not yet" not in seen
    with own_app.app_context():
        [message] = db.session.scalars(
            select(OutboundMessage).filter_by(key=f"{reference}:provider-link")
        ).all()
        assert (message.status, message.recipient) == ("delivered", "provider")
        assert token not in message.body
        assert "/r/(token)" in message.body
        assert not any(
            token in str(e.reason) for e in db.session.scalars(select(ReferralEvent)).all()
        )
        assert not any(token in str(a.detail) for a in db.session.scalars(select(AuditEvent)).all())


def test_a_course_team_with_only_a_phone_number_gets_nothing_and_the_practice_is_told(
    own_app, notify
):
    clinician = sign_in(own_app.test_client(), "clinician")
    reference = refer(own_app, clinician, "x-pert")
    assert notify.received == []
    seen = page(clinician.get(f"/en/staff/referrals/{reference}")).get_text(" ", strip=True)
    assert "the directory has no email address for the course team: nothing was sent" in seen


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ("team@example.org", "team@example.org"),
        ("Referrals: team@example.org.", "team@example.org"),
        ("Call 020 7946 0000 or email <team@example.org>", "team@example.org"),
        ("020 7946 0000", None),
        ("team at example dot org", None),
        ("someone@", None),
        ("", None),
        (None, None),
    ],
)
def test_the_email_address_in_a_directory_contact(app, contact, expected):
    from finder.providers.queries import email_address  # the app's modules, loaded by `app`

    assert email_address(contact) == expected
