"""Writes to the referral record. Each write and its audit event commit together."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, fields
from typing import Any

from flask_login import current_user
from sqlalchemy import select

from finder import nhs_number
from finder.extensions import db
from finder.limits import max_length
from finder.models import (
    AuditEvent,
    CourseRun,
    Patient,
    Practice,
    Programme,
    Referral,
    ReferralEvent,
    User,
)
from finder.referrals import statuses
from finder.referrals.worklist import unanswered_invitations

# No 0/O, 1/I/L or U: a reference is read out over the phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_reference() -> str:
    while True:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        reference = f"DE-{code[:4]}-{code[4:]}"
        if not db.session.scalar(select(Referral.id).filter_by(reference=reference)):
            return reference


def _actor() -> tuple[User | None, str]:
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object(), current_user.role  # type: ignore[attr-defined]
    return None, "patient"


def audit(action: str, object_ref: str | None = None, outcome: str = "ok", **detail: Any) -> None:
    """Record who did what to which record. ``detail`` must hold no personal data."""
    actor, role = _actor()
    # A directory slug or run key can be longer than the column: kept whole in the detail.
    longest = max_length(AuditEvent.object_ref)
    if object_ref is not None and len(object_ref) > longest:
        detail = {**detail, "object_ref": object_ref}
        object_ref = object_ref[:longest]
    db.session.add(
        AuditEvent(
            at=now(),
            actor=actor,
            actor_role=role,
            action=action,
            object_ref=object_ref,
            outcome=outcome,
            detail=detail,
        )
    )


def audit_now(action: str, object_ref: str | None = None, outcome: str = "ok", **detail: Any):
    audit(action, object_ref, outcome, **detail)
    db.session.commit()


@dataclass(frozen=True)
class PatientDetails:
    name: str
    date_of_birth: dt.date
    nhs_number: str | None
    phone: str | None
    email: str | None
    preferred_language: str
    contact_method: str
    interpreter_needed: bool
    companion_coming: bool
    diagnosis_date: dt.date | None

    @classmethod
    def from_form(cls, form: Any, **given: Any) -> PatientDetails:
        """Read a patient form (staff or self-referral); ``given`` fills what it does not ask."""
        values = {f.name: getattr(form, f.name).data for f in fields(cls) if hasattr(form, f.name)}
        values["nhs_number"] = values.get("nhs_number") and nhs_number.normalise(
            values["nhs_number"]
        )
        values["phone"] = values.get("phone") or None
        values["email"] = values.get("email") or None
        return cls(**{**values, **given})


def open_referral_for(practice: Practice, nhs_number: str | None, programme: Programme):
    """An open referral for the same person (by NHS number) and programme, if there is one."""
    if not nhs_number:
        return None
    return db.session.scalar(
        select(Referral)
        .join(Patient)
        .where(
            Referral.practice_id == practice.id,
            Referral.programme_id == programme.id,
            Patient.nhs_number == nhs_number,
            Referral.status.in_(statuses.OPEN),
        )
    )


def _event(referral: Referral, kind: str, **values: Any) -> ReferralEvent:
    actor, role = _actor()
    event = ReferralEvent(at=now(), actor=actor, actor_role=role, kind=kind, **values)
    referral.events.append(event)
    return event


def _new_referral(
    patient: Patient,
    programme: Programme,
    circumstances: dict[str, str],
    reason: str | None,
    **fields: Any,
) -> Referral:
    """A new referral in status "referred", with its first coded history event (no commit)."""
    at = now()
    referral = Referral(
        reference=new_reference(),
        patient=patient,
        practice=patient.practice,
        programme=programme,
        created_by=_actor()[0],
        circumstances=circumstances,
        status="referred",
        created_at=at,
        status_changed_at=at,
        **fields,
    )
    db.session.add(referral)
    _event(
        referral,
        "status",
        to_status="referred",
        snomed_code=statuses.code_for("referred", programme.slug),
        reason=reason,
    )
    return referral


def create_referral(
    practice: Practice,
    programme: Programme,
    details: PatientDetails,
    circumstances: dict[str, str],
    course_run: CourseRun | None = None,
    self_referral: bool = False,
    submission_key: str | None = None,
    linked_from: Referral | None = None,
) -> tuple[Referral, bool]:
    """Create a referral, or return the one this form already made, or the open one for the
    same person and programme.

    Returns the referral and whether it was created.
    """
    existing = (
        db.session.scalar(select(Referral).filter_by(submission_key=submission_key))
        if submission_key
        else None
    ) or open_referral_for(practice, details.nhs_number, programme)
    if existing is not None:
        audit("referral.duplicate_prevented", existing.reference)
        db.session.commit()
        return existing, False
    referral = _new_referral(
        Patient(practice=practice, **details.__dict__),
        programme,
        circumstances,
        reason="self-referral" if self_referral else None,
        course_run=course_run,
        self_referral=self_referral,
        submission_key=submission_key,
        linked_from_id=linked_from.id if linked_from else None,
    )
    audit("referral.create", referral.reference, programme=programme.slug)
    db.session.commit()
    return referral, True


class InvalidTransition(ValueError):
    pass


STAGE_COLUMNS = {
    "booked": "booked_at",
    "attended": "attended_at",
    "completed": "completed_at",
    "did_not_attend": "did_not_attend_at",
    "declined": "declined_at",
}
# Reaching a stage means the earlier ones were reached too (a missed course was booked).
IMPLIES = {
    "attended": ("booked",),
    "completed": ("booked", "attended"),
    "did_not_attend": ("booked",),
}


def mark_stage(referral: Referral, status: str, at: dt.datetime) -> None:
    """Record when the referral first reached this stage of the funnel."""
    for stage in (*IMPLIES.get(status, ()), status):
        column = STAGE_COLUMNS.get(stage)
        if column and getattr(referral, column) is None:
            setattr(referral, column, at)


def _change(referral: Referral, to_status: str, reason: str | None) -> None:
    from_status = referral.status
    if not statuses.can_change(from_status, to_status):
        raise InvalidTransition(f"{from_status} -> {to_status}")
    _event(
        referral,
        "status",
        from_status=from_status,
        to_status=to_status,
        snomed_code=statuses.code_for(to_status, referral.programme.slug),
        reason=reason or None,
    )
    referral.status = to_status
    referral.status_changed_at = now()
    mark_stage(referral, to_status, referral.status_changed_at)
    # The reason is free text (it may name someone): it stays on the referral's history.
    audit("referral.status", referral.reference, from_status=from_status, to_status=to_status)


def change_status(referral: Referral, to_status: str, reason: str | None) -> None:
    _change(referral, to_status, reason)
    db.session.commit()


def add_note(referral: Referral, text: str) -> None:
    _event(referral, "note", reason=text)
    audit("referral.note", referral.reference)
    db.session.commit()


NO_RESPONSE_EXCEPTION = "QOF exception: no response to two invitations"


def log_contact(referral: Referral, channel: str, outcome: str) -> None:
    """Record a contact attempt; the second unanswered one in a row flags the QOF exception."""
    _event(referral, "contact", channel=channel, outcome=outcome)
    flagged = any(e.kind == "exception" for e in referral.events)
    if unanswered_invitations(referral) >= 2 and not flagged:
        _event(referral, "exception", reason=NO_RESPONSE_EXCEPTION)
    audit("referral.contact", referral.reference, channel=channel, outcome=outcome)
    db.session.commit()


def offer_another_format(original: Referral, programme: Programme) -> Referral:
    """Withdraw a referral that did not work and refer the same patient to another programme."""
    linked = _new_referral(
        original.patient,
        programme,
        original.circumstances,
        reason=f"another format, after {original.reference}",
        linked_from_id=original.id,
    )
    _change(original, "withdrawn", f"offered another format: {linked.reference}")
    audit(
        "referral.create",
        linked.reference,
        programme=programme.slug,
        linked_from=original.reference,
    )
    db.session.commit()
    return linked


def register_online(referral: Referral, has_device: bool, needed_help: bool) -> None:
    """An online programme registration done at the practice: the referral becomes booked."""
    referral.registration = {"has_device": has_device, "needed_help": needed_help}
    _change(referral, "booked", "registered for the online programme at the practice")
    db.session.commit()


ATTENDANCE_PATHS = {
    "attended": ("attended",),
    "completed": ("attended", "completed"),
    "did_not_attend": ("did_not_attend",),
}


def record_attendance(outcomes: dict[Referral, str], run: CourseRun) -> int:
    """Record a provider's attendance list for one course run, all in one transaction."""
    for referral, outcome in outcomes.items():
        for status in ATTENDANCE_PATHS[outcome]:
            _change(referral, status, f"attendance list for {run.key}")
    db.session.commit()
    return len(outcomes)
