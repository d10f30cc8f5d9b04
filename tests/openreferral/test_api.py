"""The Open Referral UK API and the staff export, checked against the standards' own schemas
(tests/standards/: HSDS 3.1 and the UK profile, copied unchanged from the standards bodies) and
against values written by hand from the seed files."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from finder.extensions import db
from tests.conftest import ROOT, migrated_app, own_database

STANDARDS = ROOT / "tests" / "standards"
SCHEMAS = {
    "HSDS 3.1": STANDARDS / "hsds-3.1" / "service_with_definitions.json",
    "UK profile": STANDARDS / "oruk-uk-profile" / "service_with_definitions.json",
}
PROFILE_API = json.loads((STANDARDS / "oruk-uk-profile" / "openapi.json").read_text())
# What migration 0014 and the models derive each seeded record's UUID from (kept by hand here:
# the same seeds publish the same ids everywhere).
NAMESPACE = uuid.UUID("0f4b8a52-3c1e-4b8e-9a57-5d1e2f6c7a10")


def seeded(table: str, slug: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{table}:{slug}"))


def validator(path: Path, definition: str | None = None) -> Draft202012Validator:
    schema = json.loads(path.read_text())
    if definition:  # one of the file's definitions, e.g. service_at_location
        schema = {"definitions": schema["definitions"], "$ref": f"#/definitions/{definition}"}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(document: Any, definition: str | None = None) -> list[str]:
    """Every error against both official schemas (the service, or one of its definitions)."""
    return [
        f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for name, path in SCHEMAS.items()
        for e in validator(path, definition).iter_errors(document)
    ]


def nulls(document: Any, where: str = "") -> list[str]:
    """Where a value is null or an empty list (the profile: omit a field without a value)."""
    if document is None or document == []:
        return [where]
    if isinstance(document, dict):
        return [p for k, v in document.items() for p in nulls(v, f"{where}/{k}")]
    if isinstance(document, list):
        return [p for i, v in enumerate(document) for p in nulls(v, f"{where}/{i}")]
    return []


PAGE = Draft202012Validator(
    {**PROFILE_API["components"]["schemas"]["Page"], "required": ["contents"]}
)


@pytest.fixture(scope="module")
def oruk_app(tmp_path_factory):
    """An app of its own on the seeds alone (the filters' expected results are the seeds')."""
    app = migrated_app(own_database("openreferral", tmp_path_factory))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def api(oruk_app):
    client = oruk_app.test_client()

    def get(path: str, status: int = 200) -> Any:
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code, response.data[:300])
        assert response.mimetype == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        return response.get_json()

    return get


def listing(api, path: str) -> list[dict[str, Any]]:
    body = api(path)
    assert not list(PAGE.iter_errors(body)), list(PAGE.iter_errors(body))
    contents: list[dict[str, Any]] = body["contents"]
    return contents


def test_the_index_says_the_version_and_where_the_description_is(api):
    index = api("/openreferral/")
    schema = PROFILE_API["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert not list(Draft202012Validator(schema["schema"]).iter_errors(index))
    assert index["version"] == "3.1"
    served = api(index["openapi_url"].removeprefix("http://localhost"))
    assert served == PROFILE_API


def test_every_service_is_valid_and_fully_nested(api):
    services = listing(api, "/openreferral/services?per_page=200")
    assert {s["id"] for s in services} == {
        seeded("programme", slug) for slug in ("help-diabetes", "desmond", "dsmp", "x-pert")
    }
    for summary in services:
        assert schema_errors(summary) == []
        assert nulls(summary) == []
        full = api(f"/openreferral/services/{summary['id']}")
        assert schema_errors(full) == [], full["name"]
        assert nulls(full) == []
        assert full["organization"]["id"] == full["organization_id"]


def test_desmond_carries_its_facts_in_the_standards_fields(api):
    desmond = api(f"/openreferral/services/{seeded('programme', 'desmond')}")
    assert desmond["assured_date"] == "2026-11-20"  # seeds/programmes.yaml last_verified
    assert [lang["code"] for lang in desmond["languages"]] == ["en"]
    assert {a["name"] for a in desmond["service_areas"]} == {"Camden", "Islington"}
    assert desmond["cost_options"][0]["amount"] == 0
    terms = {a["taxonomy_term"]["term"] for a in desmond["attributes"]}
    assert terms == {"diabetes:type2", "stage:recent", "stage:established", "delivery:group"}
    runs = {r["x-finder"]["key"]: r for r in desmond["service_at_locations"]}
    assert set(runs) == {
        "desmond-camden-weekday",
        "desmond-camden-saturday",
        "desmond-islington-bengali",
    }
    bengali = runs["desmond-islington-bengali"]
    assert bengali["id"] == seeded("course_run", "desmond-islington-bengali")
    assert bengali["languages"][0]["code"] == "bn"
    assert bengali["location"]["id"] == seeded("venue", "canal-health-centre")
    assert bengali["location"]["addresses"][0]["postal_code"] == "ZZ1 2BB"
    schedule = bengali["schedules"][0]
    assert (schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "TH",
        "10:00",
        "13:00",
    )
    assert schedule["count"] == 2  # seeds: DESMOND, 2 sessions
    places = {c["service_at_location_id"]: c["available"] for c in desmond["capacities"]}
    assert places[bengali["id"]] == 6  # seeds/course_runs.yaml places_left


def test_service_at_locations_are_valid(api):
    found = listing(api, "/openreferral/service_at_locations?per_page=200")
    assert len(found) == 7  # seeds/course_runs.yaml
    for item in found:
        assert schema_errors(item, "service_at_location") == []
        assert nulls(item) == []
        full = api(f"/openreferral/service_at_locations/{item['id']}")
        assert schema_errors(full, "service_at_location") == []
        assert schema_errors(full["service"]) == []
        assert nulls(full) == []


def test_taxonomies_and_terms_are_valid(api):
    (taxonomy,) = listing(api, "/openreferral/taxonomies")
    assert schema_errors(taxonomy, "taxonomy") == []
    full = api(f"/openreferral/taxonomies/{taxonomy['id']}")
    assert schema_errors(full, "taxonomy") == []
    terms = listing(api, "/openreferral/taxonomy_terms")
    assert len(terms) == 6
    for term in terms:
        assert schema_errors(term, "taxonomy_term") == []
        assert api(f"/openreferral/taxonomy_terms/{term['id']}") == term


def term(api, name: str) -> str:
    found: str = next(
        t["id"] for t in listing(api, "/openreferral/taxonomy_terms") if t["term"] == name
    )
    return found


def slugs(services: list[dict[str, Any]]) -> set[str]:
    by_id = {seeded("programme", s): s for s in ("help-diabetes", "desmond", "dsmp", "x-pert")}
    return {by_id[s["id"]] for s in services}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("day=SA", {"desmond"}),
        ("day=monday", {"x-pert"}),
        ("start_time=18:00", {"x-pert", "dsmp"}),
        ("end_time=13:00", {"desmond", "dsmp"}),
        ("start_time=10:00&end_time=13:00&day=TH", {"desmond", "dsmp"}),
        ("search=desmond", {"desmond"}),
        ("search=", {"help-diabetes", "desmond", "dsmp", "x-pert"}),
        ("minimum_age=18", {"help-diabetes", "desmond", "dsmp", "x-pert"}),
    ],
)
def test_services_are_filtered(api, query, expected):
    assert slugs(listing(api, f"/openreferral/services?{query}")) == expected


def test_services_are_filtered_by_taxonomy(api):
    type1 = term(api, "diabetes:type1")
    assert slugs(listing(api, f"/openreferral/services?taxonomy_term_id={type1}")) == {"dsmp"}
    online = term(api, "delivery:online")
    found = listing(api, f"/openreferral/services?taxonomy_term_id={online}")
    assert slugs(found) == {"help-diabetes"}
    other = str(uuid.uuid4())
    assert listing(api, f"/openreferral/services?taxonomy_id={other}") == []


def test_service_at_locations_are_filtered(api):
    evening = listing(api, "/openreferral/service_at_locations?start_time=18:00")
    keys = {seeded("course_run", k) for k in ("x-pert-islington-evening", "dsmp-islington-evening")}
    assert {r["id"] for r in evening} == keys
    at_canal = listing(api, "/openreferral/service_at_locations?postcode=zz1%202bb")
    assert {r["location_id"] for r in at_canal} == {seeded("venue", "canal-health-centre")} | {
        r["location_id"] for r in at_canal
    }
    district = listing(api, "/openreferral/service_at_locations?postcode=ZZ12BB")
    assert len(district) == 7  # every demo venue is in district ZZ1


def test_pages(api):
    first = api("/openreferral/services?per_page=3")
    assert (first["total_items"], first["total_pages"], first["size"]) == (4, 2, 3)
    assert (first["first_page"], first["last_page"], first["empty"]) == (True, False, False)
    second = api("/openreferral/services?per_page=3&page=2")
    assert (second["page_number"], second["size"], second["last_page"]) == (2, 1, True)
    ids = [s["id"] for s in first["contents"] + second["contents"]]
    assert len(set(ids)) == 4
    beyond = api("/openreferral/services?page=9")
    assert (beyond["contents"], beyond["size"], beyond["empty"]) == ([], 0, False)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("/services?page=0", "page"),
        ("/services?page=abc", "page"),
        ("/services?page=1e9999", "page"),
        ("/services?per_page=100000", "per_page"),
        ("/services?per_page=-1", "per_page"),
        ("/services?minimum_age=old", "minimum_age"),
        ("/services?maximum_age=NaN", "maximum_age"),
        ("/services?start_time=25:00", "start_time"),
        ("/services?end_time=9am", "end_time"),
        ("/services?day=someday", "day"),
        ("/services?taxonomy_term_id=not-a-uuid", "taxonomy_term_id"),
        ("/services?search=" + "a" * 201, "search"),
        ("/services?colour=blue", "colour"),
        ("/services?page=1&page=2", "page"),
        ("/service_at_locations?postcode=nowhere", "postcode"),
        ("/service_at_locations?postcode=ZZ1%201AA&proximity=1000", "proximity"),
        ("/service_at_locations?proximity=1000", "proximity"),
        ("/taxonomies?search=x", "search"),
        ("/services/x?full=true", "full"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(api, query, parameter):
    body = api(f"/openreferral{query}", status=400)
    assert [e["parameter"] for e in body["errors"]] == [parameter]


def test_a_nul_anywhere_is_a_400(api):
    assert api("/openreferral/services?search=a%00b", status=400)["error"] == "bad_request"


@pytest.mark.parametrize(
    "path",
    [
        "/services/not-there",
        "/services/6f1d2c3b-4a59-4e8f-9d0c-1b2a3f4e5d6c",
        "/service_at_locations/x",
        "/taxonomies/x",
        "/taxonomy_terms/x",
        "/organizations",
    ],
)
def test_what_is_not_there_is_a_json_404(api, path):
    assert api(f"/openreferral{path}", status=404) == {"error": "not_found"}


def test_the_api_is_anonymous_and_holds_no_personal_data(oruk_app, app, make_referral, client):
    """Served from the shared app too (where referrals are made): nothing of a person."""
    reference = make_referral(name="Oruk Private Person", nhs_number="9434765919")
    seen = []
    for path in ("/services?per_page=200", "/service_at_locations?per_page=200"):
        body = client.get(f"/openreferral{path}").get_data(as_text=True)
        seen.append(body)
        for item in json.loads(body)["contents"]:
            kind = path.split("?")[0]
            seen.append(client.get(f"/openreferral{kind}/{item['id']}").get_data(as_text=True))
    text = "\n".join(seen)
    for private in ("Oruk Private Person", "9434765919", reference):
        assert private not in text
    assert "Set-Cookie" not in client.get("/openreferral/services").headers


def test_the_staff_export_is_the_same_documents(oruk_app, api):
    from tests.staff.conftest import sign_in

    commissioner = sign_in(oruk_app.test_client(), "commissioner")
    exported = json.loads(commissioner.get("/en/staff/directory/export.json").data)
    assert not list(PAGE.iter_errors(exported))
    for service in exported["contents"]:
        assert schema_errors(service) == []
        assert nulls(service) == []
        served = api(f"/openreferral/services/{service['id']}")
        for document in (served, service):
            for capacity in document.get("capacities", []):
                capacity.pop("updated")
        assert served == service
