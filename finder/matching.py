"""Matching: from a person's circumstances and the directory to the ranked menu of options.

A pure function (no Flask, no database). It never drops an option: it gives each a fit, the
reasons for it and the cautions against it, and orders them. The fit comes only from cautions,
and every caution is triggered by an answer the person gave, so leaving a question unanswered
can never make an option worse. Reasons order options within the same fit.

Each reason and caution is a ``Message``: a code and its parameters. The English text for every
code is in ``finder.messages``, where it is translated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from finder.circumstances import Circumstances

FITS = ("good", "possible", "unlikely", "not_eligible")
PREVENTION_PROGRAMME = "nhs-diabetes-prevention-programme"


class Severity(IntEnum):
    NOTE = 0  # worth saying, does not lower the fit
    MINOR = 1  # "possible"
    MAJOR = 2  # "unlikely": could take it, but something stands in the way
    BAR = 3  # "not_eligible"


@dataclass(frozen=True)
class Run:
    key: str
    start_date: dt.date
    evening: bool
    weekend: bool
    language: str
    places_left: int
    venue: str | None = None
    step_free: bool | None = None

    @property
    def slot(self) -> str:
        """Which availability question this run's time answers."""
        if self.weekend:
            return "weekends"
        return "evenings" if self.evening else "daytime"


@dataclass(frozen=True)
class Programme:
    slug: str
    delivery: str  # "online" or "group"
    diabetes_types: frozenset[str]
    stages: frozenset[str]
    self_referral: bool
    companion_welcome: bool | None
    covers_other_conditions: bool
    content_languages: frozenset[str]
    areas: tuple[tuple[str, str], ...] = ()  # (slug, name); empty means everywhere
    runs: tuple[Run, ...] = ()


@dataclass(frozen=True)
class Message:
    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    severity: Severity = Severity.NOTE


@dataclass(frozen=True)
class Option:
    programme: Programme
    fit: str
    reasons: tuple[Message, ...]
    cautions: tuple[Message, ...]
    next_run: Run | None
    days_to_start: int | None


@dataclass(frozen=True)
class Menu:
    options: tuple[Option, ...]
    see_also: str | None = None  # a programme outside the directory to point to


def match(
    person: Circumstances,
    programmes: list[Programme] | tuple[Programme, ...],
    today: dt.date,
    long_wait_days: int = 42,
) -> Menu:
    options = [_assess(person, p, today, long_wait_days) for p in programmes]
    options.sort(key=_rank)
    see_also = PREVENTION_PROGRAMME if person.diabetes == "prediabetes" else None
    return Menu(tuple(options), see_also)


def _rank(option: Option) -> tuple[int, int, int, str]:
    days = option.days_to_start if option.days_to_start is not None else 0
    return (FITS.index(option.fit), -len(option.reasons), days, option.programme.slug)


def _assess(person: Circumstances, prog: Programme, today: dt.date, long_wait: int) -> Option:
    reasons: list[Message] = []
    cautions: list[Message] = []
    cautions += _eligibility(person, prog)
    if prog.delivery == "online":
        _online(person, prog, reasons, cautions)
        run = None
    else:
        run = _group(person, prog, today, long_wait, reasons, cautions)
    if person.companion == "yes":
        if prog.companion_welcome:
            reasons.append(Message("bring_someone_" + prog.delivery))
        elif prog.companion_welcome is False:
            cautions.append(Message("no_companion", severity=Severity.MINOR))
    if person.conditions == "yes" and prog.covers_other_conditions:
        reasons.append(Message("other_conditions"))
    worst = max((c.severity for c in cautions), default=Severity.NOTE)
    return Option(
        programme=prog,
        fit=FITS[worst],
        reasons=tuple(reasons),
        cautions=tuple(sorted(cautions, key=lambda c: -c.severity)),
        next_run=run,
        days_to_start=(run.start_date - today).days if run else None,
    )


def _eligibility(person: Circumstances, prog: Programme) -> list[Message]:
    bars: list[Message] = []
    if person.diabetes == "prediabetes":
        bars.append(Message("for_diagnosed_diabetes", severity=Severity.BAR))
    elif person.diabetes in ("type1", "type2") and person.diabetes not in prog.diabetes_types:
        only = "type2" if "type2" in prog.diabetes_types else "type1"
        bars.append(Message("only_" + only, severity=Severity.BAR))
    elif person.diabetes == "unsure" and len(prog.diabetes_types) == 1:
        (only,) = prog.diabetes_types
        bars.append(Message("check_type_" + only, severity=Severity.NOTE))
    if person.diagnosed and person.diagnosed not in prog.stages:
        bars.append(Message("only_" + next(iter(sorted(prog.stages))), severity=Severity.BAR))
    area_slugs = [slug for slug, _ in prog.areas]
    if person.area and area_slugs and person.area not in area_slugs:
        names = [name for _, name in prog.areas]
        bars.append(Message("only_in_areas", {"areas": names}, Severity.BAR))
    return bars


def _online(
    person: Circumstances, prog: Programme, reasons: list[Message], cautions: list[Message]
) -> None:
    if person.computer == "confident":
        reasons.append(Message("online_confident"))
    elif person.computer == "with_help":
        cautions.append(Message("online_with_help", severity=Severity.MINOR))
    elif person.computer == "no":
        cautions.append(Message("online_no_computer", severity=Severity.MAJOR))
    if "no" in (person.daytime, person.evenings, person.weekends):
        reasons.append(Message("online_any_time"))
    if person.learning == "own_pace":
        reasons.append(Message("own_pace"))
    elif person.learning == "group":
        cautions.append(Message("online_not_group", severity=Severity.MINOR))
    if person.group_worry == "yes":
        reasons.append(Message("online_no_group"))
    if person.reading == "spoken":
        cautions.append(Message("online_reading", severity=Severity.MINOR))
    if person.language and person.language != "en":
        if person.language in prog.content_languages:
            reasons.append(Message("in_your_language", {"language": person.language}))
        else:
            cautions.append(Message("online_english_only", severity=Severity.MINOR))


def _group(
    person: Circumstances,
    prog: Programme,
    today: dt.date,
    long_wait: int,
    reasons: list[Message],
    cautions: list[Message],
) -> Run | None:
    upcoming = [r for r in prog.runs if r.start_date >= today and r.places_left > 0]
    upcoming.sort(key=lambda r: (r.start_date, r.key))
    if person.computer == "no":
        reasons.append(Message("no_computer_needed"))
    if person.reading == "spoken":
        reasons.append(Message("talk_and_listen"))
    if person.learning == "group":
        reasons.append(Message("likes_group"))
    elif person.learning == "own_pace":
        cautions.append(Message("group_not_own_pace", severity=Severity.MINOR))
    if person.group_worry == "yes":
        cautions.append(Message("group_worry", severity=Severity.MINOR))
    if not upcoming:
        cautions.append(Message("no_dates", severity=Severity.MAJOR))
        return None

    # A run fits if it is at a time the person did not rule out.
    fitting = [r for r in upcoming if getattr(person, r.slot) != "no"]
    if person.language and person.language != "en":
        own_language = [r for r in fitting if r.language == person.language]
        if own_language:
            fitting = own_language
            reasons.append(Message("course_in_language", {"language": person.language}))
        elif any(r.language == person.language for r in upcoming):
            params = {"language": person.language}
            cautions.append(Message("language_course_other_time", params, Severity.MINOR))
        else:
            code = "group_english_only_bring" if prog.companion_welcome else "group_english_only"
            cautions.append(Message(code, severity=Severity.MINOR))
    if not fitting:
        cautions.append(Message("no_fitting_time", severity=Severity.MAJOR))
        return upcoming[0]

    run = fitting[0]
    if person.daytime == "no" and run.slot != "daytime":
        code = "weekend_course" if run.weekend else "evening_course"
        reasons.append(Message(code, {"date": run.start_date}))
    days = (run.start_date - today).days
    if days > long_wait:
        cautions.append(Message("long_wait", {"days": days}, Severity.MINOR))
    return run
