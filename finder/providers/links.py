"""Links for course providers without an account: ``/r/<token>`` opens one referral.

A link is made with each referral (``make_and_tell``). The token is 256 random bits, shown
once in the link and kept only as its SHA-256: a copy of the database opens nothing. It
expires after PROVIDER_LINK_DAYS, a commissioner may revoke it, and every use is audited as
"provider, by link" (``audit.PROVIDER_BY_LINK``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from finder import links as site_links
from finder.audit import PROVIDER_BY_LINK, acting, record
from finder.clock import now
from finder.database import locked, writes
from finder.extensions import db
from finder.models import Programme, ProviderLink, Referral
from finder.policy import PROVIDER_LINK_DAYS
from finder.providers.notifying import tell_provider

TOKEN_BYTES = 32


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make(referral: Referral) -> str:
    """A new link to the referral (in the caller's unit); returns its token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    at = now()
    db.session.add(
        ProviderLink(
            referral=referral,
            token_hash=digest(token),
            created_at=at,
            expires_at=at + dt.timedelta(days=PROVIDER_LINK_DAYS),
        )
    )
    return token


def url(token: str) -> str:
    return site_links.absolute("links.open_link", token=token)


def make_and_tell(referral: Referral) -> str:
    """A new referral's link, given to its course provider (in the caller's unit)."""
    token = make(referral)
    tell_provider(referral, url(token))
    return token


def replace(referral: Referral) -> str:
    """A new link for the referral, made by its practice (the provider lost the first, or has
    no address on file): earlier links stop working. Returns the new token, to show once."""
    with writes():
        at = now()
        for old in db.session.scalars(
            select(ProviderLink).where(
                ProviderLink.referral_id == referral.id, ProviderLink.revoked_at.is_(None)
            )
        ):
            old.revoked_at = at
            old.revoked_by_id = acting().user_id
        token = make(referral)
        record("provider_link.replace", referral.reference)
    return token


class LinkRefused(LookupError):
    """A token that opens nothing: unknown, expired or revoked (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refusal(link: ProviderLink | None, at: dt.datetime) -> str | None:
    if link is None:
        return "unknown"
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if at >= link.expires_at else None


def open_link(token: str) -> Referral:
    """The referral a token opens, its use recorded (first and last opened) and audited as
    the provider by link; LinkRefused, audited as denied, if it opens nothing."""
    with writes():
        link: ProviderLink | None = db.session.scalar(
            select(ProviderLink)
            .where(ProviderLink.token_hash == digest(token))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        at = now()
        refused = _refusal(link, at)
        reference = link.referral.reference if link else None
        if link is None or refused is not None:
            record("provider_link.open", reference, "denied", actor=PROVIDER_BY_LINK, why=refused)
        else:
            link.first_opened_at = link.first_opened_at or at
            link.last_opened_at = at
            record("provider_link.open", reference, actor=PROVIDER_BY_LINK)
    if link is None or refused is not None:
        raise LinkRefused(refused or "unknown")
    return link.referral


def revoke(link_id: int) -> ProviderLink | None:
    """A commissioner stops a link working (audited); None if there is no such link."""
    with writes():
        link = locked(ProviderLink, id=link_id)
        if link is None:
            return None
        if link.revoked_at is None:
            link.revoked_at = now()
            link.revoked_by_id = acting().user_id
            record("provider_link.revoke", link.referral.reference, link=link.id)
    return link


@dataclass(frozen=True)
class Reach:
    """What the practice sees of its provider's link: when it was opened and answered."""

    made_at: dt.datetime | None
    first_opened_at: dt.datetime | None
    answered_at: dt.datetime | None
    usable: bool


def reach(referral: Referral) -> Reach:
    found = list(
        db.session.scalars(
            select(ProviderLink)
            .where(ProviderLink.referral_id == referral.id)
            .order_by(ProviderLink.id)
        )
    )
    opened = [link.first_opened_at for link in found if link.first_opened_at]
    at = now()
    return Reach(
        made_at=found[0].created_at if found else None,
        first_opened_at=min(opened) if opened else None,
        answered_at=referral.provider_answered_at,
        usable=any(link.usable(at) for link in found),
    )


def for_commissioner(limit: int = 200) -> list[ProviderLink]:
    """The newest links, for a commissioner to revoke (references only: no personal data)."""
    return list(
        db.session.scalars(
            select(ProviderLink)
            .options(
                joinedload(ProviderLink.referral)
                .joinedload(Referral.programme)
                .joinedload(Programme.provider)
            )
            .order_by(ProviderLink.id.desc())
            .limit(limit)
        )
    )
