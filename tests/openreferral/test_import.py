"""The directory import reads what the Open Referral UK API writes, and conformant feeds from
other directories, with the seed loader's rules (on a database of its own: imports change
the directory other tests read)."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest

from finder.extensions import db
from tests.conftest import check_page, migrated_app, own_database
from tests.openreferral.test_api import nulls, schema_errors
from tests.staff.conftest import csrf_token, sign_in

IMPORT = "/en/staff/directory/import"


@pytest.fixture(scope="module")
def import_app(tmp_path_factory):
    app = migrated_app(own_database("oruk_import", tmp_path_factory))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def commissioner(import_app):
    return sign_in(import_app.test_client(), "commissioner")


def upload(client, data: Any):
    return client.post(
        IMPORT,
        data={
            "file": (io.BytesIO(json.dumps(data).encode()), "feed.json"),
            "csrf_token": csrf_token(client, IMPORT),
        },
        content_type="multipart/form-data",
    )


def problems(response) -> list[str]:
    soup = check_page(response.get_data(as_text=True))
    return [li.get_text(" ", strip=True) for li in soup.select(".nhsuk-error-summary li")]


def without_times(document: Any) -> Any:
    for capacity in document.get("capacities", []):
        capacity.pop("updated")
    return document


def served(client) -> dict[str, dict[str, Any]]:
    listed = client.get("/openreferral/services?per_page=200").get_json()["contents"]
    return {
        s["id"]: without_times(client.get(f"/openreferral/services/{s['id']}").get_json())
        for s in listed
    }


def test_what_the_api_writes_imports_as_the_same_directory(import_app, commissioner):
    anyone = import_app.test_client()
    before = served(anyone)
    response = upload(commissioner, list(before.values()))  # a list of services
    assert response.status_code == 302, problems(response)
    assert served(anyone) == before
    one = next(iter(before.values()))
    assert upload(commissioner, one).status_code == 302  # one service
    assert served(anyone) == before


# A course as another Open Referral UK directory (a council's) would publish it: no extension of
# ours; our taxonomy's terms named by their term.
FEED_SERVICE: dict[str, Any] = {
    "id": "5b0f3c2e-8d4a-4f7e-9b1c-2a6d8e4f0c11",
    "name": "Living Well with Diabetes (Borough Council)",
    "description": "A free four-week course about living with type 2 diabetes.",
    "url": "https://council.example.org/living-well",
    "status": "active",
    "eligibility_description": "Adults with type 2 diabetes living in the borough.",
    "application_process": "Phone the council's health team.",
    "assured_date": "2026-10-01",
    "organization": {
        "id": "1c9e6f0a-2b3d-4e5f-8a7b-9c0d1e2f3a4b",
        "name": "Borough Council Public Health",
        "description": "The council's public health team.",
        "website": "https://council.example.org/",
    },
    "languages": [{"id": "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", "code": "en", "name": "English"}],
    "service_areas": [
        {"id": "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d", "name": "Haringey"},
    ],
    "service_at_locations": [
        {
            "id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
            "location": {
                "id": "9f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a",
                "location_type": "physical",
                "name": "Council Library Meeting Room",
                "addresses": [
                    {
                        "id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
                        "address_1": "1 Civic Way",
                        "city": "London",
                        "state_province": "Greater London",
                        "postal_code": "ZZ9 9ZZ",
                        "country": "GB",
                        "address_type": "physical",
                    }
                ],
            },
            "schedules": [
                {
                    "id": "4b5c6d7e-8f90-4a1b-8c2d-3e4f5a6b7c8d",
                    "freq": "WEEKLY",
                    "dtstart": "2027-02-03",
                    "byday": "WE",
                    "opens_at": "14:00",
                    "closes_at": "16:00",
                }
            ],
        }
    ],
}


def with_our_terms(client, service: dict[str, Any], *terms: str) -> dict[str, Any]:
    """The service with attributes naming terms of our published taxonomy."""
    published = client.get("/openreferral/taxonomy_terms").get_json()["contents"]
    chosen = [t for t in published if t["term"] in terms]
    attributes = [
        {
            "id": str(uuid.uuid4()),
            "taxonomy_term_id": t["id"],
            "taxonomy_term": {k: t[k] for k in ("id", "name", "description", "term")},
        }
        for t in chosen
    ]
    return {**service, "attributes": attributes}


def test_a_feed_from_another_directory_is_refused_without_our_terms(commissioner):
    assert schema_errors(FEED_SERVICE) == []  # conformant
    found = problems(upload(commissioner, FEED_SERVICE))
    assert any(".attributes" in p and "diabetes type" in p for p in found), found
    assert any(".attributes" in p and "a stage" in p for p in found), found


def test_a_feed_from_another_directory_is_imported_and_published(import_app, commissioner):
    feed = with_our_terms(import_app.test_client(), FEED_SERVICE, "diabetes:type2", "stage:recent")
    assert schema_errors(feed) == []  # conformant, before we read it
    response = upload(commissioner, {"contents": [feed]})
    assert response.status_code == 302, problems(response)
    anyone = import_app.test_client()
    published = anyone.get(f"/openreferral/services/{FEED_SERVICE['id']}").get_json()
    assert schema_errors(published) == []
    assert nulls(published) == []
    assert published["name"] == FEED_SERVICE["name"]
    assert published["organization"]["id"] == FEED_SERVICE["organization"]["id"]
    (run,) = published["service_at_locations"]
    assert run["id"] == FEED_SERVICE["service_at_locations"][0]["id"]
    assert run["location"]["addresses"][0]["postal_code"] == "ZZ9 9ZZ"
    assert run["schedules"][0]["byday"] == "WE"
    slug = published["x-finder"]["slug"]
    assert slug == "living-well-with-diabetes-borough-council"
    page = anyone.get(f"/en/programmes/{slug}")
    assert page.status_code == 200
    assert "Living Well with Diabetes" in page.get_data(as_text=True)


def test_a_service_that_is_not_active_is_refused(import_app, commissioner):
    feed = with_our_terms(import_app.test_client(), FEED_SERVICE, "diabetes:type2", "stage:recent")
    found = problems(upload(commissioner, {**feed, "status": "defunct"}))
    assert any(p.startswith("contents[") and ".status:" in p for p in found), found
