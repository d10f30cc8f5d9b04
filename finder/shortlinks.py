"""Short links back to a person's results: ``/<lang>/s/<code>``, or ``/<lang>/s/<code>/<area>``.

Stateless: the code is the answers themselves, so nothing is stored, and it holds only
circumstances (never a name). One character per question of ``CHOICES``, in its order: ``0``
for not answered, else the answer's place in the question's tuple counting from 1, in base 36;
unanswered questions at the end are left off (the empty set is ``0``). Then ``-`` and the
language tag, when one was given. The area, a slug from the directory, is its own path part, as
it is: a number for it would mean another area once the directory changed.

A printed code must keep its meaning: a new answer goes at the end of its question's tuple, a
new question at the end of ``CHOICES`` (an older code then leaves it unanswered). Pure: no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from finder.circumstances import CHOICES, Circumstances, valid_language

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
QUESTIONS = tuple(CHOICES)
assert all(len(values) < len(DIGITS) for values in CHOICES.values())  # noqa: S101 - one digit each

_CODE = re.compile(rf"([0-9a-z]{{1,{len(QUESTIONS)}}})(?:-([a-z]{{2,3}}))?")


def encode(person: Circumstances) -> tuple[str, str | None]:
    """The code of the person's answers, and their area (the link's last part) if they gave one."""
    digits = "".join(
        DIGITS[CHOICES[name].index(value) + 1] if (value := getattr(person, name)) else "0"
        for name in QUESTIONS
    )
    code = digits.rstrip("0") or "0"
    return (f"{code}-{person.language}" if person.language else code), person.area


def decode(code: str, area: str | None, areas: Collection[str]) -> Circumstances | None:
    """The answers a code (and area) stands for; None if it stands for none. Letters may come in
    capitals (typed from paper). An area that is not one of ``areas`` (the directory's: it may
    have been removed since the link was printed) is left out, and the results are for every
    area, which say that some courses are only for some areas."""
    found = _CODE.fullmatch(code.lower())
    if found is None:
        return None
    digits, language = found.groups()
    values: dict[str, str] = {}
    for name, digit in zip(QUESTIONS, digits, strict=False):
        place = DIGITS.index(digit)
        if place > len(CHOICES[name]):
            return None
        if place:
            values[name] = CHOICES[name][place - 1]
    if language is not None:
        if not valid_language(language):
            return None
        values["language"] = language
    if area is not None and area in areas:
        values["area"] = area
    return Circumstances(**values)
