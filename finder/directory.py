"""Reads of the programme directory: from the database, or from a worker's read-only copy."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Select, func, select
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


@dataclass
class Copy:
    """The whole directory as objects detached from any session, shared by a worker's threads.

    Pages that only show the directory read it (no query: a third of a results page's time);
    it is read again when the directory version changes (raised by triggers on every change,
    migration 0008), which each worker checks at most every FINDER_DIRECTORY_CHECK_SECONDS.
    Never attach these objects to a session: views that write read the database instead."""

    check_seconds: float
    # The clock the check interval is measured on; tests move their own instead of sleeping.
    clock: Callable[[], float] = time.monotonic
    version: int = -1
    checked_at: float = -math.inf
    seen: int = -1  # the version last read from the database
    programmes: tuple[Programme, ...] = ()
    by_slug: dict[str, Programme] = field(default_factory=dict)
    everywhere: tuple[Programme, ...] = ()  # offered in every area (no areas listed)
    by_area: dict[str, tuple[Programme, ...]] = field(default_factory=dict)  # and those
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


def _copy() -> Copy:
    copy: Copy = current_app.extensions["finder_directory"]
    wanted = version()
    if copy.version != wanted:
        with copy.lock:  # one thread reads; the others wait for its copy
            if copy.version != wanted:
                with Session(db.engine.execution_options(**{READS_ONLY: True})) as session:
                    rows = tuple(session.scalars(_programmes().order_by(Programme.slug)))
                    session.expunge_all()
                _index(copy, rows)
                copy.version = wanted
    return copy


def _index(copy: Copy, rows: tuple[Programme, ...]) -> None:
    """Who is offered what, worked out once per copy (a national directory has 5,000)."""
    rows = tuple(p for p in rows if p.state != "retired")  # patients no longer see these
    everywhere = tuple(p for p in rows if not p.areas)
    listed: dict[str, list[Programme]] = {}
    for programme in rows:
        for area in programme.areas:
            listed.setdefault(area.slug, []).append(programme)
    copy.programmes, copy.by_slug = rows, {p.slug: p for p in rows}
    copy.everywhere = everywhere
    copy.by_area = {
        slug: tuple(sorted((*everywhere, *own), key=lambda p: p.slug))
        for slug, own in listed.items()
    }


def shown_programmes(area: str | None = None) -> list[Programme]:
    """Every programme, or those offered to people living in ``area`` (listed for it, or for
    everywhere), by slug, from the worker's read-only copy."""
    copy = _copy()
    if not area:
        return list(copy.programmes)
    return list(copy.by_area.get(area, copy.everywhere))


def shown_programme(slug: str) -> Programme | None:
    """The programme, from the worker's read-only copy (see Copy)."""
    return _copy().by_slug.get(slug)


def shown_elsewhere(area: str) -> int:
    """How many programmes are only for people who live in other areas."""
    copy = _copy()
    return len(copy.programmes) - len(copy.by_area.get(area, copy.everywhere))


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


def area_names() -> dict[str, str]:
    rows = db.session.execute(select(Area.slug, Area.name).order_by(Area.name))
    return {slug: name for slug, name in rows}


def text_for(programme: Programme, locale: str) -> tuple[ProgrammeText, bool]:
    """The programme's text in ``locale``, else in English; and whether it fell back. A text
    that needs updating (the English changed since) falls back too."""
    by_locale = {t.locale: t for t in programme.texts}
    if locale in by_locale and not by_locale[locale].needs_update:
        return by_locale[locale], False
    return by_locale["en"], locale != "en"


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
            )
            for r in programme.runs
        ),
    )


@dataclass(frozen=True)
class Reviews:
    count: int
    average: float | None
    quotes: list[Feedback]


def reviews(programme: Programme, quotes: int = 3) -> Reviews:
    """Approved graduate feedback: how many, the average rating, the latest comments."""
    approved = select(Feedback).where(
        Feedback.programme_id == programme.id, Feedback.status == "approved"
    )
    rated = approved.subquery()
    count, average = db.session.execute(select(func.count(), func.avg(rated.c.rating))).one()
    latest = db.session.scalars(
        approved.where(Feedback.comment != "").order_by(Feedback.created_at.desc()).limit(quotes)
    ).all()
    return Reviews(int(count), round(float(average), 1) if average else None, list(latest))


def stale_before(today: dt.date) -> dt.date:
    """Entries last checked before this date may be out of date (FINDER_STALE_MONTHS)."""
    return add_months(today, -current_app.config["FINDER_STALE_MONTHS"])
