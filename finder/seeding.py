"""``flask seed``: fill the directory (and, in demo mode, demo data) from ``seeds/*.yaml``.

Every file is validated before anything is written; errors name the file, the entry and the
field. The directory in the database is the source of truth: a seed adds the entries it lacks
(matched on their slug, code, key or email) and never changes one already there, unless asked
to replace them on purpose (``flask seed --replace``, which first says what it will overwrite).
Demo venues, course runs, practices and staff accounts load only in demo mode.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from finder import passwords
from finder.audit import record
from finder.circumstances import CHOICES, valid_language
from finder.database import writes
from finder.extensions import db
from finder.limits import PLACES_MAX, SESSIONS_MAX, TEXT_MAX, WAIT_DAYS_MAX, max_length
from finder.matching import PATTERNS
from finder.models import (
    Area,
    CourseRun,
    Practice,
    Programme,
    ProgrammeText,
    Provider,
    User,
    Venue,
)
from finder.policy import SLUG

# The rules for each kind of value, used by the seed models below and by the directory import
# (finder/commissioning/hsds.py): one definition of each rule.

# Every slug column (area, provider, programme, venue) is as long as the programme's.
Slug = Annotated[str, Field(pattern=SLUG, max_length=max_length(Programme.slug))]
RunKey = Annotated[str, Field(pattern=SLUG, max_length=max_length(CourseRun.key))]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DiabetesType = Literal["type1", "type2"]
Stage = Literal["recent", "established"]
Delivery = Literal["online", "group"]
Sessions = Annotated[int, Field(ge=1, le=SESSIONS_MAX)]
SessionHours = Annotated[float, Field(gt=0, le=24)]
PlacesLeft = Annotated[int, Field(ge=0, le=PLACES_MAX)]
Pattern = Literal[PATTERNS]  # type: ignore[valid-type]
SourcedField = Literal[
    "availability",
    "diabetes_types",
    "stages",
    "companion_welcome",
    "covers_other_conditions",
    "self_referral",
]
WaitDays = Annotated[int, Field(ge=0, le=WAIT_DAYS_MAX)]


def required_text(column: Any) -> Any:
    """A text that must be given and fit ``column`` (e.g. ``Venue.name``)."""
    return Field(min_length=1, max_length=max_length(column))


def _a_language(tag: str) -> str:
    if not valid_language(tag):
        raise PydanticCustomError("language", "'{tag}' is not a language tag", {"tag": tag})
    return tag


Language = Annotated[
    str, Field(max_length=max_length(CourseRun.language)), AfterValidator(_a_language)
]


def is_web_link(value: str) -> bool:
    """Only web links: never javascript:, data: or anything else a browser would run."""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. "http://[": not a valid address at all
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _a_web_link(value: str) -> str:
    if not is_web_link(value):
        raise PydanticCustomError("web_link", "must be a web address starting with https://")
    return value


WebLink = Annotated[
    str, Field(max_length=max_length(Programme.join_url)), AfterValidator(_a_web_link)
]


def ends_after(start: dt.time | None, end: dt.time) -> dt.time:
    """A session ends after it starts (``start`` is None when it was itself invalid)."""
    if start is not None and end <= start:
        raise PydanticCustomError("time_order", "must be after the start time")
    return end


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False  # nested models checked their own fields


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL keeps no NUL character in text.
        if _holds_nul(value):
            raise PydanticCustomError("nul", "must not contain a NUL character")
        return value


class AreaSeed(Strict):
    slug: Slug
    name: str = required_text(Area.name)


class ProviderSeed(Strict):
    slug: Slug
    name: str = required_text(Provider.name)
    website: WebLink | None = None


class SourceSeed(Strict):
    fact: str = Field(min_length=1, max_length=TEXT_MAX)
    url: WebLink
    unverified: bool = False
    # The programme fields this source supports: an unverified one is never a ranking reason.
    about: list[SourcedField] = []


class TextSeed(Strict):
    name: str = required_text(ProgrammeText.name)
    summary: str = required_text(ProgrammeText.summary)
    what_happens: str = required_text(ProgrammeText.what_happens)
    who_for: str = required_text(ProgrammeText.who_for)
    how_to_join: str = required_text(ProgrammeText.how_to_join)


class ProgrammeSeed(Strict):
    slug: Slug
    provider: Slug
    delivery: Delivery
    diabetes_types: list[DiabetesType] = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    self_referral: bool
    companion_welcome: bool | None
    covers_other_conditions: bool
    newly_diagnosed_module: bool = False
    content_languages: list[Language] = Field(min_length=1)
    sessions: Sessions | None = None
    session_hours: SessionHours | None = None
    join_url: WebLink | None = None
    needs_email: bool = False
    referral_contact: str | None = Field(None, max_length=max_length(Programme.referral_contact))
    areas: list[Slug]
    last_verified: dt.date
    sources: list[SourceSeed] = Field(min_length=1)


class VenueSeed(Strict):
    slug: Slug
    name: str = required_text(Venue.name)
    address: str = required_text(Venue.address)
    postcode: str = required_text(Venue.postcode)
    area: Slug
    step_free: bool
    parking: bool | None = None


class RunSeed(Strict):
    key: RunKey
    programme: Slug
    venue: Slug | None = None
    starts_in_days: int = Field(ge=0, le=365)
    weekday: Literal[WEEKDAYS]  # type: ignore[valid-type]
    start: dt.time
    end: dt.time
    language: Language
    sessions: Sessions
    pattern: Pattern
    places_left: PlacesLeft

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: dt.time, info: ValidationInfo) -> dt.time:
        return ends_after(info.data.get("start"), end)

    def start_date(self, today: dt.date) -> dt.date:
        earliest = today + dt.timedelta(days=self.starts_in_days)
        ahead = (WEEKDAYS.index(self.weekday) - earliest.weekday()) % 7
        return earliest + dt.timedelta(days=ahead)


class PracticeSeed(Strict):
    code: str = Field(pattern=r"^[A-Z0-9]{3,20}$", max_length=max_length(Practice.code))
    name: str = required_text(Practice.name)
    area: Slug
    phone: str | None = Field(None, min_length=1, max_length=max_length(Practice.phone))
    opening_hours: str | None = Field(
        None, min_length=1, max_length=max_length(Practice.opening_hours)
    )


class UserSeed(Strict):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$", max_length=max_length(User.email))
    name: str = required_text(User.name)
    role: Literal["clinician", "support", "commissioner", "admin", "provider"]
    practice: str | None = None
    provider: Slug | None = None


assert set(CHOICES["diabetes"]) >= {"type1", "type2"}  # noqa: S101 - seeds use the vocabulary


class SeedError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


M = TypeVar("M", bound=Strict)


def _load(path: Path, model: type[M], key: str, problems: list[str]) -> list[M]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: cannot read: {exc}")
        return []
    if not isinstance(raw, list):
        problems.append(f"{path.name}: must be a list of entries")
        return []
    entries: list[M] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        name = item.get(key) if isinstance(item, dict) else None
        where = f"{path.name}: entry {number}" + (f" ({name})" if name else "")
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(entry)"
                problems.append(f"{where}, field '{field}': {err['msg']}")
            continue
        if getattr(entry, key) in seen:
            problems.append(f"{where}, field '{key}': duplicate value")
        seen.add(getattr(entry, key))
        entries.append(entry)
    return entries


def _load_texts(folder: Path, problems: list[str]) -> dict[str, dict[str, TextSeed]]:
    """programme_text/<language>.yaml: each maps a programme slug to its text in that language."""
    texts: dict[str, dict[str, TextSeed]] = {}
    for path in sorted((folder / "programme_text").glob("*.yaml")):
        where = f"programme_text/{path.name}"
        if not valid_language(path.stem):
            problems.append(f"{where}: the file name must be a language tag, such as bn.yaml")
            continue
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{where}: cannot read: {exc}")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{where}: must map each programme slug to its text")
            continue
        for slug, item in raw.items():
            try:
                texts.setdefault(str(slug), {})[path.stem] = TextSeed.model_validate(item)
            except ValidationError as exc:
                for err in exc.errors():
                    field = ".".join(str(p) for p in err["loc"]) or "(entry)"
                    problems.append(f"{where}: entry {slug}, field '{field}': {err['msg']}")
    return texts


def _refs(where: str, field: str, values: list[str] | Iterator[str], known: set[str]) -> list[str]:
    return [f"{where}, field '{field}': unknown '{v}'" for v in values if v not in known]


@dataclass(frozen=True)
class Seeds:
    entries: dict[str, list[Any]]  # each file's validated entries, by kind
    texts: dict[str, dict[str, TextSeed]]  # programme slug -> language -> text


def read_seeds(folder: Path, demo: bool) -> Seeds:
    problems: list[str] = []
    data: dict[str, list[Any]] = {
        "areas": _load(folder / "areas.yaml", AreaSeed, "slug", problems),
        "providers": _load(folder / "providers.yaml", ProviderSeed, "slug", problems),
        "programmes": _load(folder / "programmes.yaml", ProgrammeSeed, "slug", problems),
        "venues": _load(folder / "venues.yaml", VenueSeed, "slug", problems),
        "runs": _load(folder / "course_runs.yaml", RunSeed, "key", problems),
        "practices": _load(folder / "practices.yaml", PracticeSeed, "code", problems),
        "users": _load(folder / "demo_users.yaml", UserSeed, "email", problems) if demo else [],
    }
    texts = _load_texts(folder, problems)
    areas = {a.slug for a in data["areas"]}
    providers = {p.slug for p in data["providers"]}
    programmes = {p.slug for p in data["programmes"]}
    venues = {v.slug for v in data["venues"]}
    practices = {p.code for p in data["practices"]}
    for p in data["programmes"]:
        where = f"programmes.yaml: {p.slug}"
        problems += _refs(where, "provider", [p.provider], providers)
        problems += _refs(where, "areas", p.areas, areas)
        if "en" not in texts.get(p.slug, {}):
            problems.append(f"programme_text/en.yaml: entry {p.slug}: English text is required")
    for slug in texts:
        if slug not in programmes:
            problems.append(f"programme_text: entry {slug}: no such programme in programmes.yaml")
    for v in data["venues"]:
        problems += _refs(f"venues.yaml: {v.slug}", "area", [v.area], areas)
    for r in data["runs"]:
        where = f"course_runs.yaml: {r.key}"
        problems += _refs(where, "programme", [r.programme], programmes)
        problems += _refs(where, "venue", [r.venue] if r.venue else [], venues)
    for pr in data["practices"]:
        problems += _refs(f"practices.yaml: {pr.code}", "area", [pr.area], areas)
    for u in data["users"]:
        where = f"demo_users.yaml: {u.email}"
        needs_practice = u.role in ("clinician", "support")
        if needs_practice and not u.practice:
            problems.append(f"{where}, field 'practice': required for role {u.role}")
        if not needs_practice and u.practice:
            problems.append(f"{where}, field 'practice': role {u.role} has no practice")
        problems += _refs(where, "practice", [u.practice] if u.practice else [], practices)
        if (u.role == "provider") != bool(u.provider):
            problems.append(f"{where}, field 'provider': required for role provider, only")
        problems += _refs(where, "provider", [u.provider] if u.provider else [], providers)
    if problems:
        raise SeedError(problems)
    return Seeds(data, texts)


def upsert(model: type[Any], lookup: dict[str, Any], values: dict[str, Any]) -> Any:
    """The directory import's write (finder/commissioning/hsds.py): an imported file is the
    commissioner's own choice, so what it holds replaces what is there."""
    row = db.session.scalar(select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    return row


class _DryRun(Exception):
    """Raised at the end of a dry run so its unit of work rolls back."""


@dataclass
class Outcome:
    """What a seed did (or, in a dry run, would do)."""

    added: Counter[str] = field(default_factory=Counter)  # new records, by kind
    kept: Counter[str] = field(default_factory=Counter)  # already there, left as they are
    # Records already there that differ from the seed files: "programme desmond: join_url".
    # Left as they are, or overwritten with --replace.
    differ: list[str] = field(default_factory=list)


class _Writer:
    """Adds what the seed files have and the directory lacks; changes what is already there
    only when replacing on purpose."""

    def __init__(self, replace: bool) -> None:
        self.replace = replace
        self.outcome = Outcome()

    def put(
        self, kind: str, model: type[Any], lookup: dict[str, Any], values: dict[str, Any]
    ) -> Any:
        row = db.session.scalar(select(model).filter_by(**lookup))
        if row is None:
            row = model(**lookup, **values)
            db.session.add(row)
            self.outcome.added[kind] += 1
            return row
        self.update(kind, "/".join(str(v) for v in lookup.values()), row, values)
        return row

    def update(self, kind: str, name: str, row: Any, values: dict[str, Any]) -> bool:
        """``row`` already exists: kept, or (replacing) overwritten with ``values``."""
        changed = [k for k, v in values.items() if getattr(row, k) != v]
        self.outcome.kept[kind] += 1
        if changed:
            self.outcome.differ.append(f"{kind} {name}: {', '.join(changed)}")
            if self.replace:
                for k in changed:
                    setattr(row, k, values[k])
        return bool(changed)


def seed(
    folder: Path,
    today: dt.date,
    demo: bool,
    demo_password: str,
    replace: bool = False,
    dry_run: bool = False,
) -> Outcome:
    """Validate every seed file, then write them in one unit of work.

    The directory is the source of truth: records already there are left as they are (a
    commissioner's edit wins) unless ``replace``. Demo venues, course runs, practices and staff
    accounts load only with ``demo``. ``dry_run`` writes nothing and says what would change."""
    seeds = read_seeds(folder, demo)
    writer = _Writer(replace)
    try:
        with writes():
            _write(seeds, writer, today, demo, demo_password)
            record(
                "directory.seed",
                None,
                added=dict(writer.outcome.added),
                differ=len(writer.outcome.differ),
                replace=replace,
            )
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return writer.outcome


def _demo_contact(programme: ProgrammeSeed, demo: bool) -> str | None:
    """In demo mode, a programme that takes referrals and has no referral contact gets one at
    example.org (never delivered), so that a referral's email to its course team can be seen
    in the outbox."""
    if not demo or programme.delivery == "online":
        return None
    return f"{programme.slug}.referrals@example.org"


def _write(seeds: Seeds, w: _Writer, today: dt.date, demo: bool, demo_password: str) -> None:
    data = seeds.entries
    areas = {a.slug: w.put("area", Area, {"slug": a.slug}, {"name": a.name}) for a in data["areas"]}
    providers = {
        p.slug: w.put(
            "provider", Provider, {"slug": p.slug}, {"name": p.name, "website": p.website}
        )
        for p in data["providers"]
    }
    for p in data["programmes"]:
        prog = w.put(
            "programme",
            Programme,
            {"slug": p.slug},
            {
                "provider": providers[p.provider],
                "delivery": p.delivery,
                "diabetes_types": p.diabetes_types,
                "stages": p.stages,
                "self_referral": p.self_referral,
                "companion_welcome": p.companion_welcome,
                "covers_other_conditions": p.covers_other_conditions,
                "newly_diagnosed_module": p.newly_diagnosed_module,
                "content_languages": p.content_languages,
                "sessions": p.sessions,
                "session_hours": p.session_hours,
                "join_url": p.join_url,
                "needs_email": p.needs_email,
                "referral_contact": p.referral_contact or _demo_contact(p, demo),
                "sources": [s.model_dump(mode="json") for s in p.sources],
                "last_verified": p.last_verified,
                "areas": sorted((areas[a] for a in p.areas), key=lambda a: a.slug),
            },
        )
        existing = {t.locale: t for t in prog.texts}
        for locale, text in sorted(seeds.texts[p.slug].items()):
            values = text.model_dump()
            if locale in existing:
                w.update("programme text", f"{p.slug}/{locale}", existing[locale], values)
            else:
                prog.texts.append(ProgrammeText(locale=locale, **values))
                w.outcome.added["programme text"] += 1
    if not demo:
        return  # venues, runs, practices and people in the seed files are all fictional
    venues = {
        v.slug: w.put(
            "venue",
            Venue,
            {"slug": v.slug},
            {
                "name": v.name,
                "address": v.address,
                "postcode": v.postcode,
                "area": areas[v.area],
                "step_free": v.step_free,
                "parking": v.parking,
            },
        )
        for v in data["venues"]
    }
    programmes = {p.slug: p for p in db.session.scalars(select(Programme))}
    for r in data["runs"]:
        w.put(
            "course run",
            CourseRun,
            {"key": r.key},
            {
                "programme": programmes[r.programme],
                "venue": venues[r.venue] if r.venue else None,
                "start_date": r.start_date(today),
                "start_time": r.start,
                "end_time": r.end,
                "language": r.language,
                "sessions": r.sessions,
                "pattern": r.pattern,
                "places_left": r.places_left,
            },
        )
    practices = {
        pr.code: w.put(
            "practice",
            Practice,
            {"code": pr.code},
            {
                "name": pr.name,
                "area": areas[pr.area],
                "phone": pr.phone,
                "opening_hours": pr.opening_hours,
            },
        )
        for pr in data["practices"]
    }
    for u in data["users"]:
        user = w.put(
            "staff account",
            User,
            {"email": u.email},
            {
                "name": u.name,
                "role": u.role,
                "practice": practices[u.practice] if u.practice else None,
                "provider": providers[u.provider] if u.provider else None,
                "active": True,
            },
        )
        if not user.password_hash or (
            w.replace and not passwords.verify(user.password_hash, demo_password)
        ):
            user.password_hash = passwords.hash_password(demo_password)
