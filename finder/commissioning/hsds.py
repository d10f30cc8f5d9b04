"""The directory as Open Referral UK / HSDS 3 JSON (services, locations, schedules, languages,
eligibility), and back.

What HSDS has no field for (delivery, sources, patient text per language, places left) travels
in ``x-finder`` extension objects, so an export imported again gives the same directory.
An import validates the whole file first and changes nothing unless every record is valid.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal, get_args

from flask_babel import gettext as _
from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from finder import directory
from finder.extensions import db
from finder.limits import IMPORT_DEPTH_MAX
from finder.models import Area, CourseRun, Programme, ProgrammeText, Provider, Referral, Venue
from finder.seeding import (
    Delivery,
    DiabetesType,
    Language,
    PlacesLeft,
    RunKey,
    SessionHours,
    Sessions,
    Slug,
    SourceSeed,
    Stage,
    Strict,
    TextSeed,
    WaitDays,
    WebLink,
    ends_after,
    required_text,
    upsert,
)

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FORMAT = "Open Referral UK / HSDS 3.0 services, with x-finder extensions"


def _location(venue: Venue) -> dict[str, Any]:
    return {
        "id": venue.slug,
        "name": venue.name,
        "address": [{"address_1": venue.address, "postal_code": venue.postcode}],
        "accessibility": [{"description": "step-free" if venue.step_free else "not step-free"}],
        "x-finder": {"area": venue.area.slug},
    }


def _service(p: Programme) -> dict[str, Any]:
    english = {t.locale: t for t in p.texts}["en"]
    return {
        "id": p.slug,
        "name": english.name,
        "description": english.summary,
        "url": p.join_url,
        "status": "active",
        "organization": {
            "id": p.provider.slug,
            "name": p.provider.name,
            "website": p.provider.website,
        },
        "eligibility": [{"eligibility": f"diabetes:{t}"} for t in p.diabetes_types]
        + [{"eligibility": f"stage:{s}"} for s in p.stages],
        "languages": [{"language": tag} for tag in p.content_languages],
        "service_areas": [{"id": a.slug, "name": a.name} for a in p.areas],
        "service_at_locations": [
            {
                "id": r.key,
                "location": {"id": r.venue.slug} if r.venue else None,
                "languages": [{"language": r.language}],
                "schedules": [
                    {
                        "id": r.key,
                        "dtstart": r.start_date.isoformat(),
                        "freq": "WEEKLY",
                        "byday": WEEKDAY_CODES[r.start_date.weekday()],
                        "opens_at": r.start_time.strftime("%H:%M"),
                        "closes_at": r.end_time.strftime("%H:%M"),
                        "count": p.sessions,
                    }
                ],
                "x-finder": {
                    "places_left": r.places_left,
                    "expected_wait_days": r.expected_wait_days,
                },
            }
            for r in p.runs
        ],
        "x-finder": {
            "delivery": p.delivery,
            "self_referral": p.self_referral,
            "companion_welcome": p.companion_welcome,
            "covers_other_conditions": p.covers_other_conditions,
            "sessions": p.sessions,
            "session_hours": p.session_hours,
            "sources": p.sources,
            "last_verified": p.last_verified.isoformat(),
            "texts": {t.locale: {f: getattr(t, f) for f in TextSeed.model_fields} for t in p.texts},
        },
    }


def export() -> dict[str, Any]:
    areas = db.session.scalars(select(Area).order_by(Area.slug))
    venues = db.session.scalars(select(Venue).order_by(Venue.slug))
    return {
        "format": FORMAT,
        "areas": [{"id": a.slug, "name": a.name} for a in areas],
        "locations": [_location(v) for v in venues],
        "services": [_service(p) for p in directory.all_programmes()],
    }


# Reading an import: every record and field is checked, with the seed loader's rules, before
# anything is written.


class ImportErrors(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _depth(data: Any) -> int:
    """How deeply ``data`` nests, counted without recursion (stopping past the limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack and deepest <= IMPORT_DEPTH_MAX:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict | list):
            stack.extend((child, depth + 1) for child in children)
    return deepest


def read(text: str) -> Any:
    """The JSON in an import; ImportErrors if it is not JSON or nests deeper than an export."""
    too_deep = _(
        "The file is nested too deeply to be a directory export (more than %(depth)d levels).",
        depth=IMPORT_DEPTH_MAX,
    )
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise ImportErrors([too_deep]) from exc
    except ValueError as exc:  # not JSON, or a number too long to read
        raise ImportErrors([_("The file is not JSON: %(error)s", error=str(exc))]) from exc
    if _depth(data) > IMPORT_DEPTH_MAX:
        raise ImportErrors([too_deep])
    if not isinstance(data, dict):
        shape = _("The file must be an object with areas, locations and services, as exported.")
        raise ImportErrors([shape])
    return data


class Record(Strict):
    """An HSDS record: fields this directory does not use (HSDS has many) are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class AreaIn(Record):
    id: Slug
    name: str = required_text(Area.name)


class Reference(Record):
    id: Slug


class AddressIn(Record):
    address_1: str = required_text(Venue.address)
    postal_code: str = required_text(Venue.postcode)


class LocationExtensionIn(Record):
    area: Slug


class LocationIn(Record):
    id: Slug
    name: str = required_text(Venue.name)
    address: list[AddressIn] = Field(min_length=1, max_length=1)
    accessibility: list[dict[str, str]] = Field(min_length=1)
    extension: LocationExtensionIn = Field(alias="x-finder")


class LanguageIn(Record):
    language: Language


class ScheduleIn(Record):
    dtstart: dt.date
    opens_at: dt.time
    closes_at: dt.time

    @field_validator("closes_at")
    @classmethod
    def _after_opening(cls, closes_at: dt.time, info: ValidationInfo) -> dt.time:
        return ends_after(info.data.get("opens_at"), closes_at)


class RunExtensionIn(Record):
    places_left: PlacesLeft = 0
    expected_wait_days: WaitDays | None = None


class RunIn(Record):
    id: RunKey
    location: Reference | None = None
    languages: list[LanguageIn] = Field(min_length=1, max_length=1)
    schedules: list[ScheduleIn] = Field(min_length=1, max_length=1)
    extension: RunExtensionIn = Field(alias="x-finder")


class OrganizationIn(Record):
    id: Slug
    name: str = required_text(Provider.name)
    website: WebLink | None = None


# The seed's vocabulary as HSDS eligibility entries: "diabetes:type2", "stage:recent".
ELIGIBILITY = tuple(f"diabetes:{t}" for t in get_args(DiabetesType)) + tuple(
    f"stage:{s}" for s in get_args(Stage)
)


class EligibilityIn(Record):
    eligibility: Literal[ELIGIBILITY]  # type: ignore[valid-type]

    @property
    def kind_and_value(self) -> tuple[str, str]:
        kind, value = self.eligibility.split(":", 1)
        return kind, value


class ServiceExtensionIn(Record):
    delivery: Delivery
    self_referral: bool
    companion_welcome: bool | None
    covers_other_conditions: bool
    sessions: Sessions | None = None
    session_hours: SessionHours | None = None
    sources: list[SourceSeed] = Field(min_length=1)
    last_verified: dt.date
    texts: dict[Language, TextSeed]

    @field_validator("texts")
    @classmethod
    def _english(cls, texts: dict[str, TextSeed]) -> dict[str, TextSeed]:
        if "en" not in texts:
            raise PydanticCustomError("english", "English text ('en') is required")
        return texts


class ServiceIn(Record):
    id: Slug
    url: WebLink | None = None
    organization: OrganizationIn
    eligibility: list[EligibilityIn] = Field(min_length=1)
    languages: list[LanguageIn] = Field(min_length=1)
    service_areas: list[Reference]
    service_at_locations: list[RunIn]
    extension: ServiceExtensionIn = Field(alias="x-finder")

    @field_validator("eligibility")
    @classmethod
    def _types_and_stages(cls, entries: list[EligibilityIn]) -> list[EligibilityIn]:
        # As a seed programme: at least one kind of diabetes and one stage.
        if {e.kind_and_value[0] for e in entries} != {"diabetes", "stage"}:
            raise PydanticCustomError(
                "eligibility", "give at least one diabetes type and one stage"
            )
        return entries

    def eligible(self, kind: str) -> list[str]:
        return [value for k, value in (e.kind_and_value for e in self.eligibility) if k == kind]


class DirectoryIn(Record):
    areas: list[AreaIn]
    locations: list[LocationIn]
    services: list[ServiceIn]


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """A readable place for an error: the record's id and the field, e.g. services[desmond]."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            record = node.get("id") if isinstance(node, dict) else None
            parts[-1] += f"[{record if isinstance(record, str) and record else key}]"
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(str(key))
    return ".".join(parts)


def _referred_runs() -> list[CourseRun]:
    """Course runs that referrals point to: an import may neither remove nor move them."""
    referred = select(Referral.id).where(Referral.course_run_id == CourseRun.id).exists()
    return list(db.session.scalars(select(CourseRun).where(referred)))


def _moves(new: RunIn, programme: str, run: CourseRun) -> bool:
    """Whether ``new`` changes what the people referred to ``run`` were told."""
    schedule = new.schedules[0]
    venue = run.venue.slug if run.venue else None
    told = (run.programme.slug, venue, run.start_date, run.start_time, run.end_time, run.language)
    imported = (
        programme,
        new.location.id if new.location else None,
        schedule.dtstart,
        schedule.opens_at,
        schedule.closes_at,
        new.languages[0].language,
    )
    return imported != told


def _referred_run_problems(parsed: DirectoryIn) -> list[str]:
    imported = {run.id: (s.id, run) for s in parsed.services for run in s.service_at_locations}
    problems = []
    for run in _referred_runs():
        if run.key not in imported:
            if not run.retired:  # a retired run is in no export, and stays
                where = f"services[{run.programme.slug}].service_at_locations[{run.key}]"
                problems.append(
                    _(
                        "%(where)s: this course run has referrals, so an import cannot remove "
                        "it. Delete it on the directory page: it will be retired.",
                        where=where,
                    )
                )
            continue
        programme, new = imported[run.key]
        where = f"services[{programme}].service_at_locations[{run.key}]"
        if run.retired:
            problems.append(
                _(
                    "%(where)s: this course run was retired. Give a new course run a new id.",
                    where=where,
                )
            )
        elif _moves(new, programme, run):
            problems.append(
                _(
                    "%(where)s: this course run has referrals, so an import cannot change its "
                    "programme, venue, dates, times or language.",
                    where=where,
                )
            )
    return problems


def validate(data: Any) -> DirectoryIn:
    problems: list[str] = []
    try:
        parsed = DirectoryIn.model_validate(data)
    except ValidationError as exc:
        raise ImportErrors(
            [f"{_where(data, tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from exc
    areas = {a.id for a in parsed.areas}
    locations = {loc.id for loc in parsed.locations}
    for loc in parsed.locations:
        if loc.extension.area not in areas:
            problems.append(f"locations[{loc.id}].x-finder.area: unknown area")
    for s in parsed.services:
        for area in s.service_areas:
            if area.id not in areas:
                problems.append(f"services[{s.id}].service_areas: unknown area {area.id}")
        for run in s.service_at_locations:
            where = f"services[{s.id}].service_at_locations[{run.id}]"
            if run.location and run.location.id not in locations:
                problems.append(f"{where}.location: unknown location")
    problems += _referred_run_problems(parsed)
    if problems:
        raise ImportErrors(problems)
    return parsed


def apply(parsed: DirectoryIn) -> dict[str, int]:
    """Write a validated directory in one transaction (the caller commits)."""
    areas = {a.id: upsert(Area, {"slug": a.id}, {"name": a.name}) for a in parsed.areas}
    venues = {}
    for loc in parsed.locations:
        venues[loc.id] = upsert(
            Venue,
            {"slug": loc.id},
            {
                "name": loc.name,
                "address": loc.address[0].address_1,
                "postcode": loc.address[0].postal_code,
                "step_free": loc.accessibility[0].get("description") == "step-free",
                "area": areas[loc.extension.area],
            },
        )
    keys: set[str] = set()
    for s in parsed.services:
        ext = s.extension
        provider = upsert(
            Provider, {"slug": s.organization.id},
            {"name": s.organization.name, "website": s.organization.website},
        )  # fmt: skip
        programme = upsert(
            Programme,
            {"slug": s.id},
            {
                "provider": provider,
                "delivery": ext.delivery,
                "diabetes_types": s.eligible("diabetes"),
                "stages": s.eligible("stage"),
                "self_referral": ext.self_referral,
                "companion_welcome": ext.companion_welcome,
                "covers_other_conditions": ext.covers_other_conditions,
                "content_languages": [lang.language for lang in s.languages],
                "sessions": ext.sessions,
                "session_hours": ext.session_hours,
                "join_url": s.url,
                "sources": [src.model_dump(mode="json") for src in ext.sources],
                "last_verified": ext.last_verified,
                "areas": [areas[a.id] for a in s.service_areas],
            },
        )
        existing = {t.locale: t for t in programme.texts}
        for locale, text in ext.texts.items():
            row = existing.get(locale) or ProgrammeText(locale=locale)
            for name, value in text.model_dump().items():
                setattr(row, name, value)
            if locale not in existing:
                programme.texts.append(row)
        for gone in set(existing) - set(ext.texts):
            programme.texts.remove(existing[gone])
        for run in s.service_at_locations:
            schedule = run.schedules[0]
            keys.add(run.id)
            upsert(
                CourseRun,
                {"key": run.id},
                {
                    "programme": programme,
                    "venue": venues[run.location.id] if run.location else None,
                    "start_date": schedule.dtstart,
                    "start_time": schedule.opens_at,
                    "end_time": schedule.closes_at,
                    "language": run.languages[0].language,
                    "places_left": run.extension.places_left,
                    "expected_wait_days": run.extension.expected_wait_days,
                },
            )
    # Retired runs are not in an export, and stay (validate keeps referred runs from going).
    for run in db.session.scalars(select(CourseRun).where(CourseRun.retired.is_(False))):
        if run.key not in keys:
            db.session.delete(run)
    return {
        "areas": len(parsed.areas),
        "locations": len(parsed.locations),
        "services": len(parsed.services),
        "runs": len(keys),
    }
