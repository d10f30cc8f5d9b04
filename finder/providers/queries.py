"""Reads of the provider side: only referrals to the provider's own programmes."""

from __future__ import annotations

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


def reachable(provider_id: int) -> bool:
    """Whether the provider gets its referrals: it has staff who can sign in to its inbox.

    At merge, also when the directory has its referral contact, who is emailed each link."""
    return bool(
        db.session.scalar(
            select(User.id)
            .where(User.provider_id == provider_id, User.role == PROVIDER_ROLE, User.active)
            .limit(1)
        )
    )
