"""Directory maintenance, export and import, through the real app."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import time_machine
import yaml
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import AuditEvent, CourseRun, Programme
from tests.conftest import ROOT, check_page, migrated_app
from tests.forms import shown_fields
from tests.staff.conftest import csrf_token, sign_in


@pytest.fixture(scope="module")
def own_app(tmp_path_factory):
    """A directory of its own (on SQLite in every run): these tests change it."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('directory') / 'd.db'}")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def commissioner(own_app):
    return sign_in(own_app.test_client(), "commissioner")


def post(client, path, **data):
    data["csrf_token"] = csrf_token(client, "/en/staff/")
    return client.post(path, data=data)


def page(response, status=200):
    assert response.status_code == status, response.status_code
    return check_page(response.get_data(as_text=True))


TEXT = {
    "name": "DESMOND",
    "summary": "Kurs grupowy.",
    "what_happens": "Spotykasz się z innymi.",
    "who_for": "Dorośli.",
    "how_to_join": "Zapytaj w przychodni.",
}


def test_the_commissioner_edits_text_in_a_language_and_it_is_audited(own_app, commissioner):
    path = "/en/staff/directory/programmes/desmond?text_lang=pl"
    response = post(commissioner, path, **TEXT, join_url="", self_referral="")
    assert response.status_code == 302
    assert "Kurs grupowy." in own_app.test_client().get("/pl/programmes/desmond").get_data(
        as_text=True
    )
    with own_app.app_context():
        audited = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "directory.programme")
            .order_by(AuditEvent.id)
        ).all()
        assert [(a.object_ref, a.detail["language"]) for a in audited][-1] == ("desmond", "pl")


def test_languages_without_text_are_marked_english_shown(own_app, commissioner):
    with own_app.app_context():
        programme = db.session.scalar(select(Programme).filter_by(slug="x-pert"))
        assert programme is not None
        gone = next(t for t in programme.texts if t.locale == "so")
        programme.texts.remove(gone)
        db.session.commit()
    soup = page(commissioner.get("/en/staff/directory/programmes/x-pert"))
    somali = soup.select_one(".app-language-tabs a[lang=so]").find_parent("li")
    assert "English shown" in somali.get_text()
    patient = page(own_app.test_client().get("/so/programmes/x-pert"))
    assert patient.find("h1")["lang"] == "en"
    assert patient.find(class_="app-fallback-note")


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.org", "//evil.example"]
)
def test_unsafe_links_are_rejected(own_app, commissioner, link):
    path = "/en/staff/directory/programmes/desmond/facts"
    soup = page(post(commissioner, path, **{**shown_fields(commissioner, path), "join_url": link}))
    assert (
        "Enter a web address that starts with https://"
        in soup.find(class_="nhsuk-error-summary").get_text()
    )
    with own_app.app_context():
        assert db.session.scalar(select(Programme.join_url).filter_by(slug="desmond")) != link


def test_text_is_escaped_on_output(own_app, commissioner):
    path = "/en/staff/directory/programmes/dsmp?text_lang=en"
    evil = {**TEXT, "name": "<script>alert('x')</script>Self-Management"}
    post(commissioner, path, **evil, join_url="https://example.org/")
    html = own_app.test_client().get("/en/programmes/dsmp").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def seeded_last_verified(slug: str) -> dt.date:
    programmes = yaml.safe_load((ROOT / "seeds" / "programmes.yaml").read_text(encoding="utf-8"))
    last_verified = next(p["last_verified"] for p in programmes if p["slug"] == slug)
    assert isinstance(last_verified, dt.date), last_verified
    return last_verified


def test_stale_entries_are_flagged_to_commissioners_and_marked_to_patients(own_app):
    # DESMOND's seeded date turns stale FINDER_STALE_MONTHS (6) after it: look a month after
    # that date, not today, so the test means the same whenever it runs.
    a_month_on = seeded_last_verified("desmond") + dt.timedelta(days=30)
    with time_machine.travel(dt.datetime.combine(a_month_on, dt.time(10), dt.UTC), tick=False):
        commissioner = sign_in(own_app.test_client(), "commissioner")
        with own_app.app_context():
            programme = db.session.scalar(select(Programme).filter_by(slug="help-diabetes"))
            assert programme is not None
            programme.last_verified = a_month_on - dt.timedelta(days=200)
            db.session.commit()
        soup = page(commissioner.get("/en/staff/directory/"))
        assert soup.select_one("tr[data-programme=help-diabetes]")["data-stale"] == "yes"
        assert soup.select_one("tr[data-programme=desmond]")["data-stale"] == "no"
        patient = page(own_app.test_client().get("/en/programmes/help-diabetes"))
        assert "Some details may be out of date" in patient.select_one(".app-stale").get_text()
        post(
            commissioner,
            "/en/staff/directory/programmes/help-diabetes?text_lang=en",
            **{**TEXT, "name": "Healthy Living (HeLP-Diabetes)"},
            join_url="https://www.healthyliving.nhs.uk/",
            self_referral="y",
            verified="y",
        )
        patient = page(own_app.test_client().get("/en/programmes/help-diabetes"))
        assert not patient.select(".app-stale")


def test_an_evening_run_added_by_a_commissioner_changes_a_patients_results(own_app, commissioner):
    results = "/en/results?daytime=no&evenings=yes&weekends=no&language=bn"
    before = page(own_app.test_client().get(results)).select_one("[data-programme=desmond]")
    assert before["data-fit"] == "unlikely"
    soon = clock.today() + dt.timedelta(days=7)
    start = soon + dt.timedelta(days=(1 - soon.weekday()) % 7)  # a Tuesday
    response = post(
        commissioner,
        "/en/staff/directory/runs/new",
        programme="desmond",
        venue="canal-health-centre",
        start_date=start.strftime("%d/%m/%Y"),
        start_time="18:00",
        end_time="21:00",
        language="bn",
        places_left="10",
        expected_wait_days="21",
    )
    assert response.status_code == 302
    after = page(own_app.test_client().get(results)).select_one("[data-programme=desmond]")
    assert after["data-fit"] == "good"
    assert "There is an evening course starting on" in after.get_text()


def test_a_bad_run_is_refused_and_named(own_app, commissioner):
    soup = page(
        post(
            commissioner,
            "/en/staff/directory/runs/new",
            programme="desmond",
            venue="canal-health-centre",
            start_date="31/02/2027",
            start_time="25:00",
            end_time="10:00",
            language="xx",
            places_left="-1",
        )
    )
    summary = soup.find(class_="nhsuk-error-summary").get_text()
    assert "Enter the date of the first session" in summary
    assert "Enter a time like 18:30" in summary
    assert "Enter a language code" in summary


RUN = {
    "programme": "desmond",
    "venue": "canal-health-centre",
    "start_date": "01/03/2027",
    "start_time": "18:00",
    "end_time": "20:00",
    "language": "en",
    "places_left": "12",
}


@pytest.mark.parametrize("field", ["places_left", "expected_wait_days"])
def test_a_number_too_big_for_any_range_is_refused_and_named(commissioner, field):
    """S28 found this: a 400-digit number made the range check overflow (a 500)."""
    soup = page(post(commissioner, "/en/staff/directory/runs/new", **{**RUN, field: "9" * 400}))
    summary = soup.find(class_="nhsuk-error-summary").get_text()
    assert (
        "Enter a number from 0 to 500" if field == "places_left" else "Enter a number from 0 to 365"
    ) in summary


def test_a_run_edited_without_its_times_keeps_them(own_app, commissioner):
    """S28 found this: a stored time, not text, reached the time check when a time was left out."""
    with own_app.app_context():
        run = db.session.scalars(select(CourseRun).order_by(CourseRun.id)).first()
        assert run is not None
        run_id, times = run.id, (run.start_time, run.end_time)
    data = {k: v for k, v in RUN.items() if not k.endswith("_time")}
    response = post(
        commissioner, f"/en/staff/directory/runs/{run_id}", **{**data, "places_left": "3"}
    )
    assert response.status_code == 302
    with own_app.app_context():
        run = db.session.get(CourseRun, run_id)
        assert run is not None
        assert (run.start_time, run.end_time, run.places_left) == (*times, 3)


def export(client):
    """The export, without the moment its places were read (capacities' "updated")."""
    response = client.get("/en/staff/directory/export.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    for service in data["contents"]:
        for capacity in service.get("capacities", []):
            capacity.pop("updated")
    return data


def ours(data, slug):
    return next(s for s in data["contents"] if s["x-finder"]["slug"] == slug)


def upload(client, data):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.post(
        "/en/staff/directory/import",
        data={
            "file": (io.BytesIO(raw), "directory.json"),
            "csrf_token": csrf_token(client, "/en/staff/"),
        },
        content_type="multipart/form-data",
    )


def test_export_follows_open_referral_shapes(commissioner):
    data = export(commissioner)
    service = ours(data, "desmond")
    assert {
        "id",
        "name",
        "description",
        "organization",
        "attributes",
        "languages",
        "service_at_locations",
    } <= set(service)
    schedule = service["service_at_locations"][0]["schedules"][0]
    assert schedule["freq"] == "WEEKLY"
    assert schedule["byday"] in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    assert "diabetes:type2" in [a["taxonomy_term"]["term"] for a in service["attributes"]]


def test_round_trip_export_import_gives_the_same_directory(commissioner):
    first = export(commissioner)
    assert upload(commissioner, first).status_code == 302
    assert export(commissioner) == first


def test_an_import_with_errors_reports_each_and_changes_nothing(own_app, commissioner):
    data = export(commissioner)
    desmond = ours(data, "desmond")
    desmond["x-finder"]["delivery"] = "carrier-pigeon"
    desmond["service_at_locations"][0]["schedules"][0]["closes_at"] = "01:00"
    data["contents"][1]["x-finder"]["texts"].pop("en")
    desmond["service_at_locations"][0]["location"]["name"] = ""
    run = desmond["service_at_locations"][0]["x-finder"]["key"]
    before = export(commissioner)
    soup = page(upload(commissioner, data))
    errors = [a.get_text(strip=True) for a in soup.select(".nhsuk-error-summary a")]
    assert any(e.startswith("contents[desmond].x-finder.delivery") for e in errors), errors
    second = data["contents"][1]["x-finder"]["slug"]
    assert any(e.startswith(f"contents[{second}].x-finder.texts") for e in errors)
    assert any(
        e.startswith(f"contents[desmond].service_at_locations[{run}].location.name") for e in errors
    )
    assert export(commissioner) == before
    bad_json = page(upload(commissioner, b"{not json"))
    assert "The file is not JSON" in bad_json.find(class_="nhsuk-error-summary").get_text()


def csv_export(client) -> list[dict[str, str]]:
    body = client.get("/en/staff/directory/export.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_directory_csv_export(commissioner):
    rows = csv_export(commissioner)
    assert list(rows[0])[:4] == ["programme", "delivery", "run", "start_date"]
    assert any(row["programme"] == "desmond" and row["delivery"] == "group" for row in rows)


def test_a_venue_renamed_to_a_formula_is_neutralised_in_the_csv_export(commissioner):
    formula = '=HYPERLINK("http://evil","x")'
    response = post(
        commissioner,
        "/en/staff/directory/venues/old-library-hall",
        slug="old-library-hall",
        name=formula,
        address="@SUM(1)",
        postcode="ZZ1 3CC",
        area="haringey",
        step_free="no",
    )
    assert response.status_code == 302
    try:
        venues = {(row["venue"], row["address"]) for row in csv_export(commissioner)}
        assert ("'" + formula, "'@SUM(1)") in venues
        assert not any(name.startswith(("=", "@")) for pair in venues for name in pair)
    finally:
        post(
            commissioner,
            "/en/staff/directory/venues/old-library-hall",
            slug="old-library-hall",
            name="Old Library Hall (demo)",
            address="5 Pretend Lane, London",
            postcode="ZZ1 3CC",
            area="haringey",
            step_free="no",
        )


def test_the_expected_wait_reaches_patients_and_survives_a_round_trip(own_app, commissioner):
    with own_app.app_context():
        run = db.session.scalar(select(CourseRun).where(CourseRun.expected_wait_days.is_not(None)))
        assert run is not None
        slug, days = run.programme.slug, run.expected_wait_days
    page = own_app.test_client().get(f"/en/programmes/{slug}").get_data(as_text=True)
    assert f"The expected wait for a place is {days} days." in page
    exported = export(commissioner)
    runs = [r for s in exported["contents"] for r in s.get("service_at_locations", [])]
    assert days in [r["x-finder"].get("expected_wait_days") for r in runs]
