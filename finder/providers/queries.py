"""Reads of the provider side: only referrals to the provider's own programmes."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from finder.extensions import db
from finder.models import Programme, Referral, User
from finder.policy import PROVIDER_ROLE
from finder.referrals import statuses

# The inbox's views: the new ones first (what needs an answer), then the rest.
VIEWS = {
    "new": ("referred",),
    "accepted": ("accepted",),
    "booked": ("booked", "did_not_attend", "attended"),
    "closed": tuple(s for s in statuses.STATUSES if s not in statuses.OPEN and s != "attended"),
}
INBOX_LIMIT = 200


def inbox(provider_id: int, view: str) -> list[Referral]:
    """The provider's referrals in one view of the inbox, oldest first (answer in turn)."""
    return list(
        db.session.scalars(
            select(Referral)
            .join(Referral.programme)
            .where(Programme.provider_id == provider_id, Referral.status.in_(VIEWS[view]))
            .options(
                joinedload(Referral.patient),
                joinedload(Referral.practice),
                joinedload(Referral.programme),
            )
            .order_by(Referral.created_at, Referral.id)
            .limit(INBOX_LIMIT)
        )
    )


def of_provider(reference: str, provider_id: int) -> Referral | None:
    """The referral, if it is to one of the provider's programmes."""
    return db.session.scalar(
        select(Referral)
        .join(Referral.programme)
        .where(Referral.reference == reference, Programme.provider_id == provider_id)
    )


def email_address(contact: str | None) -> str | None:
    """The first email address in a directory contact ("Referrals: team@example.nhs.uk or
    020 7946 0000"), or None."""
    for word in re.split(r"[\s,;()<>]+", contact or ""):
        if "@" not in word:
            continue
        try:
            return validate_email(word.strip("."), check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


def reachable(programme: Programme) -> bool:
    """Whether the course team gets the programme's referrals: its referral contact has an
    email address (each referral's link is emailed there: providers/notifying.py), or its
    provider has staff who can sign in to their inbox."""
    if email_address(programme.referral_contact):
        return True
    return bool(
        db.session.scalar(
            select(User.id)
            .where(
                User.provider_id == programme.provider_id,
                User.role == PROVIDER_ROLE,
                User.active,
            )
            .limit(1)
        )
    )
