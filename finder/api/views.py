"""API views. Texts are in English unless ``lang`` names another shipped language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from finder import clock, directory, menu
from finder.access import public
from finder.api.openapi import SPEC
from finder.circumstances import CHOICES, parse
from finder.i18n import supported
from finder.models import Programme


def _language() -> tuple[str | None, dict[str, Any] | None]:
    lang = request.args.get("lang", "en")
    if lang not in supported():
        return None, {"parameter": "lang", "value": lang, "allowed": list(supported())}
    return lang, None


def _error_response(errors: list[dict[str, Any]]) -> ResponseReturnValue:
    return jsonify(error="invalid_parameters", errors=errors), 400


def _programme_json(p: Programme, lang: str) -> dict[str, Any]:
    text, fallback = directory.text_for(p, lang)
    return {
        "slug": p.slug,
        "name": text.name,
        "summary": text.summary,
        "text_language": "en" if fallback else lang,
        "provider": p.provider.name,
        "delivery": p.delivery,
        "diabetes_types": p.diabetes_types,
        "stages": p.stages,
        "self_referral": p.self_referral,
        "sessions": p.sessions,
        "session_hours": p.session_hours,
        "content_languages": p.content_languages,
        "areas": [a.slug for a in p.areas],
        "last_verified": p.last_verified.isoformat(),
        "sources": p.sources,
        "runs": [
            {
                "start_date": r.start_date.isoformat(),
                "start_time": r.start_time.strftime("%H:%M"),
                "end_time": r.end_time.strftime("%H:%M"),
                "evening": r.evening,
                "weekend": r.weekend,
                "language": r.language,
                "places_left": r.places_left,
                "expected_wait_days": r.expected_wait_days,
                "venue": r.venue.name if r.venue else None,
                "step_free": r.venue.step_free if r.venue else None,
            }
            for r in p.runs
            if r.start_date >= clock.today()
        ],
    }


@public
def programmes() -> ResponseReturnValue:
    lang, error = _language()
    if error:
        return _error_response([error])
    return jsonify(programmes=[_programme_json(p, str(lang)) for p in directory.shown_programmes()])


@public
def match() -> ResponseReturnValue:
    areas = directory.area_names()
    person, bad = parse(request.args, areas)
    lang, lang_error = _language()
    errors: list[dict[str, Any]] = [
        {"parameter": name, "value": value, "allowed": _allowed(name, areas)}
        for name, value in bad.items()
    ]
    if lang_error:
        errors.append(lang_error)
    if errors:
        return _error_response(errors)
    g.lang = lang
    with force_locale(str(lang)):
        elsewhere = directory.shown_elsewhere(person.area) if person.area else 0
        rows = directory.shown_programmes(person.area)
        return jsonify(menu.as_json(menu.for_person(person, rows), elsewhere))


def _allowed(name: str, areas: Mapping[str, str]) -> list[str] | str:
    if name == "language":
        return "a language tag, such as en, bn or tr"
    if name == "area":
        return list(areas)
    return list(CHOICES[name])


@public
def openapi() -> ResponseReturnValue:
    return jsonify(SPEC)
