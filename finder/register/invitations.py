"""Invitations to people on the practice register, and their personal links.

``invite`` sends invitation number N to one person (once: the invitation is keyed on the entry
and its number, the message on the same key) by text message to a mobile, else email, else a
letter (in large print if the register says so); None when there is no way to write to them
(staff phone them). The message carries a personal link
``/<lang>/my/<token>``: the token is random (INVITATION_TOKEN_BYTES), only its SHA-256 hash is
kept, and it stops working INVITATION_LINK_DAYS after the invitation. ``remind`` (a periodic
job) sends the next invitation to whoever has not answered in INVITATION_ANSWER_DAYS; after the
last, ``proposed`` names the people staff may record "no response to two invitations" for.
``self_refer`` makes the self-referral of a person who came through their link: the patient is
made from the register (NHS number, date of birth, contact details), so the person leaves "not
yet referred" and is asked none of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import textwrap
from collections import defaultdict
from collections.abc import Iterable

from flask import session
from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import aliased

from finder import jobs, links
from finder.audit import acting, record
from finder.clock import now
from finder.database import locked, writes
from finder.extensions import db
from finder.forms import is_mobile
from finder.models import Invitation, Practice, Programme, Referral, RegisterEntry
from finder.outbox import letters, send
from finder.policy import (
    INVITATION_ANSWER_DAYS,
    INVITATION_LINK_DAYS,
    INVITATION_TOKEN_BYTES,
    NO_RESPONSE_INVITATIONS,
    SMS_PRACTICE_NAME,
)
from finder.referrals import operations
from finder.register.queries import has_referral

TEMPLATES = {1: "invitation", 2: "invitation_reminder"}
# The session key that carries, from the personal link to the self-referral, which invitation
# this browser came through (never the token).
SESSION_KEY = "invitation"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reach(entry: RegisterEntry) -> tuple[str, str] | None:
    """How to write to this person: (channel, address), or None (staff phone them)."""
    if entry.mobile and is_mobile(entry.mobile):
        return "sms", entry.mobile
    if entry.email:
        return "email", entry.email
    postal = letters.address(entry.name, entry.postal_address)
    return ("letter", postal) if postal else None


def invite(entry_id: int, number: int) -> Invitation | None:
    """Send invitation ``number`` to the person, once; the one already sent if there is one;
    None when there is no way to write to them."""
    if not 1 <= number <= NO_RESPONSE_INVITATIONS:
        raise ValueError(f"number: 1 to {NO_RESPONSE_INVITATIONS}")
    with writes():
        entry = locked(RegisterEntry, id=entry_id)
        if entry is None:
            return None
        done: Invitation | None = db.session.scalar(
            select(Invitation).filter_by(register_entry_id=entry.id, number=number)
        )
        if done is not None:
            return done
        found = reach(entry)
        if found is None:
            return None
        channel, to = found
        token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
        link = links.absolute("public.my_link", lang=entry.preferred_language, token=token)
        practice = db.session.get(Practice, entry.practice_id)
        assert practice is not None  # noqa: S101 - a foreign key
        name = practice.name
        if channel == "sms":
            name = textwrap.shorten(name, SMS_PRACTICE_NAME, placeholder="")
        at = now()
        message = send(
            channel=channel,
            to=to,
            template=TEMPLATES[number],
            language=entry.preferred_language,
            personalisation={"practice": name, "link": link},
            referral=None,
            recipient="patient",
            # Made once: the entry is locked and its invitations read above. The hash's start
            # keeps the key unique if the register is ever imported afresh.
            key=f"register-{entry.id}:invitation-{number}:{token_hash(token)[:12]}",
            practice_id=entry.practice_id,
            large_print=entry.large_print,
        )
        invitation = Invitation(
            register_entry_id=entry.id,
            practice_id=entry.practice_id,
            number=number,
            token_hash=token_hash(token),
            channel=channel,
            message_id=message.id,
            sent_by_id=acting().user_id,
            created_at=at,
            expires_at=at + dt.timedelta(days=INVITATION_LINK_DAYS),
        )
        db.session.add(invitation)
        record("invitation.send", str(entry.id), number=number, channel=channel)
    return invitation


def next_number(entry_id: int) -> int | None:
    """The number of the next invitation to this person, None when all have been sent."""
    sent = db.session.scalar(
        select(func.max(Invitation.number)).where(Invitation.register_entry_id == entry_id)
    )
    number = (sent or 0) + 1
    return number if number <= NO_RESPONSE_INVITATIONS else None


def _unanswered_before(cutoff: dt.datetime) -> ColumnElement[bool]:
    """Invitations sent before ``cutoff`` to someone still with no referral and no exception."""
    return and_(
        Invitation.created_at <= cutoff,
        RegisterEntry.id == Invitation.register_entry_id,
        RegisterEntry.exception.is_(None),
        ~has_referral(),
    )


@jobs.job(every=jobs.minutes(60))
def remind() -> None:
    """Each hour: the next invitation to whoever has not answered the last one in
    INVITATION_ANSWER_DAYS. Run twice, it sends nothing twice (``invite`` is keyed)."""
    later = aliased(Invitation)
    due = db.session.execute(
        select(Invitation.register_entry_id, Invitation.number)
        .join(RegisterEntry, RegisterEntry.id == Invitation.register_entry_id)
        .where(
            Invitation.number < NO_RESPONSE_INVITATIONS,
            _unanswered_before(now() - dt.timedelta(days=INVITATION_ANSWER_DAYS)),
            ~exists().where(
                later.register_entry_id == Invitation.register_entry_id,
                later.number == Invitation.number + 1,
            ),
        )
    ).all()
    for entry_id, number in due:
        invite(entry_id, number + 1)


def by_entry(entry_ids: Iterable[int]) -> dict[int, list[Invitation]]:
    """Each person's invitations, first first."""
    found: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in db.session.scalars(
        select(Invitation)
        .where(Invitation.register_entry_id.in_(list(entry_ids)))
        .order_by(Invitation.number)
    ):
        found[invitation.register_entry_id].append(invitation)
    return found


def proposed(practice_id: int) -> set[int]:
    """The people (entry ids) for whom the QOF exception "no response to two invitations" may
    be recorded: the last invitation sent INVITATION_ANSWER_DAYS ago and still no answer."""
    return set(
        db.session.scalars(
            select(Invitation.register_entry_id)
            .join(RegisterEntry, RegisterEntry.id == Invitation.register_entry_id)
            .where(
                Invitation.practice_id == practice_id,
                Invitation.number == NO_RESPONSE_INVITATIONS,
                _unanswered_before(now() - dt.timedelta(days=INVITATION_ANSWER_DAYS)),
            )
        )
    )


def from_token(token: str) -> Invitation | None:
    """The invitation of a personal link still working; None for a forged or expired one."""
    if not _TOKEN.match(token):
        return None
    invitation: Invitation | None = db.session.scalar(
        select(Invitation).filter_by(token_hash=token_hash(token))
    )
    if invitation is None or invitation.expires_at <= now():
        return None
    return invitation


def opened(invitation: Invitation) -> None:
    """The person opened their link: noted (the first time), and this browser remembers the
    invitation until the self-referral."""
    with writes():
        current = locked(Invitation, id=invitation.id)
        if current is not None and current.opened_at is None:
            current.opened_at = now()
            record("invitation.open", str(current.register_entry_id), number=current.number)
    session[SESSION_KEY] = invitation.id


def current() -> Invitation | None:
    """The invitation this browser came through, while it works and has no self-referral."""
    invitation_id = session.get(SESSION_KEY)
    if not isinstance(invitation_id, int):
        return None
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.expires_at <= now() or invitation.referral_id:
        session.pop(SESSION_KEY, None)
        return None
    return invitation


def self_refer(
    invitation: Invitation,
    programme: Programme,
    circumstances: dict[str, str],
    preferred_language: str,
    interpreter_needed: bool,
    companion_coming: bool,
) -> Referral:
    """The self-referral of the person invited: the patient from the register, the referral
    attached to the invitation (one unit of work with the caller's)."""
    with writes():
        entry = invitation.entry
        details = operations.PatientDetails(
            name=entry.name,
            date_of_birth=entry.date_of_birth,
            nhs_number=entry.nhs_number,
            phone=entry.mobile,
            email=entry.email,
            preferred_language=preferred_language,
            contact_method="phone" if entry.mobile else "email" if entry.email else "letter",
            interpreter_needed=interpreter_needed,
            companion_coming=companion_coming,
            diagnosis_date=entry.diagnosis_date,
        )
        practice = db.session.get(Practice, entry.practice_id)
        assert practice is not None  # noqa: S101 - a foreign key
        referral, _created = operations.create_referral(
            practice, programme, details, circumstances, self_referral=True
        )
        current_row = locked(Invitation, id=invitation.id)
        assert current_row is not None  # noqa: S101 - read just before
        current_row.referral_id = referral.id
        record("invitation.referral", str(entry.id), number=invitation.number)
    session.pop(SESSION_KEY, None)
    return referral
