"""Writes to a practice's own details: the phone number and opening hours its letters print
(``outbox/letters.py``, the contact block)."""

from __future__ import annotations

from finder.audit import record
from finder.database import locked, writes
from finder.models import Practice


def save_contact(practice_id: int, phone: str | None, opening_hours: str | None) -> list[str]:
    """Set the practice's phone number and opening hours (None: not given); the names of the
    fields that changed, which the audit row lists."""
    with writes():
        practice = locked(Practice, id=practice_id)
        if practice is None:
            raise LookupError(practice_id)
        values = {"phone": phone or None, "opening_hours": opening_hours or None}
        changed = [name for name, value in values.items() if getattr(practice, name) != value]
        for name in changed:
            setattr(practice, name, values[name])
        if changed:
            record("practice.contact", practice.code, fields=changed)
    return changed
