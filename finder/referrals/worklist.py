"""The follow-up worklist: referrals that need someone to act, most urgent first.

Reasons (each clears by itself when its cause does):
- ``dm014``: an open referral whose QOF DM014 date is within DM014_WARNING_DAYS;
- ``did_not_attend``: the patient missed the course;
- ``not_booked``: referred (or accepted by the course), and not booked after
  FINDER_NOT_BOOKED_DAYS since then;
- ``awaiting_reply``: the last contact attempt got no answer, and no reply has come since.
After NO_RESPONSE_INVITATIONS unanswered invitations in a row the record carries the QOF
exception "no response to two invitations".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from finder.extensions import db
from finder.models import Referral, ReferralEvent
from finder.policy import DM014_WARNING_DAYS, NO_RESPONSE_INVITATIONS, UNANSWERED_OUTCOMES
from finder.referrals import statuses
from finder.referrals.queries import dm014_date

REASONS = ("dm014", "did_not_attend", "not_booked", "awaiting_reply")
DM014_WARNING = dt.timedelta(days=DM014_WARNING_DAYS)


@dataclass(frozen=True)
class Item:
    referral: Referral
    reasons: tuple[str, ...]
    due: dt.date  # when it became (or becomes) urgent: the sort key
    unanswered: int

    @property
    def no_response_exception(self) -> bool:
        return self.unanswered >= NO_RESPONSE_INVITATIONS


def _contacts(referral: Referral) -> list[ReferralEvent]:
    return [e for e in referral.events if e.kind == "contact"]


def unanswered_invitations(referral: Referral) -> int:
    """Unanswered contact attempts since the patient last answered."""
    count = 0
    for event in _contacts(referral):
        count = count + 1 if event.outcome in UNANSWERED_OUTCOMES else 0
    return count


def assess(referral: Referral, now: dt.datetime, not_booked_days: int) -> Item | None:
    if referral.status not in statuses.OPEN:
        return None
    today = now.date()
    reasons: list[str] = []
    due: list[dt.date] = []
    deadline = dm014_date(referral.patient.diagnosis_date)
    if deadline and today <= deadline <= today + DM014_WARNING and referral.status != "booked":
        reasons.append("dm014")
        due.append(deadline - DM014_WARNING)
    if referral.status == "did_not_attend":
        reasons.append("did_not_attend")
        due.append(referral.status_changed_at.date())
    overdue_from = referral.status_changed_at + dt.timedelta(days=not_booked_days)
    if referral.status in ("referred", "accepted") and now >= overdue_from:
        reasons.append("not_booked")
        due.append(overdue_from.date())
    contacts = _contacts(referral)
    if contacts and contacts[-1].outcome in UNANSWERED_OUTCOMES:
        reasons.append("awaiting_reply")
        due.append(contacts[-1].at.date())
    if not reasons:
        return None
    return Item(referral, tuple(reasons), min(due), unanswered_invitations(referral))


def for_practice(practice_id: int, now: dt.datetime, not_booked_days: int) -> list[Item]:
    referrals = db.session.scalars(
        select(Referral)
        .where(Referral.practice_id == practice_id, Referral.status.in_(statuses.OPEN))
        .options(
            joinedload(Referral.patient),
            joinedload(Referral.programme),
            selectinload(Referral.events),
        )
    ).all()
    items = [i for r in referrals if (i := assess(r, now, not_booked_days))]
    # DM014 deadlines first, then missed courses, then the longest waiting.
    return sorted(items, key=lambda i: (REASONS.index(i.reasons[0]), i.due, i.referral.id))
