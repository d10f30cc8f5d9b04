"""Reads of the programme directory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from finder import matching
from finder.dates import add_months
from finder.extensions import db
from finder.models import Area, CourseRun, Feedback, Practice, Programme, ProgrammeText


def _programmes() -> Select[Any]:
    """Programmes with everything the pages read, loaded in a few queries."""
    return select(Programme).options(
        selectinload(Programme.texts),
        selectinload(Programme.areas),
        selectinload(Programme.provider),
        selectinload(Programme.runs).selectinload(CourseRun.venue),
    )


def _offered_in(area: str) -> ColumnElement[bool]:
    """Programmes for the area, or for everywhere (no areas listed)."""
    return or_(Programme.areas.any(Area.slug == area), ~Programme.areas.any())


def all_programmes(area: str | None = None) -> list[Programme]:
    """Every programme, or only those a person living in ``area`` can go to."""
    query = _programmes().order_by(Programme.slug)
    if area:
        query = query.where(_offered_in(area))
    return list(db.session.scalars(query))


def elsewhere(area: str) -> int:
    """How many programmes are only for people who live in other areas."""
    query = select(func.count()).select_from(Programme).where(~_offered_in(area))
    return db.session.scalar(query) or 0


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
    """The programme's text in ``locale``, else in English; and whether it fell back."""
    by_locale = {t.locale: t for t in programme.texts}
    if locale in by_locale:
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
