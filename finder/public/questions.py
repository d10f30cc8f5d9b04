"""The finder's questions: the words for each parameter of the circumstances vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from finder.circumstances import CHOICES, PARAMETERS, Circumstances
from finder.i18n import native_name
from finder.policy import COURSE_LANGUAGES

# Answers after which no more questions are asked: the results point to other education.
STOPS_EARLY = ("prediabetes", "type1")


@dataclass(frozen=True)
class Question:
    name: str
    title: LazyString
    hint: LazyString | None
    labels: dict[str, LazyString]


QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question(
            "diabetes",
            _l("Which type of diabetes do you have?"),
            None,
            {
                "type2": _l("Type 2 diabetes"),
                "type1": _l("Type 1 diabetes"),
                "unsure": _l("I'm not sure which type I have"),
                "prediabetes": _l("I have been told I'm at risk of diabetes (prediabetes)"),
            },
        ),
        Question(
            "diagnosed",
            _l("Did you find out you have diabetes in the last 12 months?"),
            None,
            {"recent": _l("Yes, in the last 12 months"), "established": _l("No, longer ago")},
        ),
        Question(
            "daytime",
            _l("Can you go to a course on a weekday, during the day?"),
            _l("Think about work, caring for someone, or other things you do in the day."),
            {"yes": _l("Yes"), "no": _l("No")},
        ),
        Question(
            "evenings",
            _l("Could you go to a course in the evening?"),
            None,
            {"yes": _l("Yes"), "no": _l("No")},
        ),
        Question(
            "weekends",
            _l("Could you go to a course at the weekend?"),
            None,
            {"yes": _l("Yes"), "no": _l("No")},
        ),
        Question(
            "learning",
            _l("How do you like to learn?"),
            None,
            {
                "group": _l("With other people, in a group"),
                "own_pace": _l("On my own, at my own pace"),
                "either": _l("Either is fine"),
            },
        ),
        Question(
            "group_worry",
            _l("Would being in a group make you feel worried or anxious?"),
            None,
            {"yes": _l("Yes"), "no": _l("No")},
        ),
        Question(
            "computer",
            _l("Are you happy using the internet on a phone, tablet or computer?"),
            None,
            {
                "confident": _l("Yes, I use it on my own"),
                "with_help": _l("Yes, if someone helps me"),
                "no": _l("No"),
            },
        ),
        Question(
            "language",
            _l("Which language would you like the course to be in?"),
            None,
            {},  # filled from COURSE_LANGUAGES, each named in its own language
        ),
        Question(
            "reading",
            _l("How do you feel about reading health information?"),
            None,
            {
                "confident": _l("I'm happy reading it"),
                "some_help": _l("I sometimes need help with it"),
                "spoken": _l("I would rather listen or talk"),
            },
        ),
        Question(
            "companion",
            _l("Would you like to bring a relative, friend or carer with you?"),
            None,
            {"yes": _l("Yes"), "no": _l("No")},
        ),
        Question(
            "conditions",
            _l("Do you have any other long-term health conditions?"),
            _l("For example, heart disease, asthma, arthritis or depression."),
            {"yes": _l("Yes"), "no": _l("No")},
        ),
        Question(
            "area",
            _l("Where do you live?"),
            _l("Choose your borough. This tells us which courses are near you."),
            {},  # filled from the directory's areas
        ),
    )
}
assert tuple(QUESTIONS) == PARAMETERS  # noqa: S101 - one question per parameter, in order
assert all(set(QUESTIONS[n].labels) == set(v) for n, v in CHOICES.items())  # noqa: S101


def options(name: str, areas: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (value, label) answers to one question."""
    if name == "language":
        return [(tag, native_name(tag)) for tag in COURSE_LANGUAGES]
    if name == "area":
        return list(areas.items())
    return [(value, str(QUESTIONS[name].labels[value])) for value in CHOICES[name]]


def radio_items(name: str, areas: Mapping[str, str], current: str | None) -> list[dict[str, Any]]:
    """The answers as NHS.UK radio items; language names are marked with their language."""
    items: list[dict[str, Any]] = []
    for value, text in options(name, areas):
        item: dict[str, Any] = {"value": value, "checked": value == current}
        if name == "language":
            item["html"] = Markup('<span lang="{}">{}</span>').format(value, text)
        else:
            item["text"] = text
        items.append(item)
    return items


def label(name: str, value: str, areas: Mapping[str, str]) -> str:
    return dict(options(name, areas)).get(value, value)


def next_question(name: str, person: Circumstances) -> str | None:
    """The question after ``name``, or None when it is time to check the answers."""
    if person.diabetes in STOPS_EARLY:
        return None  # no course here applies; the results point elsewhere first
    index = PARAMETERS.index(name) + 1
    return PARAMETERS[index] if index < len(PARAMETERS) else None


def previous_question(name: str) -> str | None:
    index = PARAMETERS.index(name)
    return PARAMETERS[index - 1] if index > 0 else None


ERRORS: dict[str, LazyString] = {
    "diabetes": _l("Select which type of diabetes you have"),
    "diagnosed": _l("Select if you found out in the last 12 months"),
    "daytime": _l("Select if you can go on a weekday, during the day"),
    "evenings": _l("Select if you could go in the evening"),
    "weekends": _l("Select if you could go at the weekend"),
    "learning": _l("Select how you like to learn"),
    "group_worry": _l("Select if being in a group would make you worried"),
    "computer": _l("Select if you are happy using the internet"),
    "language": _l("Select a language from the list"),
    "reading": _l("Select how you feel about reading health information"),
    "companion": _l("Select if you would like to bring someone"),
    "conditions": _l("Select if you have other long-term health conditions"),
    "area": _l("Select where you live from the list"),
}
assert tuple(ERRORS) == PARAMETERS  # noqa: S101
