"""The words for every reason and caution that matching gives, and how they are shown.

Texts are marked with ``N_`` so ``pybabel extract`` finds them; they are translated when shown,
in the language of the page. Each is one whole sentence with named placeholders.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from babel.lists import format_list as babel_format_list
from flask_babel import format_date, format_time, get_locale, gettext, ngettext

from finder import i18n
from finder.matching import Message, Run


def N_(text: str) -> str:
    return text


TEXTS: dict[str, str] = {
    # Translators: shown when someone has prediabetes; every course is then marked "not for you".
    "for_diagnosed_diabetes": N_(
        "This course is for people who have diabetes. "
        "If you are at risk of diabetes, the NHS Diabetes Prevention Programme can help."
    ),
    "only_type2": N_("This course is only for people with type 2 diabetes."),
    "only_type1": N_("This course is only for people with type 1 diabetes."),
    "check_type": N_(
        "First ask your GP practice for a blood test to find out which type of diabetes you have."
    ),
    "type_unconfirmed_type1": N_(
        "It is not confirmed that this course is for type 1 diabetes. Ask your diabetes team."
    ),
    "type_unconfirmed_type2": N_(
        "It is not confirmed that this course is for type 2 diabetes. Ask your GP practice."
    ),
    "only_established": N_("This course is for people who have had diabetes for more than a year."),
    "only_recent": N_("This course is for people who found out they have diabetes this year."),
    # Translators: %(areas)s is a list of place names, such as "Camden and Islington".
    "only_in_areas": N_("This course is only for people who live in %(areas)s."),
    "online_confident": N_("You are happy using the internet, and this course is online."),
    "online_with_help": N_("This course is online. You may need someone to help you get started."),
    "online_no_computer": N_(
        "This course is online, so you need to use a phone, tablet or computer."
    ),
    "online_any_time": N_(
        "It is online and open 24 hours a day, so it fits around work or caring."
    ),
    "own_pace": N_("You learn on your own, at your own pace."),
    "online_not_group": N_("You like learning with others, but you do this course on your own."),
    "online_no_group": N_("You do not have to join a group."),
    "online_reading": N_("Most of this course is reading on a screen."),
    "online_reading_help": N_(
        "Most of this course is reading on a screen. Someone could read it with you."
    ),
    # Translators: %(language)s is the name of a language, such as "Bengali".
    "online_not_in_language": N_("It is not in %(language)s."),
    # Translators: %(language)s is the name of a language, such as "Bengali".
    "no_course_in_language": N_("There is no course in %(language)s."),
    # Translators: %(language)s is the name of a language, such as "Bengali".
    "in_your_language": N_("It is in %(language)s."),
    "online_english_only": N_(
        "It is only in English. Someone could help you, or you could use a translation tool."
    ),
    "no_computer_needed": N_("You do not need to use a computer."),
    "talk_and_listen": N_("You learn by talking and listening."),
    "likes_group": N_("You like learning with other people."),
    "group_not_own_pace": N_("You like learning on your own, but this course is in a group."),
    "group_worry": N_("You will learn in a group with other people."),
    "no_dates": N_("No dates are planned yet. Ask your GP practice when the next course is."),
    # Translators: %(language)s is the name of a language, such as "Bengali".
    "course_in_language": N_("There is a course in %(language)s."),
    # Translators: %(language)s is a language, such as "Bengali"; %(run)s says when another
    # course meets, such as "every Tuesday for 6 weeks, 18:00 to 20:30, from 15 December".
    "language_run_other_time": N_(
        "This course in %(language)s is at a time you said you cannot come. "
        "There is another course at a time you can: %(run)s."
    ),
    "group_english_only": N_("The courses are in English."),
    "group_english_only_bring": N_(
        "The courses are in English. You can bring someone to help you."
    ),
    "no_fitting_time": N_("No course is planned at a time you said you can come."),
    # Translators: %(date)s is a date, such as "Tuesday 5 January".
    "evening_course": N_("There is an evening course starting on %(date)s."),
    # Translators: %(date)s is a date, such as "Saturday 9 January".
    "weekend_course": N_("There is a weekend course starting on %(date)s."),
    "bring_someone_group": N_("You can bring a relative, friend or carer."),
    "bring_someone_online": N_("A relative or carer can sign up too."),
    "no_companion": N_("You cannot bring someone with you to this course."),
    "availability_unconfirmed": N_(
        "It is not confirmed that this course is still running. Ask your GP practice."
    ),
    "companion_unconfirmed": N_(
        "You may be able to bring someone with you. This is to be confirmed."
    ),
    "companion_unknown": N_("Ask the course team if you can bring someone with you."),
    "other_conditions": N_("It also helps you live with other long-term conditions."),
    "other_conditions_unconfirmed": N_(
        "It may also help with other long-term conditions. This is to be confirmed."
    ),
    "newly_diagnosed_module": N_(
        "It has a course for people who found out they have diabetes in the last 12 months."
    ),
}


def format_list(items: list[str]) -> str:
    """ "A, B and C" in the language of the page."""
    return babel_format_list(items, locale=get_locale())


def language_name(tag: str) -> str:
    """A language's name in the language of the page, e.g. "Bengali", "বাংলা" or "bengalski"."""
    return i18n.language_name(tag, str(get_locale() or "en"))


def _clock(time: dt.time | None) -> str:
    return str(format_time(time, "HH:mm")) if time else ""


class Meeting(Protocol):
    """A course run as matching or the directory holds it."""

    @property
    def start_date(self) -> dt.date: ...
    @property
    def start_time(self) -> dt.time | None: ...
    @property
    def end_time(self) -> dt.time | None: ...
    @property
    def sessions(self) -> int: ...
    @property
    def pattern(self) -> str: ...


def when(run: Meeting) -> str:
    """How a run meets, from its real pattern: "every Tuesday for 6 weeks, 18:00 to 20:30,
    from 15 December", "one day, Saturday 9 January, 10:00 to 16:30" or "2 half days, from
    Thursday 17 December, 10:00 to 13:00"."""
    start, end = _clock(run.start_time), _clock(run.end_time)
    if run.pattern == "one_day":
        date = i18n.day_and_month(run.start_date)
        # Translators: %(date)s is a day, such as "Saturday 9 January"; times like "10:00".
        return str(
            gettext("one day, %(date)s, %(start)s to %(end)s", date=date, start=start, end=end)
        )
    if run.pattern == "half_days":
        date = i18n.day_and_month(run.start_date)
        return str(
            ngettext(
                # Translators: %(date)s is a day, such as "Thursday 17 December".
                "%(num)d half day, from %(date)s, %(start)s to %(end)s",
                "%(num)d half days, from %(date)s, %(start)s to %(end)s",
                run.sessions,
                date=date,
                start=start,
                end=end,
            )
        )
    return str(
        ngettext(
            # Translators: %(weekday)s is a day of the week, such as "Tuesday"; %(date)s a
            # date, such as "15 December".
            "every %(weekday)s for %(num)d week, %(start)s to %(end)s, from %(date)s",
            "every %(weekday)s for %(num)d weeks, %(start)s to %(end)s, from %(date)s",
            run.sessions,
            weekday=format_date(run.start_date, "EEEE"),
            date=i18n.day_month(run.start_date),
            start=start,
            end=end,
        )
    )


def _format(value: object) -> object:
    if isinstance(value, Run):
        return when(value)
    if isinstance(value, dt.date):
        return i18n.day_and_month(value)
    if isinstance(value, list):
        return format_list([str(v) for v in value])
    return value


def text(message: Message) -> str:
    params = {k: _format(v) for k, v in message.params.items()}
    if "language" in params:
        params["language"] = language_name(str(message.params["language"]))
    if message.code == "long_wait":
        days = int(message.params["days"])
        return str(
            ngettext(
                # Translators: a caution on a course that starts a long time from now.
                "The next course starts in %(num)d day. People can lose interest while they wait.",
                "The next course starts in %(num)d days. People can lose interest while they wait.",
                days,
            )
        )
    return str(gettext(TEXTS[message.code], **params))
