"""Writes to the directory and to feedback. Each operation is one unit of work (``writes()``):
the change and its audit row commit together, or neither does."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from finder import clock
from finder.audit import record
from finder.clock import now
from finder.commissioning import hsds
from finder.database import locked, writes
from finder.extensions import db
from finder.models import (
    Area,
    AuditEvent,
    CourseRun,
    Feedback,
    Programme,
    ProgrammeText,
    Referral,
    Venue,
)

TEXT_FIELDS = ("name", "summary", "what_happens", "who_for", "how_to_join")

Row = TypeVar("Row", Programme, CourseRun, Venue, Feedback)


def _relocked(row: Row) -> Row:
    """A row the view read, read again and locked for this unit of work."""
    found = locked(type(row), id=row.id)
    if found is None:  # deleted meanwhile: the view's 404, a moment late
        raise NotFound()
    return found


@dataclass(frozen=True)
class ProgrammeChange:
    language: str
    texts: dict[str, str]  # TEXT_FIELDS
    verified: bool


def save_programme(programme: Programme, change: ProgrammeChange) -> ProgrammeText:
    """A programme's text in one language, "checked today" if so.

    A change to the English marks every other language "needs update": patients see the
    English until a translator saves that language again."""
    with writes():
        current = _relocked(programme)
        text = next((t for t in current.texts if t.locale == change.language), None)
        if text is None:
            text = ProgrammeText(locale=change.language)
            current.texts.append(text)
        changed = [f for f in TEXT_FIELDS if getattr(text, f) != change.texts[f]]
        for field in changed:
            setattr(text, field, change.texts[field])
        marked: list[str] = []
        if change.language == "en" and changed:
            for other in current.texts:
                if other.locale != "en" and not other.needs_update:
                    other.needs_update = True
                    marked.append(other.locale)
        elif change.language != "en":
            text.needs_update = False
        if change.verified:
            current.last_verified = clock.today()
        record(
            "directory.programme",
            current.slug,
            language=change.language,
            changed=changed,
            needs_update=sorted(marked),
            verified=change.verified,
        )
    return text


# The facts of a programme a commissioner edits, besides its text and its areas.
FACTS = (
    "delivery", "sessions", "session_hours", "diabetes_types", "stages", "self_referral",
    "companion_welcome", "covers_other_conditions", "content_languages", "join_url",
    "needs_email", "referral_contact", "sources", "state", "paused_until",
)  # fmt: skip


@dataclass(frozen=True)
class FactsChange:
    facts: dict[str, Any]  # FACTS
    areas: list[Area]  # none: offered everywhere
    verified: bool


# Facts that are sets: the same choices in another order are no change.
UNORDERED = frozenset({"diabetes_types", "stages", "content_languages"})


def _differs(field: str, old: Any, new: Any) -> bool:
    if field in UNORDERED:
        return sorted(old) != sorted(new)
    return bool(old != new)


def save_facts(programme: Programme, change: FactsChange) -> list[str]:
    """A programme's facts, areas and state; returns the names of what changed."""
    with writes():
        current = _relocked(programme)
        changed = [f for f in FACTS if _differs(f, getattr(current, f), change.facts[f])]
        for field in changed:
            setattr(current, field, change.facts[field])
        areas = sorted(change.areas, key=lambda a: a.slug)
        if [a.id for a in current.areas] != [a.id for a in areas]:
            current.areas = areas
            changed.append("areas")
        if change.verified:
            current.last_verified = clock.today()
        record(
            "directory.programme_facts",
            current.slug,
            changed=changed,
            state=current.state,
            verified=change.verified,
        )
    return changed


@dataclass(frozen=True)
class RunChange:
    programme: Programme
    venue: Venue
    start_date: dt.date
    start_time: dt.time
    end_time: dt.time
    language: str
    places_left: int
    expected_wait_days: int | None


def save_run(run: CourseRun | None, change: RunChange) -> CourseRun:
    """A new course run (``run`` None) or a change to one."""
    with writes():
        # Read what the change refers to before a new row is pending (no early flush).
        slug = change.programme.slug
        values = {
            "programme_id": change.programme.id,
            "venue_id": change.venue.id,
            "start_date": change.start_date,
            "start_time": change.start_time,
            "end_time": change.end_time,
            "language": change.language,
            "places_left": change.places_left,
            "expected_wait_days": change.expected_wait_days,
        }
        if run is None:
            run = CourseRun(key=f"{slug}-{now():%Y%m%d%H%M%S%f}", **values)
            db.session.add(run)
            changed = list(values)
        else:
            run = _relocked(run)
            changed = [k for k, v in values.items() if getattr(run, k) != v]
            for name in changed:
                setattr(run, name, values[name])
        record("directory.run", run.key, programme=slug, changed=changed)
    return run


def remove_run(run: CourseRun) -> bool:
    """Delete a course run; one that has referrals is cancelled instead: they keep the course
    they were booked on, no patient sees it, and the open ones go on their practice's
    follow-up list (finder/referrals/worklist.py). Returns whether it was cancelled."""
    with writes():
        found = locked(CourseRun, id=run.id)
        if found is None:
            return False
        slug = found.programme.slug
        cancelled = bool(db.session.scalar(select(Referral.id).filter_by(course_run_id=found.id)))
        if cancelled:
            found.retired = True
            found.cancelled_at = now()
            record("directory.run_cancelled", found.key, programme=slug)
        else:
            record("directory.run_deleted", found.key, programme=slug)
            db.session.delete(found)
    return cancelled


def history(programme: Programme, limit: int = 50) -> list[AuditEvent]:
    """The audited changes to a programme and its course runs, newest first."""
    keys = db.session.scalars(select(CourseRun.key).filter_by(programme_id=programme.id)).all()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action.startswith("directory."),
                AuditEvent.object_ref.in_([programme.slug, *keys]),
            )
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class VenueChange:
    slug: str
    name: str
    address: str
    postcode: str
    area: Area
    step_free: bool
    parking: bool | None


class Taken(ValueError):
    """Another record already has this short name."""


def save_venue(venue: Venue | None, change: VenueChange) -> Venue:
    with writes():
        taken = db.session.scalar(select(Venue).filter_by(slug=change.slug))
        if taken is not None and (venue is None or taken.id != venue.id):
            raise Taken(change.slug)
        values = {
            "slug": change.slug,
            "name": change.name,
            "address": change.address,
            "postcode": change.postcode,
            "area_id": change.area.id,
            "step_free": change.step_free,
            "parking": change.parking,
        }
        if venue is None:
            venue = Venue(**values)
            db.session.add(venue)
            changed = list(values)
        else:
            venue = _relocked(venue)
            changed = [k for k, v in values.items() if getattr(venue, k) != v]
            for name in changed:
                setattr(venue, name, values[name])
        record("directory.venue", venue.slug, changed=changed)
    return venue


def add_area(slug: str, name: str) -> None:
    with writes():
        if db.session.scalar(select(Area.id).filter_by(slug=slug)):
            raise Taken(slug)
        db.session.add(Area(slug=slug, name=name))
        record("directory.area", slug)


def import_directory(parsed: hsds.DirectoryIn) -> dict[str, int]:
    """A checked directory file, all of it or (on any error) none of it."""
    with writes():
        counts = hsds.apply(parsed)
        record("directory.import", None, "ok", counts=counts)
    return counts


def moderate(feedback: Feedback, decision: str, moderator_id: int) -> None:
    with writes():
        found = _relocked(feedback)
        found.status = decision
        found.moderated_by_id = moderator_id
        found.moderated_at = now()
        record("feedback.moderate", str(found.id), decision=decision)
