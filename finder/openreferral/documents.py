"""The directory as Open Referral UK documents (HSDS 3.1 objects, valid against both HSDS 3.1
and the UK profile): one fully nested service per programme, a service_at_location per course
run, and the taxonomy the services' attributes use.

Pure functions of the directory's objects (the worker's read-only copy for the API, the
database for the staff export): no query here.

Where the standard has a field, we use it:
- ids: the stable ``uuid`` of each directory row (migration 0014); records with no row of their
  own (a schedule, an address, a language entry) get a UUID derived from their parent's, so the
  same directory always publishes the same ids;
- eligibility: ``attributes`` linking the service to terms of our taxonomy (diabetes type,
  stage, delivery), and ``eligibility_description`` (the English "who it is for");
- languages: the programme's content languages in ``languages``;
- "last verified": ``assured_date``; cost: ``cost_options`` (see FREE);
- each course run: a ``service_at_location`` (``location`` the venue) with its ``schedule``
  (RFC 5545 fields: dtstart, WEEKLY, byday, count), and its places left as a
  ``service_capacity`` (``capacities``, unit "places").

Extensions (fields the standard has no place for; the UK profile allows extra properties):
- ``x-finder`` on a service: delivery, self_referral, companion_welcome,
  covers_other_conditions, sessions, session_hours, sources, slug and the patient texts per
  language; on an organization, area (service_area) or location: slug (and a location's area);
  on a service_at_location: key and expected_wait_days;
- ``languages`` on a service_at_location: the course run's language (HSDS links a language to a
  service, location or phone, not to one run);
- ``service_at_location_id`` on a service_capacity: the run whose places it counts.
Optional fields without a value are left out, never null.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from babel import Locale

from finder.models import Area, CourseRun, Programme, Venue

HSDS_VERSION = "3.1"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
COUNTRY = "GB"
# Every programme in this directory is NHS-funded and free to the patient (the sources in
# reference/programmes.md); the directory keeps no fee, so none is published.
FREE = "Free on the NHS"
STEP_FREE = "Step-free access"

# Our taxonomy: the terms the matching uses, so a reader can filter as the finder does.
TAXONOMY_ID = "9c3b7f0e-5a56-4d0c-8a5e-2f1f0b6b2d41"
TAXONOMY = {
    "id": TAXONOMY_ID,
    "name": "Diabetes Education Finder",
    "description": (
        "Who a diabetes self-management education programme is for (diabetes type, time since "
        "diagnosis) and how it is delivered."
    ),
    "version": "1",
}
# (kind, value) -> (name, description); kind and value are the seed files' vocabulary.
TERMS: dict[tuple[str, str], tuple[str, str]] = {
    ("diabetes", "type1"): ("Type 1 diabetes", "For people with type 1 diabetes."),
    ("diabetes", "type2"): ("Type 2 diabetes", "For people with type 2 diabetes."),
    ("stage", "recent"): ("Recently diagnosed", "For people diagnosed in the last year."),
    ("stage", "established"): (
        "Diagnosed more than a year ago",
        "For people who have had diabetes for more than a year.",
    ),
    ("delivery", "group"): ("Group course", "Taught to a group, in person, on set dates."),
    ("delivery", "online"): ("Online", "Done online, at the person's own pace."),
}


def derived(parent: str, name: str) -> str:
    """A stable UUID for a record that has no row of its own, from its parent's UUID."""
    return str(uuid.uuid5(uuid.UUID(parent), name))


def term_id(kind: str, value: str) -> str:
    return derived(TAXONOMY_ID, f"{kind}:{value}")


def taxonomy_term(kind: str, value: str) -> dict[str, Any]:
    name, description = TERMS[(kind, value)]
    return {
        "id": term_id(kind, value),
        "name": name,
        "description": description,
        "taxonomy": TAXONOMY["name"],
        "taxonomy_id": TAXONOMY_ID,
        "code": f"{kind}:{value}",  # HSDS 3.1's field
        "term": f"{kind}:{value}",  # the UK profile's
        "x-finder": {"kind": kind, "value": value},
    }


def taxonomy_terms() -> list[dict[str, Any]]:
    return [taxonomy_term(kind, value) for kind, value in TERMS]


def _present(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the fields that have no value (the profile: omit, never null)."""
    return {k: v for k, v in document.items() if v is not None and v != [] and v != {}}


def language(parent: str, code: str, **link: str) -> dict[str, Any]:
    return _present(
        {
            "id": derived(parent, f"language:{code}"),
            **link,
            "name": Locale.parse(code.replace("-", "_")).get_display_name("en"),
            "code": code,
        }
    )


def terms_of(p: Programme) -> list[tuple[str, str]]:
    """The (kind, value) of each of our taxonomy's terms that describes ``p``."""
    return (
        [("diabetes", t) for t in p.diabetes_types]
        + [("stage", s) for s in p.stages]
        + [("delivery", p.delivery)]
    )


def _attributes(p: Programme) -> list[dict[str, Any]]:
    return [
        {
            "id": derived(p.uuid, f"attribute:{kind}:{value}"),
            "link_id": p.uuid,
            "link_type": "eligibility" if kind != "delivery" else "delivery",
            "link_entity": "service",
            "taxonomy_term_id": term_id(kind, value),
            "taxonomy_term": taxonomy_term(kind, value),
        }
        for kind, value in terms_of(p)
    ]


def _address(venue: Venue) -> dict[str, Any]:
    street, _, town = venue.address.rpartition(",")
    return {
        "id": derived(venue.uuid, "address"),
        "location_id": venue.uuid,
        "address_1": (street or town).strip(),
        "city": town.strip(),
        "state_province": venue.area.name,
        "postal_code": venue.postcode,
        "country": COUNTRY,
        "address_type": "physical",
    }


def location(venue: Venue) -> dict[str, Any]:
    return {
        "id": venue.uuid,
        "location_type": "physical",
        "name": venue.name,
        "addresses": [_address(venue)],
        "accessibility": [
            {
                "id": derived(venue.uuid, "accessibility"),
                "location_id": venue.uuid,
                "description": STEP_FREE if venue.step_free else "Not step-free",
            }
        ],
        "x-finder": {"slug": venue.slug, "area": venue.area.slug},
    }


def schedule(p: Programme, run: CourseRun) -> dict[str, Any]:
    sessions = p.sessions
    return _present(
        {
            "id": derived(run.uuid, "schedule"),
            "service_id": p.uuid,
            "service_at_location_id": run.uuid,
            "valid_from": run.start_date.isoformat(),
            "valid_to": (
                (run.start_date + dt.timedelta(weeks=sessions - 1)).isoformat()
                if sessions
                else None
            ),
            "dtstart": run.start_date.isoformat(),
            "freq": "WEEKLY",
            "interval": 1,
            "count": sessions,
            "wkst": "MO",
            "byday": WEEKDAY_CODES[run.weekday],
            "opens_at": run.start_time.strftime("%H:%M"),
            "closes_at": run.end_time.strftime("%H:%M"),
            "attending_type": "in_person" if run.venue else "online",
            "description": (
                f"{sessions} weekly sessions from {run.start_date.isoformat()}"
                if sessions and sessions > 1
                else f"On {run.start_date.isoformat()}"
            ),
        }
    )


def capacity(p: Programme, run: CourseRun, updated: dt.datetime) -> dict[str, Any]:
    return {
        "id": derived(run.uuid, "capacity"),
        "service_id": p.uuid,
        "service_at_location_id": run.uuid,
        "unit_id": derived(TAXONOMY_ID, "unit:places"),
        "unit": {"id": derived(TAXONOMY_ID, "unit:places"), "name": "places"},
        "available": run.places_left,
        "description": f"Places left on the course starting {run.start_date.isoformat()}",
        "updated": updated.isoformat(timespec="seconds"),
    }


def service_at_location(p: Programme, run: CourseRun) -> dict[str, Any]:
    return _present(
        {
            "id": run.uuid,
            "service_id": p.uuid,
            "location_id": run.venue.uuid if run.venue else None,
            "location": location(run.venue) if run.venue else None,
            "schedules": [schedule(p, run)],
            "languages": [language(run.uuid, run.language)],
            "x-finder": _present({"key": run.key, "expected_wait_days": run.expected_wait_days}),
        }
    )


def _service_area(p: Programme, area: Area) -> dict[str, Any]:
    return {
        "id": area.uuid,
        "service_id": p.uuid,
        "name": area.name,
        "x-finder": {"slug": area.slug},
    }


def organization(p: Programme) -> dict[str, Any]:
    provider = p.provider
    return _present(
        {
            "id": provider.uuid,
            "name": provider.name,
            "description": "Provides diabetes self-management education listed in this directory.",
            "website": provider.website,
            "x-finder": {"slug": provider.slug},
        }
    )


def summary(p: Programme) -> dict[str, Any]:
    """The service's one-to-one fields (the listings' documents)."""
    english = {t.locale: t for t in p.texts}["en"]
    return _present(
        {
            "id": p.uuid,
            "organization_id": p.provider.uuid,
            "name": english.name,
            "description": english.summary,
            "url": p.join_url,
            "status": "active",
            "eligibility_description": english.who_for,
            "application_process": english.how_to_join,
            "assured_date": p.last_verified.isoformat(),
        }
    )


def _extension(p: Programme) -> dict[str, Any]:
    return _present(
        {
            "slug": p.slug,
            "delivery": p.delivery,
            "self_referral": p.self_referral,
            "companion_welcome": p.companion_welcome,
            "covers_other_conditions": p.covers_other_conditions,
            "sessions": p.sessions,
            "session_hours": p.session_hours,
            # A source's empty fields (e.g. no "about") are left out, as the profile asks.
            "sources": [{k: v for k, v in s.items() if v not in (None, [], "")} for s in p.sources],
            "texts": {
                t.locale: {
                    "name": t.name,
                    "summary": t.summary,
                    "what_happens": t.what_happens,
                    "who_for": t.who_for,
                    "how_to_join": t.how_to_join,
                }
                for t in sorted(p.texts, key=lambda t: t.locale)
            },
        }
    )


def service(p: Programme, updated: dt.datetime) -> dict[str, Any]:
    """The fully nested service. ``updated``: when the places left were read (now)."""
    runs = sorted(p.runs, key=lambda r: (r.start_date, r.key))
    return _present(
        {
            **summary(p),
            "organization": organization(p),
            "languages": [
                language(p.uuid, code, service_id=p.uuid) for code in p.content_languages
            ],
            "service_areas": [_service_area(p, a) for a in p.areas],
            "service_at_locations": [service_at_location(p, r) for r in runs],
            "cost_options": [
                {
                    "id": derived(p.uuid, "cost"),
                    "service_id": p.uuid,
                    "option": FREE,
                    "amount": 0,
                    "currency": "GBP",
                }
            ],
            "capacities": [capacity(p, r, updated) for r in runs],
            "attributes": _attributes(p),
            "x-finder": _extension(p),
        }
    )


def service_at_location_summary(p: Programme, run: CourseRun) -> dict[str, Any]:
    """A service_at_location with its one-to-one fields and those of its service and location."""
    return _present(
        {
            "id": run.uuid,
            "service_id": p.uuid,
            "location_id": run.venue.uuid if run.venue else None,
            "service": summary(p),
            "location": (
                {"id": run.venue.uuid, "location_type": "physical", "name": run.venue.name}
                if run.venue
                else None
            ),
        }
    )


def service_at_location_full(p: Programme, run: CourseRun, updated: dt.datetime) -> dict[str, Any]:
    """A fully nested service_at_location: the run, its venue, schedule and service."""
    return {
        **service_at_location(p, run),
        "service": _present(
            {
                **summary(p),
                "organization": organization(p),
                "capacities": [capacity(p, run, updated)],
            }
        ),
    }


def page(items: Iterable[dict[str, Any]], total: int, number: int, size: int) -> dict[str, Any]:
    """The profile's Page: its pagination fields and the page's contents."""
    contents = list(items)
    pages = max(1, -(-total // size))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": total == 0,
        "contents": contents,
    }
