"""Referral statuses, the changes allowed between them, and their clinical codes.

Codes are SNOMED CT concepts from the NDA structured-education outcome set and the QOF
DSEP_COD referral cluster (shared/reference/codes.md).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUSES = (
    "referred",
    "booked",
    "attended",
    "completed",
    "declined",
    "did_not_attend",
    "unsuitable",
    "withdrawn",
)
OPEN = frozenset({"referred", "booked", "did_not_attend"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "referred": frozenset({"booked", "declined", "unsuitable", "withdrawn"}),
    "booked": frozenset({"attended", "did_not_attend", "declined", "withdrawn", "unsuitable"}),
    "attended": frozenset({"completed", "withdrawn"}),
    "did_not_attend": frozenset({"booked", "declined", "withdrawn", "unsuitable"}),
    "declined": frozenset({"referred"}),
    "completed": frozenset(),
    "unsuitable": frozenset(),
    "withdrawn": frozenset(),
}
assert set(TRANSITIONS) == set(STATUSES)  # noqa: S101

REFERRAL_CODE = "415270003"  # Referral to diabetes structured education program
# A programme's own referral concept, where the QOF cluster has one.
PROGRAMME_REFERRAL_CODES = {
    "desmond": "306741000000104",
    "x-pert": "306771000000105",
    "help-diabetes": "1108741000000109",
}
CODES = {
    "declined": "306591000000103",
    "did_not_attend": "306861000000107",
    "attended": "413597006",
    "completed": "755491000000100",
}

LABELS = {
    "referred": _l("Referred"),
    "booked": _l("Booked"),
    "attended": _l("Attended"),
    "completed": _l("Completed"),
    "declined": _l("Declined"),
    "did_not_attend": _l("Did not attend"),
    "unsuitable": _l("Unsuitable"),
    "withdrawn": _l("Withdrawn"),
}


def code_for(status: str, programme_slug: str) -> str | None:
    if status == "referred":
        return PROGRAMME_REFERRAL_CODES.get(programme_slug, REFERRAL_CODE)
    return CODES.get(status)


def can_change(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
