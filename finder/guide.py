"""The conversation guide: talking points that answer the concerns a patient gave.

For clinicians in a consultation (study: HCPs "tick a box" instead of "selling it"). Each point
is keyed by a concern read from the circumstances and by how the programme is delivered, says
what the card beside it says (the preferences the option meets), and rests on a source named
beside it; with no concern given, it says why NICE recommends the option.
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
    # Study: online DSME "most beneficial for those who would have difficulty in attending
    # group-based DSME due to other commitments (work, caring responsibilities)".
    ("work", "online"): _l("It is open day and night, so it fits around work or caring."),
    ("work", "group"): _l("Point out the evening and weekend dates on the card, if there are any."),
    # Healthy Living: a carer or relative can sign up (reference/programmes.md 1.1).
    ("computer", "online"): _l(
        "It needs a phone, tablet or computer. A relative or carer can sign up too and help."
    ),
    ("computer", "group"): _l("They do not need a computer or the internet."),
    # Study: online suits "those who disliked groups" and who "preferred to learn at their
    # own pace".
    ("groups", "online"): _l("They learn alone, at home, at their own pace."),
    # Study: group education's strength is "the social and peer support".
    ("groups", "group"): _l(
        "Groups give support from other people with diabetes. Check the card for whether they "
        "can bring someone with them."
    ),
    ("reading", "online"): _l("Most of it is reading on a screen, so a group may suit better."),
    ("reading", "group"): _l("It is face to face, so they can listen and ask questions."),
}
# NICE NG28 1.2.4 (reference/programmes.md 3.1): said when no concern was entered.
DEFAULT: dict[str, LazyString] = {
    "group": _l("NICE recommends group education as the first choice (NG28 1.2.4)."),
    "online": _l(
        "NICE says to offer an alternative to group education for people who cannot or "
        "prefer not to join a group (NG28 1.2.4)."
    ),
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


def _language(option: Option) -> LazyString:
    """What the card says about their language, never the opposite."""
    if "language" in option.met:
        return _l("It is in their language: the card shows when and where.")
    if option.programme.delivery == "online":
        return _l("It is only in English: a relative can help, or they can use a translation tool.")
    # NICE NG28 1.2.5: programmes should meet people's linguistic needs.
    return _l("There is no course in their language: offer an interpreter or a relative to help.")


def _companion(option: Option) -> LazyString:
    if "companion" in option.met:
        return _l("A relative, friend or carer is welcome.")
    if option.programme.companion_welcome is False:
        return _l("They cannot bring someone to this course.")
    return _l("It is not confirmed whether they can bring someone: ask the provider.")


def talking_points(person: Circumstances, option: Option) -> list[LazyString]:
    """What to say about an option: an answer to each concern the patient gave, in the same
    terms as the card beside it; with no concern given, why NICE recommends it."""
    delivery = option.programme.delivery
    points = []
    for concern in concerns(person):
        if concern == "language":
            points.append(_language(option))
        elif concern == "companion":
            points.append(_companion(option))
        else:
            points.append(POINTS[(concern, delivery)])
    if person.diagnosed == "recent" and option.programme.newly_diagnosed_module:
        points.append(_l("It has a module for people diagnosed in the last 12 months."))
    return points or [DEFAULT[delivery]]


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
