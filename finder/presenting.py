"""Words about a programme that pages need, built from directory facts (template globals)."""

from __future__ import annotations

from flask import g
from flask_babel import LazyString, format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l

from finder import directory
from finder.messages import format_list, language_name, text, when
from finder.models import Programme, ProgrammeText


def programme_text(programme: Programme) -> ProgrammeText:
    return directory.text_for(programme, g.get("lang") or "en")[0]


def delivery_text(programme: Programme) -> str:
    if programme.delivery == "online":
        return str(gettext("Online, on your own."))
    return str(gettext("In a group, face to face."))


def duration_text(programme: Programme) -> str:
    if not programme.sessions:
        return str(gettext("There is no set length. Use it for as long as you like."))
    return str(
        ngettext(
            "%(num)d session of %(hours)s hours.",
            "%(num)d sessions of %(hours)s hours each.",
            programme.sessions,
            hours=format_decimal(programme.session_hours or 0),
        )
    )


def course_languages(programme: Programme) -> list[str]:
    tags = set(programme.content_languages) | {r.language for r in programme.runs}
    return sorted(tags, key=lambda tag: (tag != "en", tag))


def format_list_of_languages(tags: list[str]) -> str:
    return format_list([language_name(tag) for tag in tags])


# What each fact a source can support is about, for the "to be confirmed" list.
UNCONFIRMED: dict[str, LazyString] = {
    "availability": _l("Whether the course is still running."),
    "diabetes_types": _l("Which types of diabetes the course is for."),
    "stages": _l("How long you need to have had diabetes."),
    "companion_welcome": _l("Whether you can bring someone with you."),
    "covers_other_conditions": _l("Whether it helps with other long-term conditions."),
    "self_referral": _l("Whether you can sign up yourself."),
}


def unconfirmed(programme: Programme) -> list[str]:
    """What is still to be confirmed about a programme, in the page's language."""
    fields = directory.unverified(programme)
    return [str(label) for name, label in UNCONFIRMED.items() if name in fields]


GLOBALS = {
    "unconfirmed": unconfirmed,
    "programme_text": programme_text,
    "delivery_text": delivery_text,
    "duration_text": duration_text,
    "course_languages": course_languages,
    "format_list_of_languages": format_list_of_languages,
    "format_list": format_list,
    "language_name": language_name,
    "message_text": text,
    "run_when": when,
}
