"""The ranked menu for a person: directory reads plus matching, shared by pages and the API."""

from __future__ import annotations

from typing import Any

from flask import current_app

from finder import clock, directory, matching
from finder.circumstances import Circumstances
from finder.messages import text
from finder.models import Programme


def for_person(person: Circumstances, rows: list[Programme]) -> matching.Menu:
    """Match ``person`` against the directory rows read for them."""
    programmes = [directory.matching_input(p) for p in rows]
    return matching.match(
        person, programmes, clock.today(), current_app.config["FINDER_LONG_WAIT_DAYS"]
    )


def _messages(messages: tuple[matching.Message, ...]) -> list[dict[str, str]]:
    return [{"code": m.code, "text": text(m)} for m in messages]


def as_json(menu: matching.Menu, elsewhere: int = 0) -> dict[str, Any]:
    return {
        "options": [
            {
                "programme": o.programme.slug,
                "fit": o.fit,
                "reasons": _messages(o.reasons),
                "cautions": _messages(o.cautions),
                "next_start": o.next_run.start_date.isoformat() if o.next_run else None,
                "days_to_start": o.days_to_start,
            }
            for o in menu.options
        ],
        "see_also": menu.see_also,
        "elsewhere": elsewhere,
    }
