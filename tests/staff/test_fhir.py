"""The FHIR R4 ServiceRequest and Task of a referral, checked against the FHIR models and
against the R4 specification's own reference rules (a table written by hand from it)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from sqlalchemy import select

from finder.extensions import db
from finder.models import CourseRun, Referral
from tests.staff.conftest import csrf_token

# Which resource types each Reference element may point to, from the FHIR R4 (4.0.1) resource
# pages (hl7.org/fhir/R4/servicerequest.html, task.html, practitionerrole.html, patient.html).
R4_REFERENCE_TARGETS = {
    "ServiceRequest.subject": {"Patient", "Group", "Location", "Device"},
    "ServiceRequest.requester": {
        "Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson", "Device",
    },
    "ServiceRequest.performer": {
        "Practitioner", "PractitionerRole", "Organization", "CareTeam", "HealthcareService",
        "Patient", "Device", "RelatedPerson",
    },
    "ServiceRequest.locationReference": {"Location"},
    "PractitionerRole.practitioner": {"Practitioner"},
    "PractitionerRole.organization": {"Organization"},
    "Patient.generalPractitioner": {"Organization", "Practitioner", "PractitionerRole"},
    "Task.basedOn": None,  # Reference(Any)
    "Task.focus": None,  # Reference(Any)
    "Task.for": None,  # Reference(Any)
    "Task.requester": {
        "Device", "Organization", "Patient", "Practitioner", "PractitionerRole", "RelatedPerson",
    },
    "Task.owner": {
        "Practitioner", "PractitionerRole", "Organization", "CareTeam", "HealthcareService",
        "Patient", "Device", "RelatedPerson",
    },
}  # fmt: skip
NAMESPACE = uuid.UUID("0f4b8a52-3c1e-4b8e-9a57-5d1e2f6c7a10")  # migration 0014
LONDON = ZoneInfo("Europe/London")


def references(node: Any, path: str):
    """(element path, Reference) for every Reference under ``node``."""
    if isinstance(node, list):
        for item in node:
            yield from references(item, path)
    elif isinstance(node, dict):
        if "reference" in node:
            yield path, node
        for key, value in node.items():
            if key != "contained":
                yield from references(value, f"{path}.{key}")


def every_reference(resource: dict[str, Any]):
    yield from references(resource, resource["resourceType"])
    for contained in resource.get("contained", []):
        yield from references(contained, contained["resourceType"])


def nulls(node: Any, where: str = "") -> list[str]:
    if node is None or node in ([], {}, ""):
        return [where]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in nulls(v, f"{where}/{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in nulls(v, f"{where}/{i}")]
    return []


def resolve_all(client, resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resolve each reference (contained: by id; else ServiceRequest/<ref> through the site)
    and check the target's type against R4. Returns the targets by element path."""
    contained = {c["id"]: c for c in resource.get("contained", [])}
    used: set[str] = set()
    targets = {}
    for path, ref in every_reference(resource):
        assert path in R4_REFERENCE_TARGETS, f"{path} is not a Reference element we know"
        target_ref = ref["reference"]
        if target_ref.startswith("#"):
            assert target_ref[1:] in contained, f"{path}: {target_ref} is not contained"
            target = contained[target_ref[1:]]
            used.add(target_ref[1:])
        else:
            kind, _, ident = target_ref.partition("/")
            assert kind == "ServiceRequest", target_ref
            response = client.get(f"/en/staff/referrals/{ident}/fhir")
            assert response.status_code == 200, target_ref
            target = json.loads(response.data)
            assert (target["resourceType"], target["id"]) == (kind, ident)
        allowed = R4_REFERENCE_TARGETS[path]
        assert allowed is None or target["resourceType"] in allowed, (path, target)
        targets[path] = target
    assert used == set(contained), f"contained but never referenced: {set(contained) - used}"
    return targets


def change(client, ref, status):
    path = f"/en/staff/referrals/{ref}"
    token = csrf_token(client, path)
    response = client.post(
        f"{path}/status", data={"status": status, "reason": "test", "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.fixture
def booked_on_the_bengali_desmond(app, make_referral):
    """A DESMOND referral (with an interpreter) whose chosen course run is the Bengali one."""
    ref = make_referral(
        programme="desmond",
        nhs_number="9990001014",  # no other test's: a known patient keeps their details
        interpreter_needed=True,
        preferred_language="bn",
        email="pat@example.org",
    )
    with app.app_context():
        run = db.session.scalar(select(CourseRun).filter_by(key="desmond-islington-bengali"))
        made = db.session.scalar(select(Referral).filter_by(reference=ref))
        assert run is not None
        assert made is not None
        made.course_run_id = run.id
        db.session.commit()
        return ref, run.start_date


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/fhir+json"
    return json.loads(response.data)


def test_the_service_request_is_r4_and_says_who_where_when_and_why(
    signed_in, booked_on_the_bengali_desmond
):
    ref, start = booked_on_the_bengali_desmond
    client = signed_in("clinician")
    body = fetch(client, f"/en/staff/referrals/{ref}/fhir")
    ServiceRequest.model_validate(body)
    assert nulls(body) == []
    assert body["meta"]["profile"] == [
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"
    ]
    targets = resolve_all(client, body)
    venue = targets["ServiceRequest.locationReference"]
    assert venue["address"]["postalCode"] == "ZZ1 2BB"  # seeds/venues.yaml canal-health-centre
    requester = targets["ServiceRequest.requester"]
    assert requester["resourceType"] == "PractitionerRole"
    assert requester["organization"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/ods-organization-code",
        "value": "DEMO01",
    }
    assert targets["PractitionerRole.organization"]["identifier"][0]["value"] == "DEMO01"
    provider = targets["ServiceRequest.performer"]
    leicester = uuid.uuid5(NAMESPACE, "provider:leicester-diabetes-centre")
    assert provider["identifier"] == [
        {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{leicester}"}
    ]
    # seeds: the Bengali DESMOND run meets 10:00-13:00; DESMOND has 2 weekly sessions.
    first = dt.datetime.combine(start, dt.time(10), tzinfo=LONDON)
    last = dt.datetime.combine(start + dt.timedelta(weeks=1), dt.time(13), tzinfo=LONDON)
    period = body["occurrencePeriod"]
    assert dt.datetime.fromisoformat(period["start"]) == first
    assert dt.datetime.fromisoformat(period["end"]) == last
    assert body["reasonCode"][0]["coding"][0]["code"] == "44054006"  # type 2 diabetes
    assert body["code"]["coding"][0]["code"] == "306741000000104"  # DESMOND (codes.md)
    patient = targets["ServiceRequest.subject"]
    (communication,) = patient["extension"]
    assert communication["url"] == (
        "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication"
    )
    parts = {e["url"]: e for e in communication["extension"]}
    assert parts["interpreterRequired"]["valueBoolean"] is True
    assert parts["language"]["valueCodeableConcept"]["coding"][0]["code"] == "bn"
    assert {t["system"]: t["value"] for t in patient["telecom"]} == {
        "phone": "020 7946 0123",  # as stored (make_referral skips the form)
        "email": "pat@example.org",
    }
    assert "note" not in body


def test_the_reference_check_refuses_what_r4_forbids(signed_in, booked_on_the_bengali_desmond):
    """The check can fail: the old export's locationReference to the practice (an
    Organization) is refused, and so is a contained resource nothing references."""
    ref, _start = booked_on_the_bengali_desmond
    client = signed_in("clinician")
    body = fetch(client, f"/en/staff/referrals/{ref}/fhir")
    to_practice = {**body, "locationReference": [{"reference": "#practice"}]}
    with pytest.raises(AssertionError, match="locationReference"):
        resolve_all(client, to_practice)
    unused = {**body, "contained": [*body["contained"], {"resourceType": "Group", "id": "x"}]}
    with pytest.raises(AssertionError, match="never referenced"):
        resolve_all(client, unused)


def test_a_referral_without_a_course_date_has_no_location_or_occurrence(signed_in, make_referral):
    ref = make_referral(programme="help-diabetes")
    client = signed_in("clinician")
    body = fetch(client, f"/en/staff/referrals/{ref}/fhir")
    ServiceRequest.model_validate(body)
    assert nulls(body) == []
    assert "locationReference" not in body
    assert "occurrencePeriod" not in body
    resolve_all(client, body)


# Each status's SNOMED CT concept (shared/reference/codes.md), or none.
@pytest.mark.parametrize(
    ("steps", "task_status", "code"),
    [
        ((), "requested", "306741000000104"),
        (("booked",), "accepted", None),
        (("booked", "attended"), "in-progress", "413597006"),
        (("booked", "attended", "completed"), "completed", "755491000000100"),
        (("booked", "did_not_attend"), "on-hold", "306861000000107"),
        (("declined",), "cancelled", "306591000000103"),
    ],
)
def test_the_task_tracks_the_status_with_its_code(
    signed_in, booked_on_the_bengali_desmond, steps, task_status, code
):
    ref, _start = booked_on_the_bengali_desmond
    client = signed_in("clinician")
    for status in steps:
        change(client, ref, status)
    body = fetch(client, f"/en/staff/referrals/{ref}/task")
    Task.model_validate(body)
    assert nulls(body) == []
    assert body["status"] == task_status
    coding = body["businessStatus"].get("coding")
    assert (coding[0]["code"] if coding else None) == code
    if coding:
        assert coding[0]["system"] == "http://snomed.info/sct"
    targets = resolve_all(client, body)
    assert targets["Task.basedOn"]["id"] == ref
    assert targets["Task.owner"]["name"].startswith("DESMOND Collaborative")


def test_another_practice_cannot_read_the_task(signed_in, booked_on_the_bengali_desmond):
    ref, _start = booked_on_the_bengali_desmond
    assert signed_in("clinician2").get(f"/en/staff/referrals/{ref}/task").status_code == 404


def test_a_self_referral_is_requested_by_the_patient(app, signed_in, make_referral):
    ref = make_referral(programme="x-pert")
    with app.app_context():
        made = db.session.scalar(select(Referral).filter_by(reference=ref))
        assert made is not None
        made.created_by_id, made.self_referral = None, True
        db.session.commit()
    client = signed_in("clinician")
    body = fetch(client, f"/en/staff/referrals/{ref}/fhir")
    ServiceRequest.model_validate(body)
    assert body["intent"] == "proposal"
    assert resolve_all(client, body)["ServiceRequest.requester"]["resourceType"] == "Patient"
    task = fetch(client, f"/en/staff/referrals/{ref}/task")
    Task.model_validate(task)
    resolve_all(client, task)
