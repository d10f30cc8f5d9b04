"""The circumstances vocabulary (DESIGN.md): one description of a person's situation.

Used by the finder's query string, the JSON API, the consultation form and the snapshot kept on a
referral. Every answer is optional; ``None`` means "not known". This module is pure: no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, fields, replace

from babel import Locale, UnknownLocaleError

# The fixed-value parameters and their allowed values, in the order the questions are asked.
CHOICES: dict[str, tuple[str, ...]] = {
    "diabetes": ("type2", "type1", "unsure", "prediabetes"),
    "diagnosed": ("recent", "established"),
    "daytime": ("yes", "no"),
    "evenings": ("yes", "no"),
    "weekends": ("yes", "no"),
    "learning": ("group", "own_pace", "either"),
    "group_worry": ("yes", "no"),
    "computer": ("confident", "with_help", "no"),
    "reading": ("confident", "some_help", "spoken"),
    "companion": ("yes", "no"),
    "conditions": ("yes", "no"),
}
# Parameters whose values come from elsewhere: a language tag, an area slug from the directory.
OPEN = ("language", "area")
PARAMETERS: tuple[str, ...] = (
    "diabetes",
    "diagnosed",
    "daytime",
    "evenings",
    "weekends",
    "learning",
    "group_worry",
    "computer",
    "language",
    "reading",
    "companion",
    "conditions",
    "area",
)

_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Circumstances:
    diabetes: str | None = None
    diagnosed: str | None = None
    daytime: str | None = None
    evenings: str | None = None
    weekends: str | None = None
    learning: str | None = None
    group_worry: str | None = None
    computer: str | None = None
    language: str | None = None
    reading: str | None = None
    companion: str | None = None
    conditions: str | None = None
    area: str | None = None

    def answered(self) -> dict[str, str]:
        """The answers given, in question order (for query strings and snapshots)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def without(self, *names: str) -> Circumstances:
        return replace(self, **dict.fromkeys(names))


assert tuple(f.name for f in fields(Circumstances)) == PARAMETERS  # noqa: S101 - one vocabulary


def valid_language(tag: str) -> bool:
    if not _LANGUAGE_TAG.match(tag):
        return False
    try:
        Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def parse(args: Mapping[str, str], areas: Collection[str]) -> tuple[Circumstances, dict[str, str]]:
    """Read circumstances from request arguments.

    Returns the circumstances with every valid answer, and a map of each bad parameter to its
    bad value. An empty value is "not answered"; parameters outside the vocabulary are ignored.
    """
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in PARAMETERS:
        raw = args.get(name)
        if raw is None or raw.strip() == "":
            continue
        value = raw.strip()
        if name == "language":
            value = value.lower()
            ok = valid_language(value)
        elif name == "area":
            ok = value in areas
        else:
            ok = value in CHOICES[name]
        if ok:
            values[name] = value
        else:
            errors[name] = raw
    return Circumstances(**values), errors
