"""Writes to the practice register: an import (all or nothing) and a QOF exception."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from finder import audit
from finder.clock import now
from finder.database import locked, writes
from finder.extensions import db
from finder.models import Practice, RegisterEntry
from finder.policy import REGISTER_EXCEPTIONS
from finder.register.importing import Row

FIELDS = (
    "name", "date_of_birth", "diagnosis_date", "preferred_language", "interpreter_needed",
    "mobile", "email", "postal_address", "large_print",
)  # fmt: skip


@dataclass(frozen=True)
class Imported:
    added: int
    updated: int
    unchanged: int


def import_register(practice_id: int, rows: list[Row]) -> Imported:
    """Add new people and bring known ones (same NHS number and date of birth: the rows were
    checked against what is stored) up to date. People not in the file stay: a search may
    cover only the newly diagnosed. One import per practice at a time (the practice row is
    locked), so two uploads of the same file cannot both add the same person."""
    added = updated = unchanged = 0
    at = now()
    with writes():
        locked(Practice, id=practice_id)
        stored = {
            e.nhs_number: e
            for e in db.session.scalars(
                select(RegisterEntry).where(
                    RegisterEntry.practice_id == practice_id,
                    RegisterEntry.nhs_number.in_([r.nhs_number for r in rows]),
                )
            )
        }
        for row in rows:
            entry = stored.get(row.nhs_number)
            if entry is None:
                entry = RegisterEntry(practice_id=practice_id, nhs_number=row.nhs_number)
                db.session.add(entry)
                added += 1
            elif all(getattr(entry, f) == getattr(row, f) for f in FIELDS):
                unchanged += 1
                continue
            else:
                updated += 1
            for field in FIELDS:
                setattr(entry, field, getattr(row, field))
            entry.imported_at = at
        audit.record("register.import", None, added=added, updated=updated, unchanged=unchanged)
    return Imported(added, updated, unchanged)


def record_exception(entry: RegisterEntry, reason: str | None) -> None:
    """Record (or with None, withdraw) a QOF exception for one person on the register."""
    if reason is not None and reason not in REGISTER_EXCEPTIONS:
        raise ValueError(reason)
    with writes():
        current = locked(RegisterEntry, id=entry.id)
        if current is None:
            return
        current.exception = reason
        current.exception_at = now() if reason else None
        audit.record(
            "register.exception",
            str(current.id),
            reason=reason,
            code=REGISTER_EXCEPTIONS.get(reason or ""),
        )
