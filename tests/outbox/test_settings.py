"""Message and queue settings are checked at start; a purged referral takes its messages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from finder import clock, maintenance
from finder.config import ConfigurationError
from finder.database import writes
from finder.extensions import db
from finder.models import OutboundMessage, Practice, Programme, Referral
from finder.outbox import send
from finder.referrals import operations
from tests.conftest import make_app, migrated_app
from tests.outbox.fake_notify import API_KEY, EMAIL_TEMPLATE, SMS_TEMPLATE, confirmation

TEMPLATES = {"NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE, "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"NOTIFY_API_KEY": API_KEY}, "NOTIFY_EMAIL_TEMPLATE_ID"),
        ({"NOTIFY_API_KEY": "too-short", **TEMPLATES}, "whole Notify API key"),
        ({"NOTIFY_CALLBACK_TOKEN": "short"}, "NOTIFY_CALLBACK_TOKEN"),
        ({"FINDER_JOBS_STUCK_SECONDS": 20, "NOTIFY_TIMEOUT": 20}, "FINDER_JOBS_STUCK_SECONDS"),
        ({"FINDER_JOBS_STUCK_SECONDS": 0}, "FINDER_JOBS_STUCK_SECONDS"),
        # 64 characters a link in a text message, less "/bn/my/" and a 16-character token.
        ({"FINDER_BASE_URL": "https://" + "a" * 29 + ".nhs.uk"}, "at most 41 characters"),
    ],
)
def test_wrong_message_settings_stop_the_app_naming_them(tmp_path, config, named):
    with pytest.raises(ConfigurationError, match=named) as refused:
        make_app(f"sqlite:///{tmp_path / 'x.db'}", **config)
    assert API_KEY not in str(refused.value)  # never the secret itself


def test_a_base_url_of_41_characters_is_taken(tmp_path):
    base = "https://" + "a" * 26 + ".nhs.uk"
    assert len(base) == 41
    assert make_app(f"sqlite:///{tmp_path / 'x.db'}", FINDER_BASE_URL=base)


def test_a_purged_referral_takes_its_messages(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'purge.db'}")
    with app.test_request_context():
        practice = db.session.scalars(select(Practice)).first()
        programme = db.session.scalar(select(Programme).filter_by(slug="x-pert"))
        assert practice is not None
        assert programme is not None
        referral, _ = operations.create_referral(
            practice,
            programme,
            operations.PatientDetails(
                name="Pat Example",
                date_of_birth=dt.date(1960, 5, 1),
                nhs_number=None,
                phone=None,
                email="pat@example.com",
                preferred_language="en",
                contact_method="email",
                interpreter_needed=False,
                companion_coming=False,
                diagnosis_date=None,
            ),
            {},
            self_referral=True,
        )
        with writes():
            send(
                channel="email",
                to="pat@example.com",
                template="self_referral_confirmation",
                language="en",
                personalisation=confirmation(referral.reference),
                referral=referral,
                recipient="patient",
                key=f"{referral.reference}:test",
            )
            long_ago = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
            db.session.execute(
                update(Referral)
                .where(Referral.id == referral.id)
                .values(status="declined", status_changed_at=long_ago)
            )
        count = select(func.count()).select_from(OutboundMessage)
        assert db.session.scalar(count) == 2  # the confirmation, and the course team's link
        maintenance.purge(clock.now(), 2922)
        assert db.session.scalar(count) == 0


def test_a_queue_that_is_down_loses_neither_the_referral_nor_the_message(tmp_path):
    """Redis unreachable when the confirmation is queued: the self-referral is made and its
    message kept as queued, for the sweep to queue again once the store is back."""
    from tests.public.test_self_refer import answers, client_at

    app = migrated_app(
        f"sqlite:///{tmp_path / 'down.db'}",
        FINDER_JOBS_IMMEDIATE=False,
        FINDER_REDIS_URL="redis://127.0.0.1:9/0",  # the discard port: nothing listens
        NOTIFY_API_KEY=API_KEY,
        **TEMPLATES,
    )
    client = client_at(app)
    path, data = answers(client, email="sam@example.com")
    response = client.post(path, data=data)
    assert response.status_code == 302
    with app.app_context():
        [message] = db.session.scalars(select(OutboundMessage).filter_by(recipient="patient"))
        assert (message.status, message.attempts) == ("queued", 0)
        assert message.referral is not None
        assert message.referral.patient.email == "sam@example.com"
