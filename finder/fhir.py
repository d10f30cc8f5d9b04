"""A referral as FHIR R4 resources (UK Core profiles), for GP systems and providers: the
ServiceRequest (the referral) and the Task that tracks it (its status, coded with SNOMED CT).

Each resource carries what it references as contained resources: the patient, the practice and
the referring clinician (a PractitionerRole of the practice, with its ODS code), the provider
organisation (identified by its directory UUID, as the Open Referral UK API publishes it) and
the venue of the chosen course run. A Task points at its ServiceRequest by a relative reference,
``ServiceRequest/<reference>``. Optional elements without a value are left out (FHIR forbids
empty arrays and nulls).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from finder.clock import LONDON
from finder.models import CourseRun, Patient, Referral
from finder.referrals import statuses

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
UUID_SYSTEM = "urn:ietf:rfc:3986"
REFERENCE_SYSTEM = "https://diabetes-education-finder.invalid/Id/referral"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"
NHS_COMMUNICATION = UK_CORE + "Extension-UKCore-NHSCommunication"
HUMAN_LANGUAGE = "https://fhir.hl7.org.uk/CodeSystem/UKCore-HumanLanguage"

# Our statuses as FHIR request statuses (ServiceRequest.status).
FHIR_STATUS = {
    "referred": "active",
    "accepted": "active",
    "booked": "active",
    "attended": "active",
    "did_not_attend": "on-hold",
    "completed": "completed",
    "declined": "revoked",
    "unsuitable": "revoked",
    "withdrawn": "revoked",
}
assert set(FHIR_STATUS) == set(statuses.STATUSES)  # noqa: S101

# Our statuses as Task.status (the workflow state; the business status carries the code).
TASK_STATUS = {
    "referred": "requested",
    "accepted": "accepted",
    "booked": "accepted",
    "attended": "in-progress",
    "did_not_attend": "on-hold",
    "completed": "completed",
    "declined": "cancelled",
    "unsuitable": "rejected",
    "withdrawn": "cancelled",
}
assert set(TASK_STATUS) == set(statuses.STATUSES)  # noqa: S101

# SNOMED CT displays of the codes in finder/referrals/statuses.py (reference/codes.md).
DISPLAYS = {
    "415270003": "Referral to diabetes structured education program",
    "306741000000104": "Referral to DESMOND structured programme",
    "306771000000105": "Referral to X-PERT structured education programme",
    "1108741000000109": (
        "Referral to Healthy Living for People with Diabetes online self-management programme"
    ),
    "306591000000103": "Diabetes structured education declined",
    "306861000000107": "Did not attend diabetes structured education",
    "413597006": "Attended diabetes structured education",
    "755491000000100": "Diabetes structured education completed",
}
# The reason for the referral, from the diabetes type the consultation recorded.
REASONS = {
    "type2": ("44054006", "Diabetes mellitus type 2"),
    "type1": ("46635009", "Diabetes mellitus type 1"),
}
DIABETES = ("73211009", "Diabetes mellitus")


def _snomed(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": SNOMED, "code": code, "display": display}]}


def _present(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if v is not None and v != [] and v != {}}


def _patient(patient: Patient) -> dict[str, Any]:
    preferred = {"phone": "phone", "text": "phone", "email": "email"}.get(patient.contact_method)
    telecom = [
        _present({"system": system, "value": value, "rank": 1 if preferred == system else None})
        for system, value in (("phone", patient.phone), ("email", patient.email))
        if value
    ]
    language = patient.preferred_language
    return _present(
        {
            "resourceType": "Patient",
            "id": "patient",
            "extension": [
                {
                    "url": NHS_COMMUNICATION,
                    "extension": [
                        {
                            "url": "language",
                            "valueCodeableConcept": {
                                "coding": [{"system": HUMAN_LANGUAGE, "code": language}]
                            },
                        },
                        {"url": "preferred", "valueBoolean": True},
                        {"url": "interpreterRequired", "valueBoolean": patient.interpreter_needed},
                    ],
                }
            ],
            "identifier": (
                [{"system": NHS_NUMBER, "value": patient.nhs_number}]
                if patient.nhs_number
                else None
            ),
            "name": [{"text": patient.name}],
            "telecom": telecom,
            "birthDate": patient.date_of_birth.isoformat(),
            "generalPractitioner": [{"reference": "#practice"}],
            "communication": [
                {
                    "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": language}]},
                    "preferred": True,
                }
            ],
        }
    )


def _practice(referral: Referral) -> dict[str, Any]:
    practice = referral.practice
    return {
        "resourceType": "Organization",
        "id": "practice",
        "identifier": [{"system": ODS, "value": practice.code}],
        "name": practice.name,
    }


def _provider(referral: Referral) -> dict[str, Any]:
    provider = referral.programme.provider
    return _present(
        {
            "resourceType": "Organization",
            "id": "provider",
            "identifier": [{"system": UUID_SYSTEM, "value": f"urn:uuid:{provider.uuid}"}],
            "name": provider.name,
            "telecom": [{"system": "url", "value": provider.website}] if provider.website else None,
        }
    )


def _venue(run: CourseRun) -> dict[str, Any] | None:
    venue = run.venue
    if venue is None:
        return None
    return {
        "resourceType": "Location",
        "id": "venue",
        "identifier": [{"system": UUID_SYSTEM, "value": f"urn:uuid:{venue.uuid}"}],
        "status": "active",
        "name": venue.name,
        "address": {"text": venue.address, "postalCode": venue.postcode, "country": "GB"},
    }


def _requester(referral: Referral) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The contained resources that say who asked, and the reference to them."""
    if referral.created_by is None:  # a self-referral: the patient asked
        return [], {"reference": "#patient"}
    practice = referral.practice
    return [
        {
            "resourceType": "Practitioner",
            "id": "practitioner",
            "name": [{"text": referral.created_by.name}],
        },
        {
            "resourceType": "PractitionerRole",
            "id": "requester",
            "practitioner": {"reference": "#practitioner", "display": referral.created_by.name},
            "organization": {
                "reference": "#practice",
                "identifier": {"system": ODS, "value": practice.code},
                "display": practice.name,
            },
        },
    ], {"reference": "#requester", "display": referral.created_by.name}


def _at(day: dt.date, time: dt.time) -> str:
    return dt.datetime.combine(day, time, tzinfo=LONDON).isoformat()


def _occurrence(referral: Referral) -> dict[str, str] | None:
    """When the chosen course run meets: from its first session's start to its last's end."""
    run = referral.course_run
    if run is None:
        return None
    last = run.start_date + dt.timedelta(weeks=(referral.programme.sessions or 1) - 1)
    return {"start": _at(run.start_date, run.start_time), "end": _at(last, run.end_time)}


def _reason(referral: Referral) -> dict[str, Any]:
    code, display = REASONS.get(referral.circumstances.get("diabetes", ""), DIABETES)
    return _snomed(code, display)


def service_request(referral: Referral) -> dict[str, Any]:
    code = statuses.code_for("referred", referral.programme.slug) or statuses.REFERRAL_CODE
    people, requester = _requester(referral)
    run = referral.course_run
    venue = _venue(run) if run else None
    contained = [_patient(referral.patient), _practice(referral), *people, _provider(referral)]
    if venue:
        contained.append(venue)
    return _present(
        {
            "resourceType": "ServiceRequest",
            "id": referral.reference,
            "meta": {"profile": [UK_CORE + "UKCore-ServiceRequest"]},
            "contained": contained,
            "identifier": [{"system": REFERENCE_SYSTEM, "value": referral.reference}],
            "status": FHIR_STATUS[referral.status],
            "intent": "proposal" if referral.self_referral else "order",
            "code": _snomed(code, DISPLAYS[code]),
            "subject": {"reference": "#patient"},
            "occurrencePeriod": _occurrence(referral),
            "authoredOn": referral.created_at.isoformat(),
            "requester": requester,
            "performer": [{"reference": "#provider", "display": referral.programme.provider.name}],
            "locationReference": (
                [{"reference": "#venue", "display": venue["name"]}] if venue else None
            ),
            "reasonCode": [_reason(referral)],
        }
    )


def task(referral: Referral) -> dict[str, Any]:
    """The referral's progress as a FHIR Task: its business status is the status's SNOMED CT
    concept where it has one (statuses.CODES), else the status's name."""
    people, requester = _requester(referral)
    code = statuses.code_for(referral.status, referral.programme.slug)
    label = str(statuses.LABELS[referral.status])
    business = {**_snomed(code, DISPLAYS[code]), "text": label} if code else {"text": label}
    return _present(
        {
            "resourceType": "Task",
            "id": f"{referral.reference}-task",
            "meta": {"profile": [UK_CORE + "UKCore-Task"]},
            "contained": [
                _patient(referral.patient),
                _practice(referral),
                *people,
                _provider(referral),
            ],
            "identifier": [{"system": REFERENCE_SYSTEM + "/task", "value": referral.reference}],
            "basedOn": [{"reference": f"ServiceRequest/{referral.reference}"}],
            "status": TASK_STATUS[referral.status],
            "businessStatus": business,
            "intent": "order",
            "code": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/CodeSystem/task-code",
                        "code": "fulfill",
                        "display": "Fulfill the focal request",
                    }
                ]
            },
            "focus": {"reference": f"ServiceRequest/{referral.reference}"},
            "for": {"reference": "#patient"},
            "authoredOn": referral.created_at.isoformat(),
            "lastModified": referral.status_changed_at.isoformat(),
            "requester": requester,
            "owner": {"reference": "#provider", "display": referral.programme.provider.name},
        }
    )


def json_dumps(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, indent=2)
