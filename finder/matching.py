"""Matching: from a person's circumstances and the directory to the ranked menu of options.

A pure function (no Flask, no database). It never drops an option: it gives each a fit, the
reasons for it, the cautions against it and the preferences it meets, and orders them.

The fit comes only from cautions, and every caution is triggered by an answer the person gave,
so leaving a question unanswered can never make an option worse.

How the menu ranks (the rule a clinician can check; README "How the menu ranks"):

1. Fit first: good, then possible ("could suit you"), then unlikely, then not for you.
2. Within a fit, what the person said they want comes first: the option that meets more of
   their stated preferences ranks higher. The preferences are: learning in a group or at their
   own pace (and not in a group, if a group would make them anxious), their language, the times
   they can come (when they ruled a time out), and bringing someone.
3. Then fewer cautions (things to think about that lower the fit) rank higher.
4. Then, for someone who found out in the last 12 months, a course with a version designed for
   the newly diagnosed (DESMOND's Newly Diagnosed module) comes first.
5. Then group education comes before online (NICE NG28 1.2.4: group education is the preferred
   option, with an alternative for people who cannot or prefer not to join a group).
6. Then the sooner start, then the programme's name (slug), so the order is always the same.
   The online option has no start date; it never wins a tie for lack of one (rule 5 comes first).

Facts the directory marks unverified (e.g. DSMP's type 1 eligibility) are never a reason: a
programme whose eligibility for the person's type is unconfirmed is "unlikely", with a caution
that says so, and an unconfirmed benefit is a note "to be confirmed" that ranks nothing.

Each group option shows the run that best fits the person: one in their language first, then
one at a time they can come, then the soonest. A caution about another run names that run.

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
TYPE1_EDUCATION = "type1-education"
# The person's stated preferences, in the order a card lists them.
PREFERENCES = ("learning", "group_worry", "language", "times", "companion")
# How a run meets: weekly on the same day, on one day, or over a few half days.
PATTERNS = ("weekly", "one_day", "half_days")


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
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    sessions: int = 1
    pattern: str = "weekly"
    borough: str | None = None
    postcode: str | None = None

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
    # Has a version designed for people diagnosed in the last 12 months (DESMOND's module).
    newly_diagnosed_module: bool = False
    # Facts the directory's sources mark unverified, by field name ("diabetes_types", ...).
    unverified: frozenset[str] = frozenset()


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
    met: tuple[str, ...] = ()  # the stated preferences this option meets (PREFERENCES)


@dataclass(frozen=True)
class Menu:
    options: tuple[Option, ...]
    see_also: str | None = None  # education outside the directory to point to first


def match(
    person: Circumstances,
    programmes: list[Programme] | tuple[Programme, ...],
    today: dt.date,
    long_wait_days: int = 42,
) -> Menu:
    options = [_assess(person, p, today, long_wait_days) for p in programmes]
    options.sort(key=lambda o: rank(person, o))
    see_also = {"prediabetes": PREVENTION_PROGRAMME, "type1": TYPE1_EDUCATION}
    return Menu(tuple(options), see_also.get(person.diabetes or ""))


def rank(person: Circumstances, option: Option) -> tuple[int, int, int, bool, bool, int, str]:
    """The sort key of the rule in this module's docstring, one element per step."""
    lowering = sum(1 for c in option.cautions if c.severity >= Severity.MINOR)
    programme = option.programme
    newly = person.diagnosed == "recent" and programme.newly_diagnosed_module
    return (
        FITS.index(option.fit),
        -len(option.met),
        lowering,
        not newly,
        programme.delivery != "group",
        option.days_to_start if option.days_to_start is not None else 0,
        programme.slug,
    )


def stated(person: Circumstances) -> tuple[str, ...]:
    """The preferences the person stated, in PREFERENCES order."""
    said = {
        "learning": person.learning in ("group", "own_pace"),
        "group_worry": person.group_worry == "yes",
        "language": person.language is not None,
        "times": "no" in (person.daytime, person.evenings, person.weekends),
        "companion": person.companion == "yes",
    }
    return tuple(p for p in PREFERENCES if said[p])


def _assess(person: Circumstances, prog: Programme, today: dt.date, long_wait: int) -> Option:
    reasons: list[Message] = []
    cautions: list[Message] = []
    met: set[str] = set()
    cautions += _eligibility(person, prog)
    if prog.delivery == "online":
        _online(person, prog, reasons, cautions, met)
        run = None
    else:
        run = _group(person, prog, today, long_wait, reasons, cautions, met)
    if person.companion == "yes":
        if prog.companion_welcome and "companion_welcome" in prog.unverified:
            cautions.append(Message("companion_unconfirmed"))
        elif prog.companion_welcome:
            met.add("companion")
            reasons.append(Message("bring_someone_" + prog.delivery))
        elif prog.companion_welcome is False:
            cautions.append(Message("no_companion", severity=Severity.MINOR))
        else:
            cautions.append(Message("companion_unknown"))
    if person.conditions == "yes" and prog.covers_other_conditions:
        if "covers_other_conditions" in prog.unverified:
            cautions.append(Message("other_conditions_unconfirmed"))
        else:
            reasons.append(Message("other_conditions"))
    if "availability" in prog.unverified:
        cautions.append(Message("availability_unconfirmed"))
    if person.diagnosed == "recent" and prog.newly_diagnosed_module:
        reasons.append(Message("newly_diagnosed_module"))
    worst = max((c.severity for c in cautions), default=Severity.NOTE)
    return Option(
        programme=prog,
        fit=FITS[worst],
        reasons=tuple(reasons),
        cautions=tuple(sorted(cautions, key=lambda c: -c.severity)),
        next_run=run,
        days_to_start=(run.start_date - today).days if run else None,
        met=tuple(p for p in PREFERENCES if p in met),
    )


def _eligibility(person: Circumstances, prog: Programme) -> list[Message]:
    bars: list[Message] = []
    confirmed = (
        prog.diabetes_types
        if "diabetes_types" not in prog.unverified or len(prog.diabetes_types) == 1
        else prog.diabetes_types & {"type2"}
    )
    if person.diabetes == "prediabetes":
        bars.append(Message("for_diagnosed_diabetes", severity=Severity.BAR))
    elif person.diabetes in ("type1", "type2") and person.diabetes not in prog.diabetes_types:
        only = "type2" if "type2" in prog.diabetes_types else "type1"
        bars.append(Message("only_" + only, severity=Severity.BAR))
    elif person.diabetes in ("type1", "type2") and person.diabetes not in confirmed:
        code = "type_unconfirmed_" + person.diabetes
        bars.append(Message(code, severity=Severity.MAJOR))
    elif person.diabetes == "unsure":
        # Never better than "possible": the first step is a blood test, not a course.
        bars.append(Message("check_type", severity=Severity.MINOR))
    if person.diagnosed and person.diagnosed not in prog.stages:
        bars.append(Message("only_" + next(iter(sorted(prog.stages))), severity=Severity.BAR))
    area_slugs = [slug for slug, _ in prog.areas]
    if person.area and area_slugs and person.area not in area_slugs:
        names = [name for _, name in prog.areas]
        bars.append(Message("only_in_areas", {"areas": names}, Severity.BAR))
    return bars


def _learning(
    person: Circumstances,
    alone: bool,
    reasons: list[Message],
    cautions: list[Message],
    met: set[str],
) -> None:
    """How the person likes to learn, for a course done alone (online) or in a group."""
    if person.learning == ("own_pace" if alone else "group"):
        met.add("learning")
        reasons.append(Message("own_pace" if alone else "likes_group"))
    elif person.learning in ("group", "own_pace"):
        code = "online_not_group" if alone else "group_not_own_pace"
        cautions.append(Message(code, severity=Severity.MINOR))
    if person.group_worry == "yes":
        if alone:
            met.add("group_worry")
            reasons.append(Message("online_no_group"))
        else:
            cautions.append(Message("group_worry", severity=Severity.MINOR))


def _online(
    person: Circumstances,
    prog: Programme,
    reasons: list[Message],
    cautions: list[Message],
    met: set[str],
) -> None:
    if person.computer == "confident":
        reasons.append(Message("online_confident"))
    elif person.computer == "with_help":
        cautions.append(Message("online_with_help", severity=Severity.MINOR))
    elif person.computer == "no":
        cautions.append(Message("online_no_computer", severity=Severity.MAJOR))
    if "times" in stated(person):
        met.add("times")
        reasons.append(Message("online_any_time"))
    _learning(person, True, reasons, cautions, met)
    if person.reading == "spoken":
        cautions.append(Message("online_reading", severity=Severity.MINOR))
    elif person.reading == "some_help":
        cautions.append(Message("online_reading_help"))
    if person.language:
        if person.language in prog.content_languages:
            met.add("language")
            if person.language != "en":
                reasons.append(Message("in_your_language", {"language": person.language}))
        elif prog.content_languages == {"en"}:
            cautions.append(Message("online_english_only", severity=Severity.MINOR))
        else:
            params = {"language": person.language}
            cautions.append(Message("online_not_in_language", params, Severity.MINOR))


def best_run(person: Circumstances, runs: list[Run]) -> Run:
    """The run that fits best: in the person's language, then at a time they can come, then
    the soonest."""
    return min(
        runs,
        key=lambda r: (
            bool(person.language) and r.language != person.language,
            getattr(person, r.slot) == "no",
            r.start_date,
            r.key,
        ),
    )


def _group(
    person: Circumstances,
    prog: Programme,
    today: dt.date,
    long_wait: int,
    reasons: list[Message],
    cautions: list[Message],
    met: set[str],
) -> Run | None:
    upcoming = [r for r in prog.runs if r.start_date >= today and r.places_left > 0]
    if person.computer == "no":
        reasons.append(Message("no_computer_needed"))
    if person.reading in ("spoken", "some_help"):
        reasons.append(Message("talk_and_listen"))
    _learning(person, False, reasons, cautions, met)
    if not upcoming:
        cautions.append(Message("no_dates", severity=Severity.MAJOR))
        return None

    at_their_times = sorted(
        (r for r in upcoming if getattr(person, r.slot) != "no"), key=lambda r: r.start_date
    )
    in_language = any(r.language == person.language for r in upcoming)
    run = best_run(person, upcoming)
    if person.language:
        if in_language:
            met.add("language")
            if person.language != "en":
                reasons.append(Message("course_in_language", {"language": person.language}))
        elif {r.language for r in upcoming} == {"en"}:
            welcome = prog.companion_welcome and "companion_welcome" not in prog.unverified
            code = "group_english_only_bring" if welcome else "group_english_only"
            cautions.append(Message(code, severity=Severity.MINOR))
        else:
            params = {"language": person.language}
            cautions.append(Message("no_course_in_language", params, Severity.MINOR))
    if not at_their_times:
        cautions.append(Message("no_fitting_time", severity=Severity.MAJOR))
    else:
        if "times" in stated(person):
            met.add("times")
        if run not in at_their_times:
            # Their language, but not at their time: say so, and name the run that is.
            other: dict[str, Any] = {"run": at_their_times[0], "language": run.language}
            cautions.append(Message("language_run_other_time", other, Severity.MINOR))
        if person.daytime == "no" and run.slot != "daytime":
            code = "weekend_course" if run.weekend else "evening_course"
            reasons.append(Message(code, {"date": run.start_date}))
        soonest = (at_their_times[0].start_date - today).days
        if soonest > long_wait:
            cautions.append(Message("long_wait", {"days": soonest}, Severity.MINOR))
    return run
