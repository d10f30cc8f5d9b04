"""A referral as a FHIR R4 ServiceRequest (UK Core style), for GP systems and providers."""

from __future__ import annotations

import json
from typing import Any

from finder.models import Referral
from finder.referrals import statuses

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
REFERENCE_SYSTEM = "https://diabetes-education-finder.invalid/Id/referral"

# Our statuses as FHIR request statuses.
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

DISPLAYS = {
    "415270003": "Referral to diabetes structured education program",
    "306741000000104": "Referral to DESMOND structured programme",
    "306771000000105": "Referral to X-PERT structured education programme",
    "1108741000000109": (
        "Referral to Healthy Living for People with Diabetes online self-management programme"
    ),
}


def service_request(referral: Referral) -> dict[str, Any]:
    patient = referral.patient
    practice = referral.practice
    code = statuses.code_for("referred", referral.programme.slug) or statuses.REFERRAL_CODE
    contained: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": "patient",
            "identifier": (
                [{"system": NHS_NUMBER, "value": patient.nhs_number}] if patient.nhs_number else []
            ),
            "name": [{"text": patient.name}],
            "birthDate": patient.date_of_birth.isoformat(),
            "communication": [
                {
                    "language": {
                        "coding": [
                            {"system": "urn:ietf:bcp:47", "code": patient.preferred_language}
                        ]
                    },
                    "preferred": True,
                }
            ],
        },
        {
            "resourceType": "Organization",
            "id": "practice",
            "identifier": [{"system": ODS, "value": practice.code}],
            "name": practice.name,
        },
    ]
    if referral.created_by is not None:
        contained.append(
            {
                "resourceType": "Practitioner",
                "id": "requester",
                "name": [{"text": referral.created_by.name}],
            }
        )
        requester = {"reference": "#requester", "display": referral.created_by.name}
    else:
        requester = {"reference": "#patient"}  # a self-referral
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": referral.reference,
        "contained": contained,
        "identifier": [{"system": REFERENCE_SYSTEM, "value": referral.reference}],
        "status": FHIR_STATUS[referral.status],
        "intent": "proposal" if referral.self_referral else "order",
        "code": {"coding": [{"system": SNOMED, "code": code, "display": DISPLAYS[code]}]},
        "subject": {"reference": "#patient"},
        "authoredOn": referral.created_at.isoformat(),
        "requester": requester,
        "performer": [{"display": referral.programme.provider.name}],
        "locationReference": [{"reference": "#practice", "display": practice.name}],
    }
    status_code = statuses.code_for(referral.status, referral.programme.slug)
    if referral.status != "referred" and status_code:
        resource["note"] = [{"text": f"Outcome: SNOMED CT {status_code} ({referral.status})"}]
    if patient.interpreter_needed:
        resource.setdefault("note", []).append({"text": "Interpreter needed"})
    return resource


def json_dumps(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, indent=2)
