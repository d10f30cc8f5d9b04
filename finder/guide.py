"""The conversation guide: talking points that answer the concerns a patient gave.

For clinicians in a consultation (study: HCPs "tick a box" instead of "selling it"). Each point
is keyed by a concern read from the circumstances and by how the programme is delivered.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from finder.circumstances import Circumstances
from finder.matching import Option

STUDY = "https://bmjopen.bmj.com/content/9/7/e029961"
# Translators: staff-facing. The figure is from the study's introduction (Ross et al. 2019).
BENEFIT = _l(
    "People who do no diabetes education have 4 times the risk of complications "
    "(Ross et al., BMJ Open 2019)."
)

POINTS: dict[tuple[str, str], LazyString] = {
    ("work", "online"): _l("It is open day and night, so it fits around work or caring."),
    ("work", "group"): _l("Point out the evening and weekend dates, if there are any."),
    ("computer", "online"): _l(
        "Reception can help them sign up, and a relative can help them use it."
    ),
    ("computer", "group"): _l("They do not need a computer or the internet."),
    ("groups", "online"): _l("They learn alone, at home, at their own pace."),
    ("groups", "group"): _l(
        "Groups are small, nobody has to speak, and they can bring someone with them."
    ),
    ("language", "online"): _l(
        "It is only in English: a relative can help, or they can use a translation tool."
    ),
    ("language", "group"): _l(
        "Check for a course in their language; if there is none, offer an interpreter or "
        "a relative to help."
    ),
    ("reading", "online"): _l("Most of it is reading on a screen, so a group may suit better."),
    ("reading", "group"): _l("It is mostly talking and listening, not reading."),
    ("companion", "online"): _l("A relative or carer can sign up and use it too."),
    ("companion", "group"): _l("Ask the provider whether a relative or carer can come too."),
}


def concerns(person: Circumstances) -> list[str]:
    found = []
    if "no" in (person.daytime,):
        found.append("work")
    if person.computer in ("no", "with_help"):
        found.append("computer")
    if person.group_worry == "yes":
        found.append("groups")
    if person.language and person.language != "en":
        found.append("language")
    if person.reading in ("some_help", "spoken"):
        found.append("reading")
    if person.companion == "yes":
        found.append("companion")
    return found


def talking_points(person: Circumstances, option: Option) -> list[LazyString]:
    delivery = option.programme.delivery
    points = [POINTS[(concern, delivery)] for concern in concerns(person)]
    if "companion" in concerns(person) and option.programme.companion_welcome:
        points[concerns(person).index("companion")] = _l("A relative, friend or carer is welcome.")
    return points


def suits(delivery: str) -> list[LazyString]:
    if delivery == "online":
        return [
            _l("People who work or care for someone in the day."),
            _l("People who like to learn alone, at their own pace."),
            _l("People who feel anxious in groups."),
        ]
    return [
        _l("People who like to learn with others and share experiences."),
        _l("People who prefer talking and listening to reading."),
        _l("People who do not use computers."),
    ]


def may_not_suit(delivery: str) -> list[LazyString]:
    if delivery == "online":
        return [
            _l("People who do not use the internet (offer help to register, or a group)."),
            _l("People who do not read English well (it is only in English)."),
        ]
    return [
        _l("People who cannot come at the times of the next courses."),
        _l("People who would find a group too stressful."),
    ]
