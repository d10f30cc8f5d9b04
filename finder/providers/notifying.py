"""Telling a course provider about a referral: the one place that does it.

At merge this is wired to ``finder.outbox.send`` (issue 15, item 3: GOV.UK Notify, by the job
queue), which emails the provider's referral contact the link. Until then nothing is sent:
the link's making is recorded on the referral's history and in the audit, and no page says
the provider was emailed.
"""

from __future__ import annotations

from finder.audit import record
from finder.models import Referral
from finder.referrals.operations import add_event

LINK_MADE = "a link for the course team was made"


def tell_provider(referral: Referral, link: str) -> None:
    """Tell the referral's course provider about it, with ``link`` (in the caller's unit).

    Wired at merge: ``outbox.send(channel="email", to=<the provider's referral contact>,
    template="provider_referral", language="en", personalisation={"link": link, "reference":
    referral.reference}, referral=referral, recipient="provider", key=f"provider-link:{...}")``.
    The link is a secret: it goes into the message only, never into the history or the audit.
    """
    del link  # not sent yet: see above
    add_event(referral, "link", reason=LINK_MADE)
    record("provider_link.create", referral.reference)
