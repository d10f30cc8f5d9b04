"""Sending messages through GOV.UK Notify, as jobs, each exactly once.

``send`` records the message in the caller's unit of work and queues ``deliver`` for when it
commits. ``deliver`` claims the message (a conditional UPDATE: only one worker wins it), asks
Notify whether a send under our key already reached it when an earlier attempt may have (a
worker killed mid-send), sends it with our key as Notify's ``reference``, and records the
answer. A refused send (4xx) fails at once; a busy or broken Notify (429, 5xx, no answer) is
tried again with back-off. ``sweep`` queues again what a dead worker left behind.

A secret link in a message (a provider's or a person's own) is kept in its stored words only
until Notify has them (or never, without a key): then the token is replaced by "(token)".

Our words are sent as the personalisation of one generic template per channel (email and text
message); letters are our own PDFs (``letters.py``), which the practice prints when there is
no key.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import phonenumbers
import requests
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from finder import clock, jobs
from finder.audit import SYSTEM, record
from finder.database import writes
from finder.extensions import db
from finder.links import hide_secrets
from finder.models import OutboundMessage, Referral
from finder.outbox import letters
from finder.outbox.texts import TEMPLATES, render
from finder.policy import (
    LANGUAGES,
    MESSAGE_ATTEMPTS,
    MESSAGE_RETRY_BACKOFF,
    MESSAGE_RETRY_SECONDS,
)

CHANNELS = ("email", "sms", "letter")
RECIPIENTS = ("patient", "provider", "practice")
# Our states of a message. "not_sent": recorded without a Notify key (demo, development).
QUEUED, SENDING, SENT, DELIVERED, FAILED, NOT_SENT = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "failed",
    "not_sent",
)
STATUSES = (QUEUED, SENDING, SENT, DELIVERED, FAILED, NOT_SENT)
FINAL = frozenset({DELIVERED, FAILED, NOT_SENT})
# Notify's statuses (receipts and look-ups) as ours; any other means on its way.
FROM_NOTIFY = {
    "delivered": DELIVERED,
    "received": DELIVERED,  # a letter: posted
    "permanent-failure": FAILED,
    "temporary-failure": FAILED,
    "technical-failure": FAILED,
    "validation-failed": FAILED,
    "cancelled": FAILED,
}


class Transient(Exception):
    """Notify could not take the message now: the job is tried again later."""


def _check(channel: str, to: str, template: str, language: str, recipient: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    if recipient not in RECIPIENTS:
        raise ValueError(f"recipient must be one of {RECIPIENTS}")
    if template not in TEMPLATES:
        raise ValueError(f"no message template {template!r}")
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    if channel == "email":
        try:
            validate_email(to, check_deliverability=False)
        except EmailNotValidError:
            raise ValueError("to: not an email address") from None
    elif channel == "sms":
        try:
            number = phonenumbers.parse(to)
        except phonenumbers.NumberParseException:
            number = None
        if not to.startswith("+") or number is None:
            raise ValueError("to: not a phone number in E.164 form (+447700900982)")
    else:
        lines = [line for line in to.splitlines() if line.strip()]
        if not letters.ADDRESS_LINES_MIN <= len(lines) <= letters.ADDRESS_LINES_MAX:
            raise ValueError(
                f"to: a postal address has {letters.ADDRESS_LINES_MIN} to "
                f"{letters.ADDRESS_LINES_MAX} lines"
            )


def send(
    *,
    channel: str,
    to: str,
    template: str,
    language: str,
    personalisation: dict[str, str],
    referral: Referral | None,
    recipient: str,
    key: str,
    practice_id: int | None = None,
    large_print: bool = False,
) -> OutboundMessage:
    """Record a message and send it once the caller's ``writes()`` block commits.

    channel: "email", "sms" or "letter"; to: an email address, a phone number in E.164 or a
    postal address (one line each); template: a name in ``texts.TEMPLATES``; language: a site
    language; personalisation: the template's fields; referral: what it is about, if anything;
    recipient: "patient", "provider" or "practice"; key: names the referral and the event
    (``DE-ABCD-EFGH:confirmation``), so that a second call, a retry or a second worker never
    sends it twice: the message already recorded under the key is returned instead;
    practice_id: the practice whose staff see it, when there is no referral (an invitation);
    large_print: a letter in large print (the person asked for it).
    """
    _check(channel, to, template, language, recipient)
    words = render(template, channel, language, personalisation)
    with writes():
        existing: OutboundMessage | None = db.session.scalar(
            select(OutboundMessage).filter_by(key=key)
        )
        if existing is not None:
            return existing
        now = clock.now()
        sending = bool(current_app.config["NOTIFY_API_KEY"])
        message = OutboundMessage(
            key=key,
            referral=referral,
            practice_id=referral.practice_id if referral is not None else practice_id,
            recipient=recipient,
            channel=channel,
            to=to,
            template=template,
            language=language,
            subject=words.subject,
            body=words.body if sending else hide_secrets(words.body),
            large_print=large_print and channel == "letter",
            status=QUEUED if sending else NOT_SENT,
            error=None if sending else "no key",
            created_at=now,
            queued_at=now if sending else None,
            updated_at=now,
        )
        try:
            with db.session.begin_nested():  # another request may record the same key at once
                db.session.add(message)
        except IntegrityError:
            found: OutboundMessage = db.session.scalars(
                select(OutboundMessage).filter_by(key=key)
            ).one()
            return found
        record(
            "message.create",
            referral.reference if referral is not None else None,
            channel=channel,
            template=template,
            status=message.status,
        )
        if sending:
            jobs.enqueue(deliver, message.id)
    return message


def _client() -> NotificationsAPIClient:
    config = current_app.config
    return NotificationsAPIClient(
        config["NOTIFY_API_KEY"],
        base_url=config["NOTIFY_BASE_URL"],
        timeout=config["NOTIFY_TIMEOUT"],
    )


def _stuck_before() -> dt.datetime:
    return clock.now() - dt.timedelta(seconds=current_app.config["FINDER_JOBS_STUCK_SECONDS"])


def _post(client: NotificationsAPIClient, message: OutboundMessage) -> dict[str, Any]:
    config = current_app.config
    if message.channel == "email":
        return client.send_email_notification(  # type: ignore[no-any-return]
            email_address=message.to,
            template_id=config["NOTIFY_EMAIL_TEMPLATE_ID"],
            personalisation={"subject": message.subject or "", "body": message.body},
            reference=message.key,
        )
    if message.channel == "sms":
        return client.send_sms_notification(  # type: ignore[no-any-return]
            phone_number=message.to,
            template_id=config["NOTIFY_SMS_TEMPLATE_ID"],
            personalisation={"body": message.body},
            reference=message.key,
        )
    pdf = letters.for_message(message)
    return client.send_precompiled_letter_notification(  # type: ignore[no-any-return]
        reference=message.key, pdf_file=io.BytesIO(pdf), postage="second"
    )


def _already_sent(
    client: NotificationsAPIClient, message: OutboundMessage
) -> dict[str, Any] | None:
    """The notification an earlier attempt made under our key, if it reached Notify."""
    found = client.get_all_notifications(reference=message.key)["notifications"]
    return found[0] if found else None


def _finish(message_id: int, claim: int, **values: Any) -> None:
    """Record the end of attempt ``claim``: only if no later attempt has taken the message
    over, and never back over a receipt that came in meanwhile (status left as it is)."""
    now = clock.now()
    mine = and_(OutboundMessage.id == message_id, OutboundMessage.attempts == claim)
    with writes():
        status = values.pop("status")
        db.session.execute(update(OutboundMessage).where(mine).values(updated_at=now, **values))
        db.session.execute(
            update(OutboundMessage)
            .where(mine, OutboundMessage.status == SENDING)
            .values(status=status)
        )


def _failed(message: OutboundMessage, error: str) -> None:
    _finish(
        message.id, message.attempts, status=FAILED, error=error, body=hide_secrets(message.body)
    )


@jobs.job(
    retries=MESSAGE_ATTEMPTS - 1,
    retry_delay=MESSAGE_RETRY_SECONDS,
    retry_backoff=MESSAGE_RETRY_BACKOFF,
)
def deliver(message_id: int) -> None:
    """Send one recorded message, once (the module's docstring says how)."""
    now = clock.now()
    with writes():
        claimed = db.session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == message_id,
                or_(
                    OutboundMessage.status == QUEUED,
                    and_(
                        OutboundMessage.status == SENDING,
                        OutboundMessage.claimed_at < _stuck_before(),
                    ),
                ),
            )
            .values(
                status=SENDING,
                claimed_at=now,
                attempts=OutboundMessage.attempts + 1,
                updated_at=now,
            )
        ).rowcount  # type: ignore[attr-defined]
    if not claimed:
        return  # sent, being sent by another worker, or gone
    message = db.session.get(OutboundMessage, message_id)
    if message is None:
        return
    claim = message.attempts
    client = _client()
    try:
        answer = (_already_sent(client, message) if claim > 1 else None) or _post(client, message)
    except HTTPError as error:
        if error.status_code != 429 and error.status_code < 500:
            _failed(message, f"refused by Notify ({error.status_code})")
            return
        problem = f"Notify answered {error.status_code}"
    except requests.RequestException as error:
        problem = f"no answer from Notify ({type(error).__name__})"
    else:
        _finish(
            message_id,
            claim,
            status=FROM_NOTIFY.get(answer.get("status", ""), SENT),
            notify_id=str(answer["id"]),
            sent_at=clock.now(),
            error=None,
            body=hide_secrets(message.body),
        )
        return
    if claim >= MESSAGE_ATTEMPTS:
        _failed(message, f"{problem}; gave up after {claim} tries")
        return
    _finish(message_id, claim, status=QUEUED, error=problem, queued_at=clock.now())
    raise Transient(problem)


@jobs.job(every=jobs.minutes(1), at_start=True)
def sweep() -> None:
    """Queue again every message a job was lost for: queued, or claimed by a worker that died,
    longer ago than FINDER_JOBS_STUCK_SECONDS. ``deliver``'s claim keeps it to one send."""
    before = _stuck_before()
    lost = or_(
        and_(OutboundMessage.status == QUEUED, OutboundMessage.queued_at < before),
        and_(OutboundMessage.status == SENDING, OutboundMessage.claimed_at < before),
    )
    with writes():
        ids = db.session.scalars(select(OutboundMessage.id).where(lost)).all()
        if not ids:
            return
        db.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(ids), OutboundMessage.status == QUEUED)
            .values(queued_at=clock.now())
        )
        for message_id in ids:
            jobs.enqueue(deliver, message_id)
        record("message.sweep", None, actor=SYSTEM, queued=len(ids))


def receipt(notify_id: str, reference: str | None, notify_status: str) -> OutboundMessage | None:
    """Apply a delivery receipt from Notify; None when no message has that id or key."""
    with writes():
        message: OutboundMessage | None = db.session.scalar(
            select(OutboundMessage).filter_by(notify_id=notify_id)
        )
        if message is None and reference:
            message = db.session.scalar(select(OutboundMessage).filter_by(key=reference))
        if message is None:
            return None
        ours = FROM_NOTIFY.get(notify_status, SENT)
        if message.status not in FINAL or ours in FINAL:
            message.status = ours
        message.notify_status = notify_status
        message.notify_id = notify_id
        message.updated_at = clock.now()
        record(
            "message.receipt",
            message.referral.reference if message.referral else None,
            actor=SYSTEM,
            status=notify_status,
        )
    return message
