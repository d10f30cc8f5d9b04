"""The audit log: who read or changed what, and when. Rows hold references, never personal
data; the table is append-only (database triggers).

The actor is given by the caller (``Actor``); ``acting()`` says who it is for the current
request: a course provider by its link to one referral (``act_as``), the signed-in staff
member, a patient on the public site, or the system (a command or a job, outside any request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from flask_login import current_user

from finder.clock import now
from finder.database import writes
from finder.extensions import db
from finder.limits import max_length
from finder.models import AuditEvent
from finder.policy import PATIENT_ROLE


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str  # a staff role, "patient" or "system"
    # How someone without an account came in: "link" for a provider's link to one referral.
    via: str | None = None


SYSTEM = Actor(None, "system")
PATIENT = Actor(None, PATIENT_ROLE)
PROVIDER_BY_LINK = Actor(None, "provider", via="link")


def act_as(actor: Actor) -> None:
    """For the rest of this request, act as ``actor`` (a provider's link, whoever is signed in
    in the same browser)."""
    g.finder_actor = actor


def acting() -> Actor:
    if not has_request_context():
        return SYSTEM
    if (chosen := g.get("finder_actor")) is not None:
        return chosen  # type: ignore[no-any-return]
    if current_user and current_user.is_authenticated:
        return Actor(current_user.id, current_user.role)
    return PATIENT


def record(
    action: str,
    object_ref: str | None = None,
    outcome: str = "ok",
    *,
    actor: Actor | None = None,
    account: int | None = None,
    **detail: Any,
) -> None:
    """Add an audit row to the current unit of work. ``detail`` must hold no personal data.

    ``account``: the id of the staff account a sign-in or account event concerns."""
    who = actor or acting()
    if who.via:
        detail["via"] = who.via
    if account is not None:
        detail["account"] = account
    # A directory slug or run key can be longer than the column: kept whole in the detail.
    longest = max_length(AuditEvent.object_ref)
    if object_ref is not None and len(object_ref) > longest:
        detail = {**detail, "object_ref": object_ref}
        object_ref = object_ref[:longest]
    db.session.add(
        AuditEvent(
            at=now(),
            actor_id=who.user_id,
            actor_role=who.role,
            action=action,
            object_ref=object_ref,
            outcome=outcome,
            detail=detail,
        )
    )


def record_read(
    action: str, object_ref: str | None = None, outcome: str = "ok", **detail: Any
) -> None:
    """The audit row of a read, in a short unit of work of its own."""
    with writes():
        record(action, object_ref, outcome, **detail)
