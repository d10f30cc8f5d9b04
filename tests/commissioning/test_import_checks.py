"""A bad directory import is reported on the page, record by record and field by field, never
as a server error, and changes nothing (on SQLite and PostgreSQL: the shared app's database)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import CourseRun, Programme, Referral
from tests.conftest import check_page, one
from tests.staff.conftest import csrf_token

IMPORT = "/en/staff/directory/import"


@pytest.fixture
def commissioner(signed_in):
    return signed_in("commissioner")


def export(client) -> dict[str, Any]:
    """The export, without the moment its places were read (capacities' "updated")."""
    data: dict[str, Any] = json.loads(client.get("/en/staff/directory/export.json").data)
    for service in data["contents"]:
        for capacity in service.get("capacities", []):
            capacity.pop("updated")
    return data


def exported(client) -> dict[str, Any]:
    """The export as it is (to import again)."""
    data: dict[str, Any] = json.loads(client.get("/en/staff/directory/export.json").data)
    return data


def upload(client, raw: bytes):
    return client.post(
        IMPORT,
        data={
            "file": (io.BytesIO(raw), "directory.json"),
            "csrf_token": csrf_token(client, IMPORT),
        },
        content_type="multipart/form-data",
    )


def reported(response) -> list[str]:
    """The problems listed in the error summary of the import page shown again."""
    assert response.status_code in (200, 400), response.status_code
    soup = check_page(response.get_data(as_text=True))
    summary = soup.find(class_="nhsuk-error-summary")
    assert summary is not None, "no error summary"
    assert "Nothing was changed" in summary.get_text()
    assert soup.find("form", attrs={"enctype": "multipart/form-data"}) is not None
    return [li.get_text(" ", strip=True) for li in summary.select("li")]


def refused(client, raw: bytes) -> list[str]:
    before = export(client)
    problems = reported(upload(client, raw))
    assert export(client) == before, "a refused import changed the directory"
    return problems


def encode(data: Any) -> bytes:
    return json.dumps(data).encode()


def desmond(data: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = next(
        s for s in data["contents"] if s["x-finder"]["slug"] == "desmond"
    )
    return service


def first_run(data: dict[str, Any]) -> dict[str, Any]:
    run: dict[str, Any] = desmond(data)["service_at_locations"][0]
    return run


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00{", "not JSON"),
        (b"", "Choose a JSON file"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"contents": ' + b"[" * 40 + b"]" * 40 + b"}", "nested"),
        (b'{"contents": [' + b"9" * 5000 + b"]}", "not JSON"),
        (b'"directory"', "must hold Open Referral UK services"),
        (b"null", "must hold Open Referral UK services"),
        (b"42", "must hold Open Referral UK services"),
        (b'{"contents": "desmond"}', "contents"),
        (b'{"services": []}', "contents"),
        (b"[{}]", "contents[0].id"),
    ],
    ids=[
        "not-json", "not-utf8", "empty", "deep", "nested", "huge-literal", "string",
        "null", "number", "contents-not-a-list", "contents-missing", "service-without-id",
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_directory_is_reported(commissioner, raw, words):
    problems = refused(commissioner, raw)
    assert any(words in p for p in problems), problems


Change = Callable[[dict[str, Any]], str]  # changes an export; returns where the problem is


def _area_name_nul(data):
    desmond(data)["service_areas"][0]["name"] = "North\u0000side"
    return "contents[desmond].service_areas[camden].name"


def _places(value: int) -> Change:
    def change(data: dict[str, Any]) -> str:
        capacity = desmond(data)["capacities"][0]
        capacity["available"] = value
        return f"contents[desmond].capacities[{capacity['id']}].available"

    return change


def _session_hours(data):
    desmond(data)["x-finder"]["session_hours"] = 1e308 * 10  # json.dumps writes Infinity
    return "contents[desmond].x-finder.session_hours"


def _run_language(data):
    run = first_run(data)
    run["languages"][0]["code"] = "xx"
    where = f"contents[desmond].service_at_locations[{run['x-finder']['key']}]"
    return f"{where}.languages[{run['languages'][0]['id']}].code"


def _eligibility(data):
    service = desmond(data)
    service["attributes"] = [a for a in service["attributes"] if a["link_type"] != "eligibility"]
    return "contents[desmond].attributes"


def _long(path: str, length: int, value: Callable[[int], str] = lambda n: "a" * n) -> Change:
    """Set the field at ``path`` (record[index].field...) to a value one character too long;
    return where it is with each record named by its id, as the report names it."""

    def change(data: dict[str, Any]) -> str:
        node: Any = data
        named = []
        *parents, last = path.split(".")
        for part in parents:
            name, _, index = part.partition("[")
            node = node[name]
            if index:
                node = node[int(index.rstrip("]"))]
                ours = node.get("x-finder", {})
                label = ours.get("slug") or ours.get("key") or node.get("id", index.rstrip("]"))
                named.append(f"{name}[{label}]")
            else:
                named.append(name)
        node[last] = value(length + 1)
        return ".".join([*named, last])

    return change


# Column lengths read off finder/models.py by hand (Text columns: over every cap).
TOO_LONG_CASES = {
    "area-name": _long("contents[0].service_areas[0].name", 120),
    "venue-name": _long("contents[0].service_at_locations[0].location.name", 200),
    "venue-address": _long(
        "contents[0].service_at_locations[0].location.addresses[0].address_1", 300
    ),
    "venue-postcode": _long(
        "contents[0].service_at_locations[0].location.addresses[0].postal_code", 10
    ),
    "provider-name": _long("contents[0].organization.name", 200),
    "provider-website": _long(
        "contents[0].organization.website", 500, lambda n: "https://e.org/" + "a" * n
    ),
    "join-url": _long("contents[1].url", 500, lambda n: "https://e.org/" + "a" * n),
    "text-name": _long("contents[0].x-finder.texts.en.name", 200),
    "text-summary": _long("contents[0].x-finder.texts.en.summary", 10_000),
}


@pytest.mark.parametrize(
    "change",
    [
        _area_name_nul,
        _places(10**30),
        _places(-1),
        _places(2**31),
        _session_hours,
        _run_language,
        _eligibility,
        *TOO_LONG_CASES.values(),
    ],
    ids=[
        "nul", "places-huge", "places-negative", "places-int-overflow", "infinity",
        "language", "eligibility", *TOO_LONG_CASES,
    ],
)  # fmt: skip
def test_each_bad_field_is_reported_by_record_and_field(commissioner, change):
    data = export(commissioner)
    where = change(data)

    problems = refused(commissioner, encode(data))

    assert any(p.startswith(where) for p in problems), (where, problems)


def test_the_list_of_problems_is_capped(commissioner):
    data = export(commissioner)
    desmond(data)["service_areas"] += [{"id": f"Bad Area {n}", "name": "x"} for n in range(50)]

    problems = refused(commissioner, encode(data))

    # 50 bad areas: the first 20 are listed, then one line for the other 30.
    assert len(problems) == 21, problems
    assert all(p.startswith("contents[desmond].service_areas[Bad Area ") for p in problems[:20])
    assert "30 more" in problems[20]


@pytest.fixture
def referred_run(app, make_referral):
    """A DESMOND run with a referral on it (rolled back with the test's transaction)."""
    with app.app_context():
        run = CourseRun(
            key="import-test-booked-run",
            programme=db.session.scalar(select(Programme).filter_by(slug="desmond")),
            start_date=clock.today() + dt.timedelta(days=20),
            start_time=dt.time(10, 0),
            end_time=dt.time(13, 0),
            language="en",
            places_left=5,
        )
        db.session.add(run)
        db.session.flush()
        referral = db.session.scalar(
            select(Referral).filter_by(reference=make_referral(programme="desmond"))
        )
        assert referral is not None
        referral.course_run_id = run.id
        db.session.commit()
    return "import-test-booked-run"


def test_a_run_with_referrals_cannot_be_removed_or_changed_by_an_import(commissioner, referred_run):
    data = export(commissioner)
    removed = copy.deepcopy(data)
    runs = desmond(removed)["service_at_locations"]
    runs[:] = [r for r in runs if r["x-finder"]["key"] != referred_run]
    problems = refused(commissioner, encode(removed))
    assert any(referred_run in p and "referrals" in p for p in problems), problems

    moved = copy.deepcopy(data)
    booked = next(
        r for r in desmond(moved)["service_at_locations"] if r["x-finder"]["key"] == referred_run
    )
    booked["schedules"][0]["dtstart"] = (clock.today() + dt.timedelta(days=40)).isoformat()
    problems = refused(commissioner, encode(moved))
    assert any(
        p.startswith(f"contents[desmond].service_at_locations[{referred_run}]") and "referrals" in p
        for p in problems
    ), problems


def test_the_pasted_file_is_shown_again_with_the_problems(commissioner):
    data = exported(commissioner)
    desmond(data)["service_areas"][0]["name"] = ""
    text = json.dumps(data)

    response = commissioner.post(
        IMPORT, data={"json": text, "csrf_token": csrf_token(commissioner, IMPORT)}
    )

    assert reported(response)
    soup = check_page(response.get_data(as_text=True))
    assert json.loads(one(soup, "textarea[name=json]").get_text()) == data
