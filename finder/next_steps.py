"""What happens after a referral, as the patient is told it: who will contact them, how, and
by when. The one place the handout, the self-referral confirmation and the sign-up steps take
it from (templates/macros/next_steps.jinja says it), so that it says what the code does.

- Who: the course team, when it gets the referral (``providers.queries.reachable``: its
  referral contact is emailed the link, or it has an inbox); else the practice, which has it
  on its record and follow-up list.
- How: the patient's chosen contact method, when known.
- By when: the course team's usual time to answer (uptake's per-provider figures) once there
  is enough data; and when to call the practice: after NOT_BOOKED_DAYS (the practice's own
  follow-up then flags the referral too), or after the usual time if that is longer.
- An online programme needs no booking: the person starts when they sign up.
"""

from __future__ import annotations

from dataclasses import dataclass

from finder.commissioning import uptake
from finder.models import Programme, Referral
from finder.policy import NOT_BOOKED_DAYS
from finder.providers.queries import reachable


@dataclass(frozen=True)
class NextSteps:
    who: str  # "course", "practice", or "self" (an online programme: they sign up)
    how: str | None  # the patient's contact method: "phone", "email", "letter"; None unknown
    usual_days: int | None  # the course team usually answers within this many days
    chase_days: int  # call the practice after this many days without news


def for_programme(programme: Programme, referral: Referral | None = None) -> NextSteps:
    how = referral.patient.contact_method if referral else None
    if programme.delivery == "online":
        return NextSteps("self", how, None, NOT_BOOKED_DAYS)
    if not reachable(programme):
        return NextSteps("practice", how, None, NOT_BOOKED_DAYS)
    usual = uptake.usual_answer_days().get(programme.provider.slug)
    return NextSteps("course", how, usual, max(NOT_BOOKED_DAYS, usual or 0))
