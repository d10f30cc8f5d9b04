"""The Open Referral UK API: public, anonymous, read-only, from the worker's directory copy.

Every query parameter is checked; a bad one is a 400 naming it, as the JSON API does. The
profile's filters and what they do here:
- ``search``: words in the service's name, description or provider's name (any case);
- ``taxonomy_term_id`` / ``taxonomy_id``: services with that term / any term of that taxonomy;
- ``start_time``, ``end_time`` (HH:MM), ``day`` (MO..SU or the English day name): services with
  a course run starting at or after, ending at or before, on that day;
- ``minimum_age``, ``maximum_age``: checked as numbers; no programme here states an age range,
  so they remove nothing;
- ``postcode`` (service_at_locations): runs at venues in the same postcode district (the part
  before the space); ``proximity`` is refused: the directory keeps no coordinates.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from flask import Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from finder import clock, directory
from finder.access import public
from finder.limits import OPENREFERRAL_PER_PAGE, OPENREFERRAL_PER_PAGE_MAX, OPENREFERRAL_SEARCH_MAX
from finder.models import CourseRun, Programme
from finder.openreferral import documents

OPENAPI = Path(__file__).with_name("openapi.json")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
LISTING = ("page", "per_page")
FILTERS = (
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "minimum_age",
    "maximum_age",
    "start_time",
    "end_time",
    "day",
)
T = TypeVar("T")


class BadParameter(Exception):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter, self.message = parameter, message


def bad_parameter(exc: BadParameter) -> ResponseReturnValue:
    """The blueprint's handler: a 400 naming the parameter."""
    error = {"parameter": exc.parameter, "message": exc.message}
    return jsonify(error="invalid_parameters", errors=[error]), 400


def _allowed(names: Iterable[str]) -> None:
    for name in request.args:
        if name not in names:
            raise BadParameter(name, "unknown parameter")
    for name in request.args:
        if len(request.args.getlist(name)) > 1:
            raise BadParameter(name, "give this parameter once")


def _integer(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not low <= int(raw) <= high:
        raise BadParameter(name, f"a whole number from {low} to {high}")
    return int(raw)


def _number(name: str) -> float | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", raw) or float(raw) > 150:
        raise BadParameter(name, "an age in years, from 0 to 150")
    return float(raw)


def _time(name: str) -> dt.time | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?", raw):
            raise ValueError(raw)
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, "a time of day as HH:MM, e.g. 09:30") from None


def _uuid(name: str) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise BadParameter(name, "a UUID, e.g. 9c3b7f0e-5a56-4d0c-8a5e-2f1f0b6b2d41") from None


def _day() -> int | None:
    raw = request.args.get("day")
    if raw is None:
        return None
    value = raw.strip().lower()
    codes = [c.lower() for c in documents.WEEKDAY_CODES]
    if value in codes:
        return codes.index(value)
    if value in DAY_NAMES:
        return DAY_NAMES.index(value)
    raise BadParameter("day", "a day as MO, TU, WE, TH, FR, SA, SU or its English name")


def _search() -> str | None:
    raw = request.args.get("search")
    if raw is None:
        return None
    if len(raw) > OPENREFERRAL_SEARCH_MAX or "\x00" in raw:
        raise BadParameter("search", f"at most {OPENREFERRAL_SEARCH_MAX} characters of text")
    return raw.strip().casefold() or None


def _postcode() -> str | None:
    raw = request.args.get("postcode")
    if raw is None:
        return None
    value = " ".join(raw.upper().split())
    if not POSTCODE.fullmatch(value):
        raise BadParameter("postcode", "a UK postcode, e.g. SW1A 1AA")
    if "proximity" in request.args:
        raise BadParameter("proximity", "not supported: this directory keeps no coordinates")
    return value[:-3].strip()


def _paged(items: list[T], render: Callable[[T], dict[str, Any]]) -> ResponseReturnValue:
    number = _integer("page", 1, 1, 1_000_000)
    size = _integer("per_page", OPENREFERRAL_PER_PAGE, 1, OPENREFERRAL_PER_PAGE_MAX)
    chosen = items[(number - 1) * size : number * size]
    return jsonify(documents.page(map(render, chosen), len(items), number, size))


def _run_filter() -> Callable[[CourseRun], bool] | None:
    """A test of a course run from start_time, end_time and day, or None if none is given."""
    start, end, day = _time("start_time"), _time("end_time"), _day()
    if start is None and end is None and day is None:
        return None
    return lambda run: (
        (start is None or run.start_time >= start)
        and (end is None or run.end_time <= end)
        and (day is None or run.weekday == day)
    )


def _service_filter() -> Callable[[Programme], bool]:
    text = _search()
    term, taxonomy = _uuid("taxonomy_term_id"), _uuid("taxonomy_id")
    _number("minimum_age"), _number("maximum_age")  # checked; no programme states an age

    def keeps(p: Programme) -> bool:
        terms = {documents.term_id(kind, value) for kind, value in documents.terms_of(p)}
        if text:
            english = directory.text_for(p, "en")[0]
            haystack = " ".join((english.name, english.summary, p.provider.name)).casefold()
            if not all(word in haystack for word in text.split()):
                return False
        if term and term not in terms:
            return False
        return not (taxonomy and (taxonomy != documents.TAXONOMY_ID or not terms))

    return keeps


def _programmes() -> list[Programme]:
    return directory.shown_programmes()


def _programme(id: str) -> Programme:
    found = next((p for p in _programmes() if p.uuid == id), None)
    if found is None:
        raise NotFound()
    return found


@public
def index() -> ResponseReturnValue:
    _allowed(())
    return jsonify(
        version=documents.HSDS_VERSION,
        profile=documents.PROFILE_URL,
        openapi_url=url_for("openreferral.openapi", _external=True),
    )


@public
def openapi() -> ResponseReturnValue:
    _allowed(())
    return Response(OPENAPI.read_bytes(), mimetype="application/json")


@public
def services() -> ResponseReturnValue:
    _allowed((*LISTING, *FILTERS))
    keeps, runs = _service_filter(), _run_filter()
    found = [
        p for p in _programmes() if keeps(p) and (runs is None or any(runs(r) for r in p.runs))
    ]
    return _paged(found, documents.summary)


@public
def service(id: str) -> ResponseReturnValue:
    _allowed(())
    return jsonify(documents.service(_programme(id), clock.now()))


@public
def service_at_locations() -> ResponseReturnValue:
    _allowed((*LISTING, *FILTERS, "postcode", "proximity"))
    keeps, runs, district = _service_filter(), _run_filter(), _postcode()
    if "proximity" in request.args and district is None:
        raise BadParameter("proximity", "give a postcode with proximity")
    found = [
        (p, run)
        for p in _programmes()
        if keeps(p)
        for run in sorted(p.runs, key=lambda r: (r.start_date, r.key))
        if (runs is None or runs(run))
        and (
            district is None
            or (run.venue is not None and run.venue.postcode.upper().split()[0] == district)
        )
    ]
    return _paged(found, lambda found: documents.service_at_location_summary(*found))


@public
def service_at_location(id: str) -> ResponseReturnValue:
    _allowed(())
    found = next(((p, r) for p in _programmes() for r in p.runs if r.uuid == id), None)
    if found is None:
        raise NotFound()
    return jsonify(documents.service_at_location_full(*found, clock.now()))


@public
def taxonomies() -> ResponseReturnValue:
    _allowed(LISTING)
    return _paged([documents.TAXONOMY], dict)


@public
def taxonomy(id: str) -> ResponseReturnValue:
    _allowed(())
    if id != documents.TAXONOMY_ID:
        raise NotFound()
    return jsonify({**documents.TAXONOMY, "taxonomy_terms": documents.taxonomy_terms()})


@public
def taxonomy_terms() -> ResponseReturnValue:
    _allowed(LISTING)
    return _paged(documents.taxonomy_terms(), dict)


@public
def taxonomy_term(id: str) -> ResponseReturnValue:
    _allowed(())
    term = next((t for t in documents.taxonomy_terms() if t["id"] == id), None)
    if term is None:
        raise NotFound()
    return jsonify(term)
