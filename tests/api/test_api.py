"""The JSON API: real responses checked against the OpenAPI description it publishes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from finder.circumstances import CHOICES, PARAMETERS


@pytest.fixture(scope="module")
def spec(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)  # a valid OpenAPI 3.1 document
    return document


def conforms(spec, path, status, response):
    """Check a response body against the schema the spec gives for it."""
    content = spec["paths"][path]["get"]["responses"][str(status)]["content"]
    schema = content["application/json"]["schema"]
    validator = Draft202012Validator(
        {**schema, "components": spec["components"]}, format_checker=FormatChecker()
    )
    errors = [e.message for e in validator.iter_errors(response.get_json())]
    assert not errors, errors


def test_every_api_route_is_described_and_every_described_path_exists(app, spec):
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    described = set(spec["paths"])
    assert routes - {"/api/v1/openapi.json"} <= described
    assert described <= routes | {"/healthz"}


def test_programmes_conform(client, spec):
    response = client.get("/api/v1/programmes")
    assert response.status_code == 200
    conforms(spec, "/api/v1/programmes", 200, response)
    slugs = [p["slug"] for p in response.get_json()["programmes"]]
    assert slugs == ["desmond", "dsmp", "help-diabetes", "x-pert"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "diabetes=type2&daytime=no&computer=confident",
        "diabetes=type1&language=bn&area=camden",
        "diabetes=prediabetes",
        "daytime=no&evenings=yes&weekends=no&learning=group&group_worry=yes&reading=spoken"
        "&companion=yes&conditions=yes&diagnosed=recent",
    ],
)
def test_match_conforms(client, spec, query):
    response = client.get(f"/api/v1/match?{query}")
    assert response.status_code == 200
    conforms(spec, "/api/v1/match", 200, response)
    body = response.get_json()
    assert len(body["options"]) + body["elsewhere"] == 4


def test_match_gives_the_same_menu_as_the_results_page(client):
    from bs4 import BeautifulSoup

    query = "diabetes=type2&daytime=no&computer=confident&language=bn"
    api = [
        (o["programme"], o["fit"])
        for o in client.get(f"/api/v1/match?{query}").get_json()["options"]
    ]
    page = BeautifulSoup(client.get(f"/en/results?{query}").data, "html5lib")
    html = [(o["data-programme"], o["data-fit"]) for o in page.select("[data-programme][data-fit]")]
    assert api == html


def test_match_reasons_have_codes_and_words(client):
    options = client.get("/api/v1/match?daytime=no&computer=confident").get_json()["options"]
    online = next(o for o in options if o["programme"] == "help-diabetes")
    assert {
        "code": "online_any_time",
        "text": "It is online and open 24 hours a day, so it fits around work or caring.",
    } in online["reasons"]


def test_bad_parameters_give_400_naming_each(client, spec):
    response = client.get("/api/v1/match?diabetes=type3&area=nowhere&computer=confident&lang=xx")
    assert response.status_code == 400
    conforms(spec, "/api/v1/match", 400, response)
    named = {e["parameter"]: e for e in response.get_json()["errors"]}
    assert set(named) == {"diabetes", "area", "lang"}
    assert named["diabetes"]["allowed"] == list(CHOICES["diabetes"])
    assert named["area"]["value"] == "nowhere"


def test_healthz_checks_the_database(client, spec):
    response = client.get("/healthz")
    assert response.status_code == 200
    conforms(spec, "/healthz", 200, response)


def test_healthz_says_when_the_database_does_not_answer(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


query_values = st.one_of(
    st.text(max_size=12),
    st.sampled_from([v for values in CHOICES.values() for v in values] + ["bn", "camden", "%00"]),
)


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from([*PARAMETERS, "lang", "continue", "return"]), query_values))
def test_no_query_string_gives_a_server_error(client, args):
    for path in ("/api/v1/match", "/en/results", "/en/find/check", "/en/find/language"):
        response = client.get(path, query_string=args)
        assert response.status_code < 500, (path, args)
