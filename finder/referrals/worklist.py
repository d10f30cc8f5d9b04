"""The follow-up worklist: referrals that need someone to act, most urgent first.

Reasons (each clears by itself when its cause does):
- ``run_cancelled``: referred or booked onto a course run that was cancelled (to book again);
- ``cannot_attend``: the patient said they cannot make the course date they were booked on
  ("I can't make it" on their booking's page), and has not been booked again;
- ``did_not_attend``: the patient missed the course;
- ``not_booked``: referred (or accepted by the course), and not booked after
  FINDER_NOT_BOOKED_DAYS since then;
- ``awaiting_reply``: the last contact attempt got no answer, and no reply has come since.
After NO_RESPONSE_INVITATIONS unanswered invitations in a row the record carries the QOF
exception "no response to two invitations".

QOF DM014 is not a reason here: it asks that people are *referred*, and everyone on this list
is. The people it is about, on the register with no referral, are on the register's "not yet
referred" list (finder/register/).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from finder.extensions import db
from finder.models import Referral, ReferralEvent
from finder.policy import NO_RESPONSE_INVITATIONS, UNANSWERED_OUTCOMES
from finder.referrals import booking, statuses

REASONS = ("run_cancelled", "cannot_attend", "did_not_attend", "not_booked", "awaiting_reply")


@dataclass(frozen=True)
class Item:
    referral: Referral
    reasons: tuple[str, ...]
    due: dt.date  # when it became (or becomes) urgent: the sort key
    unanswered: int

    @property
    def no_response_exception(self) -> bool:
        return self.unanswered >= NO_RESPONSE_INVITATIONS

    @property
    def last_contact(self) -> ReferralEvent | None:
        contacts = _contacts(self.referral)
        return contacts[-1] if contacts else None

    @property
    def missed_on(self) -> dt.datetime | None:
        return self.referral.did_not_attend_at

    def order(self, today: dt.date) -> tuple[dt.date, int, dt.date, int]:
        """By the "next action on" date staff set (none set: today), then urgency."""
        return (
            self.referral.next_action_on or today,
            REASONS.index(self.reasons[0]),
            self.due,
            self.referral.id,
        )


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
    reasons: list[str] = []
    due: list[dt.date] = []
    run = referral.course_run
    if run is not None and run.retired and referral.status in ("referred", "booked"):
        reasons.append("run_cancelled")
        due.append((run.cancelled_at or referral.status_changed_at).date())
    if booking.could_not_make_it(referral):
        reasons.append("cannot_attend")
        due.append(referral.status_changed_at.date())
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
            joinedload(Referral.course_run),
            selectinload(Referral.events).joinedload(ReferralEvent.actor),
        )
    ).all()
    items = [i for r in referrals if (i := assess(r, now, not_booked_days))]
    # The day staff chose to act first; then cancelled courses, missed ones, the longest waiting.
    return sorted(items, key=lambda i: i.order(now.date()))


def counts(items: list[Item]) -> dict[str, int]:
    """How many cards carry each reason (a card may carry several)."""
    return {reason: sum(reason in i.reasons for i in items) for reason in REASONS}
