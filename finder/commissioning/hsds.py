"""The directory as Open Referral UK / HSDS 3 JSON (services, locations, schedules, languages,
eligibility), and back.

What HSDS has no field for (delivery, sources, patient text per language, places left) travels
in ``x-finder`` extension objects, so an export imported again gives the same directory.
An import validates the whole file first and changes nothing unless every record is valid.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from finder import directory
from finder.circumstances import valid_language
from finder.extensions import db
from finder.models import Area, CourseRun, Programme, ProgrammeText, Provider, Venue
from finder.seeding import SourceSeed, TextSeed, upsert

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


# Validation of an import: every record and field, before anything is written.
class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)


class AreaIn(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)


class AddressIn(Strict):
    address_1: str = Field(min_length=1)
    postal_code: str = Field(min_length=1, max_length=10)


class LocationIn(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    address: list[AddressIn] = Field(min_length=1, max_length=1)
    accessibility: list[dict[str, str]] = Field(min_length=1)
    extension: dict[str, str] = Field(alias="x-finder")


class ScheduleIn(Strict):
    dtstart: dt.date
    opens_at: dt.time
    closes_at: dt.time


class RunIn(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    location: dict[str, str] | None = None
    languages: list[dict[str, str]] = Field(min_length=1, max_length=1)
    schedules: list[ScheduleIn] = Field(min_length=1, max_length=1)
    extension: dict[str, int | None] = Field(alias="x-finder")


class OrganizationIn(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    website: str | None = None


class ServiceExtensionIn(Strict):
    delivery: Literal["online", "group"]
    self_referral: bool
    companion_welcome: bool | None
    covers_other_conditions: bool
    sessions: int | None = Field(default=None, ge=1)
    session_hours: float | None = Field(default=None, gt=0)
    sources: list[SourceSeed] = Field(min_length=1)
    last_verified: dt.date
    texts: dict[str, TextSeed]

    @field_validator("texts")
    @classmethod
    def _english(cls, texts: dict[str, TextSeed]) -> dict[str, TextSeed]:
        if "en" not in texts:
            raise ValueError("English text ('en') is required")
        if bad := [tag for tag in texts if not valid_language(tag)]:
            raise ValueError(f"not a language tag: {', '.join(bad)}")
        return texts


class ServiceIn(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    url: str | None = None
    organization: OrganizationIn
    eligibility: list[dict[str, str]] = Field(min_length=1)
    languages: list[dict[str, str]] = Field(min_length=1)
    service_areas: list[dict[str, str]]
    service_at_locations: list[RunIn]
    extension: ServiceExtensionIn = Field(alias="x-finder")

    @field_validator("url", "organization")
    @classmethod
    def _safe(cls, value: Any) -> Any:
        url = value.website if isinstance(value, OrganizationIn) else value
        if url and not url.startswith(("https://", "http://")):
            raise ValueError("must be a web address starting with https://")
        return value


class DirectoryIn(Strict):
    areas: list[AreaIn]
    locations: list[LocationIn]
    services: list[ServiceIn]


class ImportErrors(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """A readable place for an error: the record's id and the field, e.g. services[desmond]."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            record = node.get("id") if isinstance(node, dict) else None
            parts[-1] += f"[{record or key}]"
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(str(key))
    return ".".join(parts)


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
        if loc.extension.get("area") not in areas:
            problems.append(f"locations[{loc.id}].x-finder.area: unknown area")
    for s in parsed.services:
        for area in s.service_areas:
            if area.get("id") not in areas:
                problems.append(f"services[{s.id}].service_areas: unknown area {area.get('id')}")
        for run in s.service_at_locations:
            where = f"services[{s.id}].service_at_locations[{run.id}]"
            if run.location and run.location.get("id") not in locations:
                problems.append(f"{where}.location: unknown location")
            schedule = run.schedules[0]
            if schedule.closes_at <= schedule.opens_at:
                problems.append(f"{where}.schedules.closes_at: must be after opens_at")
            if not valid_language(run.languages[0].get("language", "")):
                problems.append(f"{where}.languages: not a language tag")
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
                "area": areas[loc.extension["area"]],
            },
        )
    keys: set[str] = set()
    for s in parsed.services:
        ext = s.extension
        provider = upsert(
            Provider, {"slug": s.organization.id},
            {"name": s.organization.name, "website": s.organization.website},
        )  # fmt: skip
        eligibility = [e.get("eligibility", "").split(":", 1) for e in s.eligibility]
        programme = upsert(
            Programme,
            {"slug": s.id},
            {
                "provider": provider,
                "delivery": ext.delivery,
                "diabetes_types": [e[1] for e in eligibility if e[0] == "diabetes"],
                "stages": [e[1] for e in eligibility if e[0] == "stage"],
                "self_referral": ext.self_referral,
                "companion_welcome": ext.companion_welcome,
                "covers_other_conditions": ext.covers_other_conditions,
                "content_languages": [lang.get("language", "") for lang in s.languages],
                "sessions": ext.sessions,
                "session_hours": ext.session_hours,
                "join_url": s.url,
                "sources": [src.model_dump(mode="json") for src in ext.sources],
                "last_verified": ext.last_verified,
                "areas": [areas[a["id"]] for a in s.service_areas],
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
                    "venue": venues[run.location["id"]] if run.location else None,
                    "start_date": schedule.dtstart,
                    "start_time": schedule.opens_at,
                    "end_time": schedule.closes_at,
                    "language": run.languages[0]["language"],
                    "places_left": run.extension.get("places_left") or 0,
                    "expected_wait_days": run.extension.get("expected_wait_days"),
                },
            )
    for run in db.session.scalars(select(CourseRun)):
        if run.key not in keys:
            db.session.delete(run)
    return {
        "areas": len(parsed.areas),
        "locations": len(parsed.locations),
        "services": len(parsed.services),
        "runs": len(keys),
    }
