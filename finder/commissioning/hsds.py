"""The directory as Open Referral UK documents (finder/openreferral/documents.py), and back.

The export is what the API at /openreferral/ serves: a page of fully nested services (HSDS 3.1,
the UK profile), with our own facts in documented ``x-finder`` extensions, so an export
imported again gives the same directory. The import reads that, and conformant feeds from other
Open Referral UK directories (where an extension is missing, the standard's fields give the
value or a clear problem says what is missing). It validates the whole file first, with the
seed loader's rules, and changes nothing unless every record is valid.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any, Literal

from flask_babel import gettext as _
from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from finder import clock, directory
from finder.extensions import db
from finder.limits import IMPORT_DEPTH_MAX
from finder.models import Area, CourseRun, Programme, ProgrammeText, Provider, Referral, Venue
from finder.openreferral import documents
from finder.seeding import (
    Delivery,
    Language,
    PlacesLeft,
    RunKey,
    SessionHours,
    Sessions,
    Slug,
    SourceSeed,
    Strict,
    TextSeed,
    WaitDays,
    WebLink,
    ends_after,
    required_text,
    upsert,
)


def export() -> dict[str, Any]:
    """Every programme as the API's fully nested services, in one page."""
    now = clock.now()
    services = [documents.service(p, now) for p in directory.all_programmes()]
    return documents.page(services, len(services), 1, max(1, len(services)))


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
    if isinstance(data, list):  # a list of services
        data = {"contents": data}
    elif isinstance(data, dict) and "contents" not in data and "id" in data:  # one service
        data = {"contents": [data]}
    if not isinstance(data, dict):
        shape = _(
            "The file must hold Open Referral UK services: a page of them (as exported), "
            "a list of them, or one."
        )
        raise ImportErrors([shape])
    return data


class Record(Strict):
    """An HSDS record: fields this directory does not use (HSDS has many) are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SlugExtensionIn(Record):
    slug: Slug | None = None


class TermIn(Record):
    code: str | None = None  # HSDS 3.1
    term: str | None = None  # the UK profile


class AttributeIn(Record):
    taxonomy_term_id: str | None = None
    taxonomy_term: TermIn | None = None

    def kind_and_value(self) -> tuple[str, str] | None:
        """Our taxonomy's term this attribute names (by id, or by its term), if any."""
        for kind, value in documents.TERMS:
            given = self.taxonomy_term
            named = given and f"{kind}:{value}" in (given.code, given.term)
            if self.taxonomy_term_id == documents.term_id(kind, value) or named:
                return kind, value
        return None


class LanguageIn(Record):
    code: Language


class AddressIn(Record):
    address_1: str = required_text(Venue.address)
    city: str = ""
    postal_code: str = required_text(Venue.postcode)


class AccessibilityIn(Record):
    description: str | None = None


class LocationExtensionIn(Record):
    slug: Slug | None = None
    area: Slug | None = None


class LocationIn(Record):
    id: uuid.UUID
    name: str = required_text(Venue.name)
    addresses: list[AddressIn] = Field(min_length=1)
    accessibility: list[AccessibilityIn] = []
    extension: LocationExtensionIn = Field(default_factory=LocationExtensionIn, alias="x-finder")

    @property
    def address(self) -> str:
        first = self.addresses[0]
        return ", ".join(part for part in (first.address_1, first.city) if part)

    @property
    def step_free(self) -> bool:
        return any(a.description == documents.STEP_FREE for a in self.accessibility)


class ScheduleIn(Record):
    dtstart: dt.date
    opens_at: dt.time
    closes_at: dt.time

    @field_validator("closes_at")
    @classmethod
    def _after_opening(cls, closes_at: dt.time, info: ValidationInfo) -> dt.time:
        return ends_after(info.data.get("opens_at"), closes_at)


class RunExtensionIn(Record):
    key: RunKey | None = None
    expected_wait_days: WaitDays | None = None


class RunIn(Record):
    id: uuid.UUID
    location: LocationIn | None = None
    schedules: list[ScheduleIn] = Field(min_length=1, max_length=1)
    languages: list[LanguageIn] = Field(default=[], max_length=1)
    extension: RunExtensionIn = Field(default_factory=RunExtensionIn, alias="x-finder")

    @property
    def key(self) -> str:
        return self.extension.key or str(self.id)


class CapacityIn(Record):
    available: PlacesLeft
    service_at_location_id: uuid.UUID | None = None


class OrganizationIn(Record):
    id: uuid.UUID
    name: str = required_text(Provider.name)
    website: WebLink | None = None
    extension: SlugExtensionIn = Field(default_factory=SlugExtensionIn, alias="x-finder")


class ServiceAreaIn(Record):
    id: uuid.UUID
    name: str = required_text(Area.name)
    extension: SlugExtensionIn = Field(default_factory=SlugExtensionIn, alias="x-finder")


class ServiceExtensionIn(Record):
    slug: Slug | None = None
    delivery: Delivery | None = None
    self_referral: bool = False
    companion_welcome: bool | None = None
    covers_other_conditions: bool = False
    sessions: Sessions | None = None
    session_hours: SessionHours | None = None
    sources: list[SourceSeed] | None = Field(default=None, min_length=1)
    texts: dict[Language, TextSeed] | None = None

    @field_validator("texts")
    @classmethod
    def _english(cls, texts: dict[str, TextSeed] | None) -> dict[str, TextSeed] | None:
        if texts is not None and "en" not in texts:
            raise PydanticCustomError("english", "English text ('en') is required")
        return texts


class ServiceIn(Record):
    id: uuid.UUID
    name: str = required_text(ProgrammeText.name)
    description: str | None = None
    url: WebLink | None = None
    status: Literal["active"]  # patients are shown what is running, so only that is taken
    eligibility_description: str | None = None
    application_process: str | None = None
    assured_date: dt.date
    organization: OrganizationIn
    attributes: list[AttributeIn] = []
    languages: list[LanguageIn] = Field(min_length=1)
    service_areas: list[ServiceAreaIn] = []
    service_at_locations: list[RunIn] = []
    capacities: list[CapacityIn] = []
    extension: ServiceExtensionIn = Field(default_factory=ServiceExtensionIn, alias="x-finder")

    def terms(self, kind: str) -> list[str]:
        found = (a.kind_and_value() for a in self.attributes)
        return [value for k, value in (f for f in found if f) if k == kind]

    @property
    def slug(self) -> str:
        return self.extension.slug or slug_for(self.name, self.id)

    @property
    def delivery(self) -> str:
        named: str | None = self.extension.delivery or next(iter(self.terms("delivery")), None)
        has_venue = any(run.location for run in self.service_at_locations)
        return named or ("group" if has_venue else "online")

    def places_left(self, run: RunIn) -> int:
        counts = (c.available for c in self.capacities if c.service_at_location_id == run.id)
        return next(counts, 0)


class DirectoryIn(Record):
    contents: list[ServiceIn]


def slug_for(name: str, id: uuid.UUID) -> str:
    """A slug for a record from a feed with none of ours: its name, else its id."""
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50].strip("-")
    return words or f"imported-{str(id)[:8]}"


def _texts(s: ServiceIn) -> dict[str, TextSeed]:
    """The patient texts: ours (the extension), or English ones from the standard's fields."""
    if s.extension.texts is not None:
        return s.extension.texts
    about = s.description or ""
    return {
        "en": TextSeed.model_validate(
            {
                "name": s.name,
                "summary": about,
                "what_happens": about,
                "who_for": s.eligibility_description or about,
                "how_to_join": s.application_process or about,
            }
        )
    }


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """A readable place for an error: the record's slug or id and the field, e.g.
    contents[desmond].name."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            record = node if isinstance(node, dict) else {}
            extension = record.get("x-finder")
            ours: dict[str, Any] = extension if isinstance(extension, dict) else {}
            name = ours.get("slug") or ours.get("key") or record.get("id")
            parts[-1] += f"[{name if isinstance(name, str) and name else key}]"
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(str(key))
    return ".".join(parts)


def _referred_runs() -> list[CourseRun]:
    """Course runs that referrals point to: an import may neither remove nor move them."""
    referred = select(Referral.id).where(Referral.course_run_id == CourseRun.id).exists()
    return list(db.session.scalars(select(CourseRun).where(referred)))


def _moves(new: RunIn, programme: ServiceIn, run: CourseRun) -> bool:
    """Whether ``new`` changes what the people referred to ``run`` were told."""
    schedule = new.schedules[0]
    venue = run.venue.uuid if run.venue else None
    told = (run.programme.uuid, venue, run.start_date, run.start_time, run.end_time, run.language)
    imported = (
        str(programme.id),
        str(new.location.id) if new.location else None,
        schedule.dtstart,
        schedule.opens_at,
        schedule.closes_at,
        _run_language(programme, new),
    )
    return imported != told


def _run_language(s: ServiceIn, run: RunIn) -> str:
    return (run.languages or s.languages)[0].code


def _referred_run_problems(parsed: DirectoryIn) -> list[str]:
    imported = {str(run.id): (s, run) for s in parsed.contents for run in s.service_at_locations}
    services = {str(s.id) for s in parsed.contents}
    problems = []
    for run in _referred_runs():
        if run.uuid not in imported:
            # A retired run is in no export, and stays; an import only replaces the runs of
            # the services it holds.
            if not run.retired and run.programme.uuid in services:
                where = f"contents[{run.programme.slug}].service_at_locations[{run.key}]"
                problems.append(
                    _(
                        "%(where)s: this course run has referrals, so an import cannot remove "
                        "it. Delete it on the directory page: it will be retired.",
                        where=where,
                    )
                )
            continue
        service, new = imported[run.uuid]
        where = f"contents[{service.slug}].service_at_locations[{new.key}]"
        if run.retired:
            problems.append(
                _(
                    "%(where)s: this course run was retired. Give a new course run a new id.",
                    where=where,
                )
            )
        elif _moves(new, service, run):
            problems.append(
                _(
                    "%(where)s: this course run has referrals, so an import cannot change its "
                    "programme, venue, dates, times or language.",
                    where=where,
                )
            )
    return problems


def _taken(model: Any, slug_column: Any, slug: str, id: str) -> bool:
    """Whether another record (another UUID) already has this slug or key."""
    other = db.session.scalar(select(model.uuid).where(slug_column == slug))
    return other is not None and other != id


def _service_problems(s: ServiceIn) -> list[str]:
    where = f"contents[{s.slug}]"
    problems = []
    for kind, missing in (("diabetes", "a diabetes type"), ("stage", "a stage")):
        if not s.terms(kind):
            problems.append(
                _(
                    "%(where)s.attributes: give %(missing)s as a term of the taxonomy "
                    "%(taxonomy)s (see /openreferral/taxonomy_terms).",
                    where=where,
                    missing=missing,
                    taxonomy=documents.TAXONOMY_ID,
                )
            )
    try:
        _texts(s)
    except ValidationError as exc:
        for e in exc.errors():
            problems.append(f"{where}.description: {e['msg']} ({e['loc'][0]})")
    if s.extension.sources is None and s.url is None:
        problems.append(
            _(
                "%(where)s.url: give the service's web address (the source of its facts).",
                where=where,
            )
        )
    known = set(db.session.scalars(select(Area.slug))) | {
        a.extension.slug or slug_for(a.name, a.id) for a in s.service_areas
    }
    for run in s.service_at_locations:
        named = run.location.extension.area if run.location else None
        if run.location and (named not in known if named else not s.service_areas):
            problems.append(
                _(
                    "%(where)s.service_at_locations[%(run)s].location: its area is not in the "
                    "directory: give the service its area (service_areas).",
                    where=where,
                    run=run.key,
                )
            )
    return problems


def _slug_problems(parsed: DirectoryIn) -> list[str]:
    """Slugs and keys that another record (another UUID) has, in the file or the database."""
    seen: dict[tuple[str, str], str] = {}
    problems = []

    def check(kind: str, model: Any, column: Any, slug: str, id: uuid.UUID, where: str) -> None:
        earlier = seen.setdefault((kind, slug), str(id))
        if earlier != str(id) or _taken(model, column, slug, str(id)):
            problems.append(
                _("%(where)s: %(slug)s is another record's short name.", where=where, slug=slug)
            )

    for s in parsed.contents:
        where = f"contents[{s.slug}]"
        check("programme", Programme, Programme.slug, s.slug, s.id, where)
        org = s.organization
        org_slug = org.extension.slug or slug_for(org.name, org.id)
        check("provider", Provider, Provider.slug, org_slug, org.id, f"{where}.organization")
        for run in s.service_at_locations:
            run_where = f"{where}.service_at_locations[{run.key}]"
            check("run", CourseRun, CourseRun.key, run.key, run.id, run_where)
            if run.location:
                loc = run.location
                slug = loc.extension.slug or slug_for(loc.name, loc.id)
                check("venue", Venue, Venue.slug, slug, loc.id, f"{run_where}.location")
    return problems


def validate(data: Any) -> DirectoryIn:
    try:
        parsed = DirectoryIn.model_validate(data)
    except ValidationError as exc:
        raise ImportErrors(
            [f"{_where(data, tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from exc
    problems = [p for s in parsed.contents for p in _service_problems(s)]
    problems += _slug_problems(parsed)
    problems += _referred_run_problems(parsed)
    if problems:
        raise ImportErrors(problems)
    return parsed


def _area(area: ServiceAreaIn) -> Area:
    """The area: ours with this UUID, else ours with this short name (another directory's
    "Haringey" is our Haringey, under its own id), else a new one."""
    slug = area.extension.slug or slug_for(area.name, area.id)
    known = db.session.scalar(select(Area).where(Area.uuid == str(area.id)))
    named = known or db.session.scalar(select(Area).where(Area.slug == slug))
    if named is None:
        named = Area(uuid=str(area.id))
        db.session.add(named)
    named.slug, named.name = slug, area.name
    return named


def _venue(loc: LocationIn, areas: list[Area]) -> Venue:
    slug = loc.extension.slug or slug_for(loc.name, loc.id)
    named = loc.extension.area
    area = db.session.scalar(select(Area).filter_by(slug=named)) if named else None
    made: Venue = upsert(
        Venue,
        {"uuid": str(loc.id)},
        {
            "slug": slug,
            "name": loc.name,
            "address": loc.address,
            "postcode": loc.addresses[0].postal_code,
            "step_free": loc.step_free,
            "area": area or areas[0],
        },
    )
    return made


def apply(parsed: DirectoryIn) -> dict[str, int]:
    """Write a validated directory in one transaction (the caller commits)."""
    runs = 0
    for s in parsed.contents:
        ext, org = s.extension, s.organization
        areas = [_area(a) for a in s.service_areas]
        db.session.flush()  # a venue's area is looked up by slug
        provider = upsert(
            Provider,
            {"uuid": str(org.id)},
            {
                "slug": org.extension.slug or slug_for(org.name, org.id),
                "name": org.name,
                "website": org.website,
            },
        )
        sources = ext.sources or [
            SourceSeed(fact=_("Listed by %(name)s", name=org.name), url=str(s.url))
        ]
        programme = upsert(
            Programme,
            {"uuid": str(s.id)},
            {
                "slug": s.slug,
                "provider": provider,
                "delivery": s.delivery,
                "diabetes_types": s.terms("diabetes"),
                "stages": s.terms("stage"),
                "self_referral": ext.self_referral,
                "companion_welcome": ext.companion_welcome,
                "covers_other_conditions": ext.covers_other_conditions,
                "content_languages": [lang.code for lang in s.languages],
                "sessions": ext.sessions,
                "session_hours": ext.session_hours,
                "join_url": s.url,
                "sources": [src.model_dump(mode="json") for src in sources],
                "last_verified": s.assured_date,
                "areas": areas,
            },
        )
        texts = _texts(s)
        existing = {t.locale: t for t in programme.texts}
        for locale, text in texts.items():
            row = existing.get(locale) or ProgrammeText(locale=locale)
            for name, value in text.model_dump().items():
                setattr(row, name, value)
            if locale not in existing:
                programme.texts.append(row)
        for gone in set(existing) - set(texts):
            programme.texts.remove(existing[gone])
        listed: set[str] = set()
        for run in s.service_at_locations:
            schedule = run.schedules[0]
            listed.add(str(run.id))
            upsert(
                CourseRun,
                {"uuid": str(run.id)},
                {
                    "key": run.key,
                    "programme": programme,
                    "venue": _venue(run.location, areas) if run.location else None,
                    "start_date": schedule.dtstart,
                    "start_time": schedule.opens_at,
                    "end_time": schedule.closes_at,
                    "language": _run_language(s, run),
                    "places_left": s.places_left(run),
                    "expected_wait_days": run.extension.expected_wait_days,
                },
            )
        runs += len(listed)
        # The service's runs that the file no longer lists go (validate kept referred ones);
        # retired runs are in no export, and stay.
        db.session.flush()
        for old in db.session.scalars(
            select(CourseRun).where(
                CourseRun.programme_id == programme.id, CourseRun.retired.is_(False)
            )
        ):
            if old.uuid not in listed:
                db.session.delete(old)
    return {"services": len(parsed.contents), "runs": runs}
