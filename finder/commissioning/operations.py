"""Writes to the directory and to feedback. Each operation is one unit of work (``writes()``):
the change and its audit row commit together, or neither does."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from finder import clock
from finder.audit import record
from finder.clock import now
from finder.commissioning import hsds
from finder.database import locked, writes
from finder.extensions import db
from finder.models import Area, CourseRun, Feedback, Programme, ProgrammeText, Referral, Venue

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
    join_url: str | None
    self_referral: bool
    verified: bool


def save_programme(programme: Programme, change: ProgrammeChange) -> ProgrammeText:
    """A programme's text in one language, its link and self-referral, "checked today"."""
    with writes():
        current = _relocked(programme)
        text = next((t for t in current.texts if t.locale == change.language), None)
        if text is None:
            text = ProgrammeText(locale=change.language)
            current.texts.append(text)
        for field in TEXT_FIELDS:
            setattr(text, field, change.texts[field])
        current.join_url = change.join_url
        current.self_referral = change.self_referral
        if change.verified:
            current.last_verified = clock.today()
        record("directory.programme", current.slug, language=change.language)
    return text


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
        else:
            run = _relocked(run)
            for name, value in values.items():
                setattr(run, name, value)
        record("directory.run", run.key, programme=slug)
    return run


def remove_run(run: CourseRun) -> bool:
    """Delete a course run; one that has referrals is retired instead (they keep the course
    they were booked on; no patient sees it). Returns whether it was retired."""
    with writes():
        found = locked(CourseRun, id=run.id)
        if found is None:
            return False
        retired = bool(db.session.scalar(select(Referral.id).filter_by(course_run_id=found.id)))
        if retired:
            found.retired = True
            record("directory.run_retired", found.key)
        else:
            record("directory.run_deleted", found.key)
            db.session.delete(found)
    return retired


@dataclass(frozen=True)
class VenueChange:
    slug: str
    name: str
    address: str
    postcode: str
    area: Area
    step_free: bool


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
        }
        if venue is None:
            venue = Venue(**values)
            db.session.add(venue)
        else:
            venue = _relocked(venue)
            for name, value in values.items():
                setattr(venue, name, value)
        record("directory.venue", venue.slug)
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
