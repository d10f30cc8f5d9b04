"""Referral statuses, the changes allowed between them, and their clinical codes.

Codes are SNOMED CT concepts from the NDA structured-education outcome set and the QOF
DSEP_COD referral cluster (shared/reference/codes.md).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from finder.policy import DECLINE_REASONS, PATIENT_ROLE, PRACTICE_ROLES, PROVIDER_ROLE

STATUSES = (
    "referred",
    "accepted",
    "booked",
    "attended",
    "completed",
    "declined",
    "did_not_attend",
    "unsuitable",
    "withdrawn",
)
OPEN = frozenset({"referred", "accepted", "booked", "did_not_attend"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "referred": frozenset({"accepted", "booked", "declined", "unsuitable", "withdrawn"}),
    "accepted": frozenset({"booked", "declined", "unsuitable", "withdrawn"}),
    "booked": frozenset({"attended", "did_not_attend", "declined", "withdrawn", "unsuitable"}),
    "attended": frozenset({"completed", "withdrawn"}),
    "did_not_attend": frozenset({"booked", "declined", "withdrawn", "unsuitable"}),
    "declined": frozenset({"referred"}),
    "completed": frozenset(),
    "unsuitable": frozenset(),
    "withdrawn": frozenset(),
}
assert set(TRANSITIONS) == set(STATUSES)  # noqa: S101

# Who may make each change. The practice (clinician, support) makes every change but
# "accepted", which is the course provider's own answer. The provider (an account, or its link
# to one referral) answers a new referral, books it, and reports attendance.
PROVIDER_ONLY = frozenset({"accepted"})
PROVIDER_CHANGES: dict[str, frozenset[str]] = {
    "referred": frozenset({"accepted", "declined", "booked"}),
    "accepted": frozenset({"declined", "booked"}),
    "booked": frozenset({"attended", "did_not_attend"}),
    "attended": frozenset({"completed"}),
    "did_not_attend": frozenset({"booked"}),
}
assert all(to <= TRANSITIONS[at] for at, to in PROVIDER_CHANGES.items())  # noqa: S101
# The person's own change, from their booking's page ("I can't make it": booking.py): a booked
# referral goes back to waiting for a date, to "accepted" if the course team had accepted it
# (or booked it), else to "referred". Staff cannot make it (they withdraw, or choose another
# date), so it is not in TRANSITIONS.
PATIENT_CHANGES: dict[str, frozenset[str]] = {"booked": frozenset({"referred", "accepted"})}
# The provider's first answer to a referral: the moment its responsiveness is counted from.
PROVIDER_ANSWERS = frozenset({"accepted", "declined", "booked"})

REFERRAL_CODE = "415270003"  # Referral to diabetes structured education program
# A programme's own referral concept, where the QOF cluster has one.
PROGRAMME_REFERRAL_CODES = {
    "desmond": "306741000000104",
    "x-pert": "306771000000105",
    "help-diabetes": "1108741000000109",
}
CODES = {
    # For the NDA a referral the provider has accepted is still a referral: its own code.
    "declined": "306591000000103",
    "did_not_attend": "306861000000107",
    "attended": "413597006",
    "completed": "755491000000100",
}

LABELS = {
    "referred": _l("Referred"),
    "accepted": _l("Accepted by the course"),
    "booked": _l("Booked"),
    "attended": _l("Attended"),
    "completed": _l("Completed"),
    "declined": _l("Declined"),
    "did_not_attend": _l("Did not attend"),
    "unsuitable": _l("Unsuitable"),
    "withdrawn": _l("Withdrawn"),
}


# A provider's reasons for declining (the keys are in policy.DECLINE_REASONS). The label is
# what the practice reads on the referral's history.
DECLINE_LABELS = {
    "patient_declined": _l("The person did not want a place when we spoke"),
    "could_not_contact": _l("We could not reach the person"),
    "not_eligible": _l("The course is not suitable for this person"),
    "out_of_area": _l("The person lives outside the area we cover"),
    "already_attended": _l("The person has already done this course"),
}
assert tuple(DECLINE_LABELS) == DECLINE_REASONS  # noqa: S101


def code_for(status: str, programme_slug: str) -> str | None:
    if status in ("referred", "accepted"):
        return PROGRAMME_REFERRAL_CODES.get(programme_slug, REFERRAL_CODE)
    return CODES.get(status)


def can_change(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def allowed_changes(role: str, from_status: str) -> frozenset[str]:
    """The changes someone in ``role`` may make from a status: a provider its own; practice
    staff all but the provider's; the patient their own; the system (a command, a job) any the
    record allows."""
    if role == PROVIDER_ROLE:
        return PROVIDER_CHANGES.get(from_status, frozenset())
    if role == PATIENT_ROLE:
        return PATIENT_CHANGES.get(from_status, frozenset())
    allowed = TRANSITIONS.get(from_status, frozenset())
    return allowed - PROVIDER_ONLY if role in PRACTICE_ROLES else allowed
