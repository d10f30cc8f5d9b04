"""Schemathesis against the UK profile's own OpenAPI description, in-process (WSGI, no network):
generated requests to every operation; no answer is a server error, and every 200 matches the
profile's response schema.

The description is used as published (tests/standards/oruk-uk-profile/openapi.json) with only
what is needed to run it offline and to make it a valid OpenAPI 3.0 document, each noted below.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from finder.extensions import db
from tests.conftest import ROOT, migrated_app, own_database

STANDARDS = ROOT / "tests" / "standards"
COMPILED = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"


def offline(description: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = copy.deepcopy(description)
    service = json.loads((STANDARDS / "oruk-uk-profile/service_with_definitions.json").read_text())
    # The response schemas live on GitHub: the same files' local copies. Their
    # "#/definitions/..." refs resolve against the document root, so the definitions go there.
    raw["definitions"] = service.pop("definitions")
    for key in ("name", "path", "datapackage_metadata", "tabular_required", "description"):
        service.pop(key, None)
    raw["components"]["schemas"]["Service"] = service
    local = {
        "compiled/service.json": "#/components/schemas/Service",
        "compiled/service_list.json": "#/components/schemas/Service",
        "taxonomy.json": "#/definitions/taxonomy",
        "taxonomy_term.json": "#/definitions/taxonomy_term",
        "compiled/service_at_location_list.json": "#/definitions/service_at_location",
    }
    text = json.dumps(raw)
    for remote, here in local.items():
        text = text.replace(f'"{COMPILED}{remote}"', f'"{here}"')
    raw = json.loads(text)
    # "Retrieve fully nested service_at_location": the description says so, its schema points
    # at service.json; we serve the service_at_location (with its service nested).
    sal = raw["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]
    sal["content"]["application/json"]["schema"] = {"$ref": "#/definitions/service_at_location"}
    # "type": "time" is no JSON Schema type: a string (HH:MM).
    for parameter in raw["components"]["parameters"].values():
        if parameter["schema"].get("type") == "time":
            parameter["schema"] = {"type": "string"}
    # jsonSchemaDialect is OpenAPI 3.1's; the document says 3.0.0.
    raw.pop("jsonSchemaDialect", None)
    raw["servers"] = [{"url": "/openreferral"}]
    return raw


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory):
    app = migrated_app(own_database("schemathesis", tmp_path_factory))
    yield app
    with app.app_context():
        db.engine.dispose()


def operations(app) -> list[Any]:
    description = json.loads((STANDARDS / "oruk-uk-profile/openapi.json").read_text())
    loaded = schemathesis.openapi.from_dict(offline(description))
    loaded.app = app
    found = []
    for result in loaded.get_all_operations():
        assert isinstance(result, Ok), result.err()
        found.append(result.ok())
    return found


@pytest.mark.slow
def test_the_profile_description_holds(fuzzed_app):
    found = operations(fuzzed_app)
    assert len(found) == 9  # every path of the description, each a GET
    for operation in found:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def holds(case):
            # identity: the site gzips JSON, and the WSGI transport does not unzip it.
            case.call_and_validate(
                headers={"Accept-Encoding": "identity"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        holds()
