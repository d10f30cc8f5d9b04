"""Reads of the programme directory: from the database, or from a worker's read-only copy."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from finder import matching
from finder.database import READS_ONLY
from finder.dates import add_months
from finder.extensions import db
from finder.models import (
    Area,
    CourseRun,
    DirectoryVersion,
    Feedback,
    Practice,
    Programme,
    ProgrammeText,
    Venue,
)


def _programmes() -> Select[Any]:
    """Programmes with everything the pages read, loaded in a few queries."""
    return select(Programme).options(
        selectinload(Programme.texts),
        selectinload(Programme.areas),
        selectinload(Programme.provider),
        selectinload(Programme.runs).selectinload(CourseRun.venue).selectinload(Venue.area),
    )


@dataclass(frozen=True)
class Quote:
    comment: str
    language: str


@dataclass(frozen=True)
class Reviews:
    count: int
    average: float | None
    quotes: tuple[Quote, ...]  # the latest with a comment, newest first


NO_REVIEWS = Reviews(0, None, ())
QUOTES = 3  # the most a page shows


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Snapshot:
    """The directory as patients see it, read at one version and never changed afterwards.

    Every index a public page needs is worked out once when the snapshot is read (a national
    directory has 5,000 programmes), so a page reads no database at all. A new version is read
    into a new snapshot and swapped in with one assignment: a thread sees the old one or the
    new one, never half of each. The programmes are detached from any session: never attach
    them to one (views that write read the database instead)."""

    version: int = -1
    programmes: tuple[Programme, ...] = ()
    by_slug: Mapping[str, Programme] = field(default_factory=_empty)
    everywhere: tuple[Programme, ...] = ()  # offered in every area (no areas listed)
    by_area: Mapping[str, tuple[Programme, ...]] = field(default_factory=_empty)  # and those
    area_names: Mapping[str, str] = field(default_factory=_empty)  # slug to name, by name
    matching_inputs: Mapping[str, matching.Programme] = field(default_factory=_empty)  # by slug
    reviews: Mapping[int, Reviews] = field(default_factory=_empty)  # approved only, by programme id


@dataclass
class Copy:
    """A worker's current snapshot, and when it last asked the database for the version.

    Triggers raise the directory version on every change patients can see (migrations 0008 and
    0016: a feedback only once it is approved); each worker checks it at most every
    FINDER_DIRECTORY_CHECK_SECONDS and reads a new snapshot when it changed."""

    check_seconds: float
    # The clock the check interval is measured on; tests move their own instead of sleeping.
    clock: Callable[[], float] = time.monotonic
    checked_at: float = -math.inf
    seen: int = -1  # the version last read from the database
    snapshot: Snapshot = field(default_factory=Snapshot)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions["finder_directory"] = Copy(app.config["FINDER_DIRECTORY_CHECK_SECONDS"])


def version() -> int:
    """The directory version, read from the database at most every check_seconds per worker."""
    copy: Copy = current_app.extensions["finder_directory"]
    now = copy.clock()
    if now - copy.checked_at >= copy.check_seconds:
        copy.seen = db.session.scalar(select(DirectoryVersion.version)) or 0
        copy.checked_at = now
    return copy.seen


def snapshot() -> Snapshot:
    """The worker's snapshot at the version last seen (read anew when that changed)."""
    copy: Copy = current_app.extensions["finder_directory"]
    wanted = version()
    if copy.snapshot.version != wanted:
        with copy.lock:  # one thread reads; the others wait for its snapshot
            if copy.snapshot.version != wanted:
                with Session(db.engine.execution_options(**{READS_ONLY: True})) as session:
                    copy.snapshot = _read(session, wanted)
    current = copy.snapshot
    g.directory_version = current.version  # what this request's page shows
    return current


def shown_version() -> int:
    """The version of the directory this request's page shows: the snapshot it read, or the
    last version this worker saw. Never asks the database (an error page may be rendering
    because the database is away)."""
    if "directory_version" in g:
        return int(g.directory_version)
    copy: Copy = current_app.extensions["finder_directory"]
    return copy.seen


def _read(session: Session, version: int) -> Snapshot:
    """Who is offered what, worked out once per snapshot."""
    rows = tuple(
        p
        for p in session.scalars(_programmes().order_by(Programme.slug))
        if p.state != "retired"  # patients no longer see these
    )
    areas = session.execute(select(Area.slug, Area.name).order_by(Area.name)).all()
    approved = session.execute(
        select(Feedback.programme_id, Feedback.rating, Feedback.comment, Feedback.language)
        .where(Feedback.status == "approved")
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    ).all()
    session.expunge_all()
    everywhere = tuple(p for p in rows if not p.areas)
    listed: dict[str, list[Programme]] = {}
    for programme in rows:
        for area in programme.areas:
            listed.setdefault(area.slug, []).append(programme)
    ratings: dict[int, list[int]] = {}
    quotes: dict[int, list[Quote]] = {}
    for programme_id, rating, comment, language in approved:
        ratings.setdefault(programme_id, []).append(rating)
        if comment and len(quotes.setdefault(programme_id, [])) < QUOTES:
            quotes[programme_id].append(Quote(comment, language))
    return Snapshot(
        version=version,
        programmes=rows,
        by_slug=MappingProxyType({p.slug: p for p in rows}),
        everywhere=everywhere,
        by_area=MappingProxyType(
            {
                slug: tuple(sorted((*everywhere, *own), key=lambda p: p.slug))
                for slug, own in listed.items()
            }
        ),
        area_names=MappingProxyType(dict(areas)),
        matching_inputs=MappingProxyType({p.slug: for_matching(p) for p in rows}),
        reviews=MappingProxyType(
            {
                programme_id: Reviews(
                    len(given),
                    round(sum(given) / len(given), 1),
                    tuple(quotes.get(programme_id, ())),
                )
                for programme_id, given in ratings.items()
            }
        ),
    )


def shown_programmes(area: str | None = None) -> list[Programme]:
    """Every programme, or those offered to people living in ``area`` (listed for it, or for
    everywhere), by slug, from the worker's snapshot."""
    current = snapshot()
    if not area:
        return list(current.programmes)
    return list(current.by_area.get(area, current.everywhere))


def shown_programme(slug: str) -> Programme | None:
    """The programme, from the worker's snapshot."""
    return snapshot().by_slug.get(slug)


def shown_elsewhere(area: str) -> int:
    """How many programmes are only for people who live in other areas."""
    current = snapshot()
    return len(current.programmes) - len(current.by_area.get(area, current.everywhere))


def all_programmes() -> list[Programme]:
    """Every programme, from the database (for views that may write)."""
    return list(db.session.scalars(_programmes().order_by(Programme.slug)))


def programme(slug: str | None) -> Programme | None:
    return db.session.scalar(_programmes().where(Programme.slug == slug)) if slug else None


def upcoming_runs(programme: Programme, today: dt.date) -> list[CourseRun]:
    """Runs that have not started and have places left, soonest first."""
    return [r for r in programme.runs if r.start_date >= today and r.places_left > 0]


def practices() -> list[tuple[str, str]]:
    """(code, name) of every practice, by name."""
    rows = db.session.execute(select(Practice.code, Practice.name).order_by(Practice.name))
    return [(code, name) for code, name in rows]


def area_names() -> Mapping[str, str]:
    """Area slugs and names, by name, from the worker's snapshot."""
    return snapshot().area_names


def text_for(programme: Programme, locale: str) -> tuple[ProgrammeText, bool]:
    """The programme's text in ``locale``, else in English; and whether it fell back. A text
    that needs updating (the English changed since) falls back too."""
    by_locale = {t.locale: t for t in programme.texts}
    if locale in by_locale and not by_locale[locale].needs_update:
        return by_locale[locale], False
    return by_locale["en"], locale != "en"


def unverified(programme: Programme) -> frozenset[str]:
    """The programme's fields that only unverified sources support (seeds: ``about``)."""
    checked: set[str] = set()
    unchecked: set[str] = set()
    for source in programme.sources:
        (unchecked if source.get("unverified") else checked).update(source.get("about", ()))
    return frozenset(unchecked - checked)


def matching_input(programme: Programme) -> matching.Programme:
    """What matching needs of a programme: worked out once per snapshot for its own rows."""
    current = snapshot()
    if current.by_slug.get(programme.slug) is programme:
        return current.matching_inputs[programme.slug]
    return for_matching(programme)


def for_matching(programme: Programme) -> matching.Programme:
    return matching.Programme(
        slug=programme.slug,
        delivery=programme.delivery,
        diabetes_types=frozenset(programme.diabetes_types),
        stages=frozenset(programme.stages),
        self_referral=programme.self_referral,
        companion_welcome=programme.companion_welcome,
        covers_other_conditions=programme.covers_other_conditions,
        content_languages=frozenset(programme.content_languages),
        areas=tuple((a.slug, a.name) for a in programme.areas),
        newly_diagnosed_module=programme.newly_diagnosed_module,
        unverified=unverified(programme),
        runs=tuple(
            matching.Run(
                key=r.key,
                start_date=r.start_date,
                evening=r.evening,
                weekend=r.weekend,
                language=r.language,
                places_left=r.places_left,
                venue=r.venue.name if r.venue else None,
                step_free=r.venue.step_free if r.venue else None,
                start_time=r.start_time,
                end_time=r.end_time,
                sessions=r.sessions,
                pattern=r.pattern,
                borough=r.venue.area.name if r.venue else None,
                postcode=r.venue.postcode if r.venue else None,
            )
            for r in programme.runs
        ),
    )


def reviews(programme: Programme, quotes: int = QUOTES) -> Reviews:
    """Approved graduate feedback: how many, the average rating, the latest comments (from the
    worker's snapshot: a feedback waiting for moderation changes nothing patients see)."""
    found = snapshot().reviews.get(programme.id, NO_REVIEWS)
    return replace(found, quotes=found.quotes[:quotes])


def stale_before(today: dt.date) -> dt.date:
    """Entries last checked before this date may be out of date (FINDER_STALE_MONTHS)."""
    return add_months(today, -current_app.config["FINDER_STALE_MONTHS"])
