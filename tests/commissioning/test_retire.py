"""A course run that has referrals is cancelled, not deleted: its referrals keep their course, the
open ones go on their practice's follow-up list, and patients, matching, the API and the export
no longer see it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import Area, AuditEvent, CourseRun, Programme, Referral, Venue
from tests.conftest import check_page, one
from tests.staff.conftest import csrf_token

HALL = "Retirement Test Hall"


@pytest.fixture
def hall_run(app):
    """A Polish-language DESMOND run at a venue only these tests use; returns its id and key."""

    def make(key: str) -> tuple[int, str]:
        with app.app_context():
            venue = db.session.scalar(select(Venue).filter_by(slug="retirement-test-hall"))
            if venue is None:
                venue = Venue(
                    slug="retirement-test-hall",
                    name=HALL,
                    address="1 Test Street",
                    postcode="N1 1AA",
                    area=db.session.scalars(select(Area)).first(),
                    step_free=True,
                )
            run = CourseRun(
                key=key,
                programme=db.session.scalar(select(Programme).filter_by(slug="desmond")),
                venue=venue,
                start_date=clock.today() + dt.timedelta(days=10),
                start_time=dt.time(18, 0),
                end_time=dt.time(21, 0),
                language="pl",
                places_left=8,
            )
            db.session.add(run)
            db.session.commit()
            return run.id, run.key

    return make


def delete(client, run_id):
    token = csrf_token(client, "/en/staff/directory/")
    return client.post(f"/en/staff/directory/runs/{run_id}/delete", data={"csrf_token": token})


def seen_by_patients(client) -> dict[str, bool]:
    """Where patients could see the hall's run: programme page, results, API, export."""
    programme = client.get("/en/programmes/desmond").get_data(as_text=True)
    results = client.get("/en/results?diabetes=type2&language=pl").get_data(as_text=True)
    api = client.get("/api/v1/programmes").get_json()
    match = client.get("/api/v1/match?diabetes=type2&language=pl").get_json()
    desmond = next(p for p in api["programmes"] if p["slug"] == "desmond")
    option = next(o for o in match["options"] if o["programme"] == "desmond")
    return {
        "programme page": HALL in programme,
        "results": HALL in results,
        "api programmes": HALL in [r["venue"] for r in desmond["runs"]],
        # The hall's run is the only course in Polish.
        "api match": "course_in_language" in [r["code"] for r in option["reasons"]],
    }


def test_a_run_with_referrals_is_cancelled_not_deleted(
    app, client, signed_in, make_referral, hall_run
):
    run_id, key = hall_run("retire-test-with-referral")
    reference = make_referral(programme="desmond")
    with app.app_context():
        referral = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert referral is not None
        referral.course_run_id = run_id
        db.session.commit()
    assert seen_by_patients(client) == dict.fromkeys(seen_by_patients(client), True)
    commissioner = signed_in("commissioner")

    response = delete(commissioner, run_id)

    assert response.status_code == 302
    page = check_page(commissioner.get(response.location).get_data(as_text=True))
    assert (
        "This course has referrals, so it was cancelled instead of deleted: patients no longer "
        "see it, and its open referrals are on their practices' follow-up lists."
        in " ".join(page.get_text().split())
    )
    assert "Cancelled" in one(page, f"tr[data-run={key}]").get_text()
    with app.app_context():
        run = db.session.get(CourseRun, run_id)
        assert run is not None
        assert run.retired
        referral = db.session.scalar(select(Referral).filter_by(reference=reference))
        assert referral is not None
        assert referral.course_run_id == run_id
        audited = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_ref == key).order_by(AuditEvent.id)
        ).all()
        assert audited[-1] == "directory.run_cancelled"
        assert run.cancelled_at is not None
    assert not any(seen_by_patients(client).values()), seen_by_patients(client)
    exported = commissioner.get("/en/staff/directory/export.json").get_json()
    keys = [
        r["x-finder"]["key"]
        for s in exported["contents"]
        for r in s.get("service_at_locations", [])
    ]
    assert key not in keys
    # The practice still sees the course its referral was booked on.
    clinician = signed_in("clinician")
    detail = clinician.get(f"/en/staff/referrals/{reference}").get_data(as_text=True)
    assert "Not chosen yet" not in detail
    assert "Course cancelled" in detail
    # ... and has it on its follow-up list, to book the person onto another course.
    worklist = check_page(clinician.get("/en/staff/follow-up").get_data(as_text=True))
    item = worklist.select_one(f"[data-reference={reference}]")
    assert item is not None
    assert "run_cancelled" in str(item["data-reasons"]).split()
    assert "Course cancelled" in item.get_text()


def test_a_run_without_referrals_is_deleted(app, signed_in, hall_run):
    run_id, key = hall_run("retire-test-without-referral")
    commissioner = signed_in("commissioner")

    response = delete(commissioner, run_id)

    assert response.status_code == 302
    page = commissioner.get(response.location).get_data(as_text=True)
    assert "Deleted the course run." in page
    with app.app_context():
        assert db.session.get(CourseRun, run_id) is None
        audited = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_ref == key).order_by(AuditEvent.id)
        ).all()
        assert audited[-1] == "directory.run_deleted"
