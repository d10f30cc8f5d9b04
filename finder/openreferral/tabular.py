"""The directory as the Open Referral UK tabular data package: one CSV per HSDS table
(services.csv, locations.csv, schedules.csv ...), named and with columns as the HSDS 3.1 schema
names them, and a datapackage.json (Frictionless Data Package) describing each, in one zip.

Made from the same documents as the API (documents.py): each nested object becomes a row of
its table, linked by its parent's id (service_id, location_id ...). The run's language (an
extension in the JSON) has no column in HSDS's languages table and is left out here.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from finder import csvfile

# table: (file, [(column, Table Schema type, format or None)]), in HSDS 3.1's names.
UUID = ("string", "uuid")
TABLES: dict[str, tuple[str, list[tuple[str, str, str | None]]]] = {
    "organization": (
        "organizations.csv",
        [("id", *UUID), ("name", "string", None), ("description", "string", None),
         ("website", "string", "uri")],
    ),
    "service": (
        "services.csv",
        [("id", *UUID), ("organization_id", *UUID), ("name", "string", None),
         ("description", "string", None), ("url", "string", "uri"), ("status", "string", None),
         ("eligibility_description", "string", None), ("application_process", "string", None),
         ("assured_date", "date", None)],
    ),
    "attribute": (
        "attributes.csv",
        [("id", *UUID), ("link_id", *UUID), ("link_type", "string", None),
         ("link_entity", "string", None), ("taxonomy_term_id", *UUID)],
    ),
    "service_at_location": (
        "service_at_location.csv",
        [("id", *UUID), ("service_id", *UUID), ("location_id", *UUID)],
    ),
    "location": (
        "locations.csv",
        [("id", *UUID), ("location_type", "string", None), ("name", "string", None)],
    ),
    "address": (
        "addresses.csv",
        [("id", *UUID), ("location_id", *UUID), ("address_1", "string", None),
         ("city", "string", None), ("state_province", "string", None),
         ("postal_code", "string", None), ("country", "string", None),
         ("address_type", "string", None)],
    ),
    "schedule": (
        "schedules.csv",
        [("id", *UUID), ("service_id", *UUID), ("service_at_location_id", *UUID),
         ("valid_from", "date", None), ("valid_to", "date", None), ("dtstart", "date", None),
         ("freq", "string", None), ("interval", "number", None), ("count", "number", None),
         ("wkst", "string", None), ("byday", "string", None), ("opens_at", "string", None),
         ("closes_at", "string", None), ("attending_type", "string", None),
         ("description", "string", None)],
    ),
    "service_area": (
        "service_areas.csv",
        [("id", *UUID), ("service_id", *UUID), ("name", "string", None)],
    ),
    "language": (
        "languages.csv",
        [("id", *UUID), ("service_id", *UUID), ("name", "string", None),
         ("code", "string", None)],
    ),
    "accessibility": (
        "accessibility.csv",
        [("id", *UUID), ("location_id", *UUID), ("description", "string", None)],
    ),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        [("id", *UUID), ("name", "string", None), ("description", "string", None),
         ("taxonomy", "string", None), ("taxonomy_id", *UUID), ("code", "string", None)],
    ),
    "cost_option": (
        "cost_options.csv",
        [("id", *UUID), ("service_id", *UUID), ("option", "string", None),
         ("currency", "string", None), ("amount", "number", None)],
    ),
    "taxonomy": (
        "taxonomies.csv",
        [("id", *UUID), ("name", "string", None), ("description", "string", None),
         ("version", "string", None)],
    ),
    "service_capacity": (
        "service_capacity.csv",
        [("id", *UUID), ("service_id", *UUID), ("unit_id", *UUID),
         ("available", "number", None), ("description", "string", None),
         ("updated", "datetime", None)],
    ),
    "unit": ("units.csv", [("id", *UUID), ("name", "string", None)]),
}  # fmt: skip


def rows(services: Iterable[dict[str, Any]], taxonomy: dict[str, Any]) -> dict[str, list[Any]]:
    """Every table's records (dicts), each once, from the fully nested services."""
    found: dict[str, dict[str, dict[str, Any]]] = {table: {} for table in TABLES}

    def add(table: str, record: dict[str, Any]) -> None:
        found[table].setdefault(record["id"], record)

    add("taxonomy", taxonomy)
    for service in services:
        add("service", service)
        add("organization", service["organization"])
        for attribute in service.get("attributes", []):
            add("attribute", attribute)
            add("taxonomy_term", attribute["taxonomy_term"])
        for area in service.get("service_areas", []):
            add("service_area", area)
        for language in service.get("languages", []):
            add("language", language)
        for cost in service.get("cost_options", []):
            add("cost_option", cost)
        for capacity in service.get("capacities", []):
            add("service_capacity", capacity)
            add("unit", capacity["unit"])
        for run in service.get("service_at_locations", []):
            add("service_at_location", run)
            for schedule in run.get("schedules", []):
                add("schedule", schedule)
            if "location" in run:
                location = run["location"]
                add("location", location)
                for address in location.get("addresses", []):
                    add("address", address)
                for access in location.get("accessibility", []):
                    add("accessibility", access)
    return {table: list(records.values()) for table, records in found.items()}


def package(services: Iterable[dict[str, Any]], taxonomy: dict[str, Any]) -> bytes:
    """The data package as a zip: datapackage.json and one CSV per table."""
    tables = rows(services, taxonomy)
    out = io.BytesIO()
    resources = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, (path, columns) in TABLES.items():
            names = [name for name, _type, _format in columns]
            body = csvfile.text(names, ([r.get(n) for n in names] for r in tables[table]))
            archive.writestr(path, body)
            fields = [
                {"name": name, "type": kind, **({"format": fmt} if fmt else {})}
                for name, kind, fmt in columns
            ]
            resources.append(
                {
                    "name": table,
                    "path": path,
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8-sig",
                    "schema": {"fields": fields, "primaryKey": ["id"]},
                }
            )
        descriptor = {
            "name": "open-referral-uk-directory",
            "title": "Diabetes Education Finder directory (Open Referral UK, HSDS 3.1)",
            "profile": "tabular-data-package",
            "resources": resources,
        }
        archive.writestr("datapackage.json", json.dumps(descriptor, indent=2))
    return out.getvalue()
