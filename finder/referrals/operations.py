"""Writes to the referral record. Each operation is one unit of work (``writes()``): the write
and its audit event commit together, and the referral it changes is locked while it does."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select

from finder import clock, nhs_number
from finder.audit import acting, record
from finder.clock import now
from finder.database import locked, writes
from finder.extensions import db
from finder.models import (
    CourseRun,
    Feedback,
    Patient,
    Practice,
    Programme,
    Referral,
    ReferralEvent,
)
from finder.policy import NO_RESPONSE_INVITATIONS, PROVIDER_ROLE
from finder.referrals import booking, statuses
from finder.referrals.worklist import unanswered_invitations

# No 0/O, 1/I/L or U: a reference is read out over the phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    while True:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        reference = f"DE-{code[:4]}-{code[4:]}"
        if not db.session.scalar(select(Referral.id).filter_by(reference=reference)):
            return reference


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
    access_needs: str | None = None

    @classmethod
    def from_form(cls, form: Any, **given: Any) -> PatientDetails:
        """Read a patient form (staff or self-referral); ``given`` fills what it does not ask."""
        values = {f.name: getattr(form, f.name).data for f in fields(cls) if hasattr(form, f.name)}
        values["nhs_number"] = values.get("nhs_number") and nhs_number.normalise(
            values["nhs_number"]
        )
        values["phone"] = values.get("phone") or None
        values["email"] = values.get("email") or None
        if "access_needs" in values:
            values["access_needs"] = (values["access_needs"] or "").strip() or None
        return cls(**{**values, **given})


def open_referral_for(
    practice: Practice, nhs_number: str | None, programme: Programme
) -> Referral | None:
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


def add_event(referral: Referral, kind: str, **values: Any) -> ReferralEvent:
    """An event on the referral's history, by whoever is acting (in the caller's unit)."""
    who = acting()
    if who.via:  # a provider by its link: how the change came, on the history
        values.setdefault("channel", who.via)
    event = ReferralEvent(at=now(), actor_id=who.user_id, actor_role=who.role, kind=kind, **values)
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
        created_by_id=acting().user_id,
        circumstances=circumstances,
        status="referred",
        created_at=at,
        status_changed_at=at,
        **fields,
    )
    db.session.add(referral)
    add_event(
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
    linked_from: Referral | None = None,
    same_patient: Patient | None = None,
) -> tuple[Referral, bool]:
    """Create a referral, or return the open one for the same person and programme.

    A self-referral is always made (an outsider learns nothing of what exists); a possible
    duplicate is put on its history for the practice to see. ``same_patient``: staff said the
    person on record with this NHS number is this one (after seeing both side by side): their
    details are updated (each change on the new referral's history) and the referral is theirs.
    Returns the referral and whether it was created.
    """
    with writes():
        existing = open_referral_for(practice, details.nhs_number, programme)
        patient = Patient(practice=practice, **details.__dict__)
        changes: list[dict[str, Any]] = []
        if same_patient is not None:
            patient = locked(Patient, id=same_patient.id) or same_patient
            changes = _apply(patient, details.__dict__)
        if existing is not None and not self_referral:
            _changed(existing, changes, SAME_PERSON)
            record("referral.duplicate_prevented", existing.reference)
            return existing, False
        referral = _new_referral(
            patient,
            programme,
            circumstances,
            reason="self-referral" if self_referral else None,
            course_run=course_run,
            self_referral=self_referral,
            linked_from_id=linked_from.id if linked_from else None,
        )
        if existing is not None:
            add_event(referral, "note", reason=f"possible duplicate of {existing.reference}")
        _changed(referral, changes, SAME_PERSON)
        record("referral.create", referral.reference, programme=programme.slug)
        _reach_provider(referral)
    return referral, True


# What staff may correct on a patient, in the order a history shows it.
PATIENT_FIELDS = (
    "name",
    "date_of_birth",
    "nhs_number",
    "phone",
    "email",
    "contact_method",
    "preferred_language",
    "interpreter_needed",
    "companion_coming",
    "access_needs",
    "diagnosis_date",
)


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _apply(patient: Patient, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Set the patient's details to ``values``; the changes made, old -> new."""
    changes = []
    for field in PATIENT_FIELDS:
        if field in values and getattr(patient, field) != values[field]:
            old = getattr(patient, field)
            changes.append({"field": field, "old": _shown(old), "new": _shown(values[field])})
            setattr(patient, field, values[field])
    return changes


SAME_PERSON = "the same person (NHS number checked): details updated"


def _changed(referral: Referral, changes: list[dict[str, Any]], reason: str) -> None:
    """Put changes made to the referral's patient on its history (old -> new) and the audit
    (the fields' names, never their values)."""
    if not changes:
        return
    add_event(referral, "change", changes=changes, reason=reason)
    referral.version += 1
    record("patient.update", referral.reference, fields=[c["field"] for c in changes])


def update_patient(
    referral: Referral, details: PatientDetails, reason: str, seen_version: int | None = None
) -> list[dict[str, Any]]:
    """Correct the details of the referral's patient, with a reason: one "change" event,
    old -> new, on this referral's history (the audit names the fields, never the values).
    Returns the changes (none: nothing is written)."""
    with writes():
        current = _locked(referral, seen_version)
        changes = _apply(current.patient, details.__dict__)
        _changed(current, changes, reason)
    return changes


def choose_course_run(
    referral: Referral,
    run: CourseRun | None,
    reason: str | None = None,
    seen_version: int | None = None,
) -> bool:
    """Choose or change the course run of a referral, at any time, by staff or a provider
    (the one path for a booking: the acting person is whoever is signed in). Returns whether
    anything changed."""
    with writes():
        return _choose_run(_locked(referral, seen_version), run, reason)


# Choosing a run books a referral in these statuses (a missed course is booked again).
BOOKED_BY_CHOOSING = frozenset({"referred", "accepted", "did_not_attend"})


def _choose_run(current: Referral, run: CourseRun | None, reason: str | None) -> bool:
    """The course run of a referral locked by this unit of work: one "change" event, old run ->
    new run, and "booked" when its status is waiting for one; the places follow."""
    if run is not None and (run.programme_id != current.programme_id or run.retired):
        raise InvalidTransition(f"run {run.key} is not a run of {current.programme.slug}")
    held = _place_held(current)
    old = current.course_run
    changed = (old.id if old else None) != (run.id if run else None)
    if changed:
        current.course_run = db.session.get(CourseRun, run.id) if run else None
        add_event(
            current,
            "change",
            changes=[{"field": "course_run", "old": _run_shown(old), "new": _run_shown(run)}],
            reason=reason or None,
        )
        current.version += 1
        record(
            "referral.course_run",
            current.reference,
            old=old.key if old else None,
            new=run.key if run else None,
        )
    if run is not None and current.status in BOOKED_BY_CHOOSING:
        _change(current, "booked", f"booked on {run.key}", run=run.key)
        return True
    _move_place(current, held, _place_held(current))
    return changed


def set_next_action(referral: Referral, day: dt.date | None) -> None:
    """The day someone means to act on the referral next (the worklist's order)."""
    with writes():
        current = _locked(referral)
        old = current.next_action_on
        if old == day:
            return
        current.next_action_on = day
        add_event(
            current,
            "change",
            changes=[{"field": "next_action_on", "old": _shown(old), "new": _shown(day)}],
        )
        current.version += 1
        record("referral.next_action", current.reference)


def _run_shown(run: CourseRun | None) -> str | None:
    return f"{run.start_date.isoformat()} {run.start_time:%H:%M} ({run.key})" if run else None


def _reach_provider(referral: Referral) -> None:
    """A new referral's link for its course provider, and the provider told of it."""
    from finder.providers import links  # the provider side builds on this module

    links.make_and_tell(referral)


class InvalidTransition(ValueError):
    pass


class Conflict(RuntimeError):
    """The referral changed after the form was shown: nothing was changed."""


STAGE_COLUMNS = {
    "accepted": "accepted_at",
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


def _locked(referral: Referral, seen_version: int | None = None) -> Referral:
    """The referral read again and locked for this unit of work; Conflict if it has changed
    since the form that asks for the change was shown (``seen_version``)."""
    current = locked(Referral, id=referral.id)
    if current is None or (seen_version is not None and current.version != seen_version):
        raise Conflict(referral.reference)
    return current


def _change(referral: Referral, to_status: str, reason: str | None, **detail: Any) -> None:
    """Change the status of a referral locked by this unit of work, if the one acting may."""
    from_status = referral.status
    held = _place_held(referral)
    who = acting()
    if to_status not in statuses.allowed_changes(who.role, from_status):
        raise InvalidTransition(f"{from_status} -> {to_status}")
    event = add_event(
        referral,
        "status",
        from_status=from_status,
        to_status=to_status,
        snomed_code=statuses.code_for(to_status, referral.programme.slug),
        reason=reason or None,
    )
    referral.status = to_status
    referral.status_changed_at = event.at  # the history and the record tell one time
    referral.version += 1
    mark_stage(referral, to_status, referral.status_changed_at)
    _move_place(referral, held, _place_held(referral))
    if who.role == PROVIDER_ROLE and to_status in statuses.PROVIDER_ANSWERS:
        referral.provider_answered_at = referral.provider_answered_at or event.at
        if to_status == "booked":  # a provider that books a place has accepted the referral
            referral.accepted_at = referral.accepted_at or event.at
    # The reason is free text (it may name someone): it stays on the referral's history.
    record(
        "referral.status",
        referral.reference,
        from_status=from_status,
        to_status=to_status,
        **detail,
    )


# A referral in these statuses holds a place on its run. One who did not attend does not
# (booked again, they take a place on the new run).
HOLDS_PLACE = frozenset({"booked", "attended", "completed"})


def _place_held(referral: Referral) -> int | None:
    return referral.course_run_id if referral.status in HOLDS_PLACE else None


def _move_place(referral: Referral, held: int | None, holds: int | None) -> None:
    """The one place places left change with bookings: a place given back on the run the
    referral held (withdrawn, declined, moved to another run; only before the course starts)
    and one taken on the run it holds now (never fewer than none). The booking's messages
    follow (``booking.changed``: reminders cancelled, a new booking confirmed)."""
    if held == holds:
        return
    if held is not None:
        run = locked(CourseRun, id=held)
        if run is not None and run.start_date > clock.today():
            run.places_left += 1
            record("directory.run_place_given_back", run.key, places_left=run.places_left)
    if holds is not None:
        run = locked(CourseRun, id=holds)
        if run is not None and run.places_left > 0:
            run.places_left -= 1
            record("directory.run_place_taken", run.key, places_left=run.places_left)
    booking.changed(referral)


def change_status(
    referral: Referral, to_status: str, reason: str | None, seen_version: int | None = None
) -> None:
    with writes():
        _change(_locked(referral, seen_version), to_status, reason)


def decline(referral: Referral, reason: str, seen_version: int | None = None) -> None:
    """A course provider declines the referral, with a reason from the short list."""
    if reason not in statuses.DECLINE_LABELS:
        raise InvalidTransition(f"no such reason: {reason}")
    with writes():
        _change(
            _locked(referral, seen_version),
            "declined",
            str(statuses.DECLINE_LABELS[reason]),
            decline_reason=reason,
        )


def book(referral: Referral, run: CourseRun | None, seen_version: int | None = None) -> None:
    """A provider books the referral onto a course run of its programme (the same path as
    staff choosing a run), or registers it on an online programme (no run)."""
    with writes():
        current = _locked(referral, seen_version)
        if run is None:
            if current.programme.delivery != "online":
                raise InvalidTransition("a group course is booked onto a run")
            _change(current, "booked", "registered")
        elif not _choose_run(current, run, None) or current.status != "booked":
            raise InvalidTransition(f"{current.status}: not booked onto {run.key}")


CANNOT_ATTEND = "the patient said they cannot make it"


def cannot_attend(referral: Referral, run_id: int) -> bool:
    """The person cannot come to the course run they are booked on ("I can't make it" on their
    booking's page, acting as the patient): the referral goes back to waiting for a date
    (statuses.PATIENT_CHANGES) and off the run, its place given back and its reminders
    cancelled (``_move_place``); the course team is emailed, and the practice's follow-up list
    shows it (worklist reason ``cannot_attend``). Returns whether anything changed: nothing
    does when the booking is no longer on ``run_id`` (pressed twice, or moved meanwhile), nor
    once the course was cancelled or has started (the page no longer offers it then)."""
    with writes():
        current = _locked(referral)
        run = current.course_run
        if current.status != "booked" or run is None or run.id != run_id:
            return False
        if run.retired or booking.starts_at(run) <= now():
            return False  # a cancelled course, or one under way: the practice's to sort out
        back = "accepted" if current.accepted_at else "referred"
        _change(current, back, CANNOT_ATTEND, run=run.key)
        _choose_run(current, None, CANNOT_ATTEND)
        _tell_provider_cannot_attend(current, run)
    return True


def _tell_provider_cannot_attend(referral: Referral, run: CourseRun) -> None:
    from finder.providers import notifying  # the provider side builds on this module

    notifying.tell_cannot_attend(referral, run)


def add_note(referral: Referral, text: str) -> None:
    with writes():
        current = _locked(referral)
        add_event(current, "note", reason=text)
        record("referral.note", current.reference)


NO_RESPONSE_EXCEPTION = "QOF exception: no response to two invitations"


def log_contact(referral: Referral, channel: str, outcome: str) -> None:
    """Record a contact attempt; the NO_RESPONSE_INVITATIONS-th unanswered one in a row flags
    the QOF exception."""
    with writes():
        current = _locked(referral)
        add_event(current, "contact", channel=channel, outcome=outcome)
        flagged = any(e.kind == "exception" for e in current.events)
        if unanswered_invitations(current) >= NO_RESPONSE_INVITATIONS and not flagged:
            add_event(current, "exception", reason=NO_RESPONSE_EXCEPTION)
        record("referral.contact", current.reference, channel=channel, outcome=outcome)


def offer_another_format(
    original: Referral,
    programme: Programme,
    seen_version: int | None = None,
    course_run: CourseRun | None = None,
) -> Referral:
    """Withdraw a referral that did not work and refer the same patient to another programme,
    or to another run (date and time) of a group programme."""
    with writes():
        current = _locked(original, seen_version)
        linked = _new_referral(
            current.patient,
            programme,
            current.circumstances,
            reason=f"another format, after {current.reference}",
            course_run=course_run,
            linked_from_id=current.id,
        )
        _change(current, "withdrawn", f"offered another format: {linked.reference}")
        record(
            "referral.create",
            linked.reference,
            programme=programme.slug,
            linked_from=current.reference,
        )
        _reach_provider(linked)
    return linked


def register_online(referral: Referral, has_device: bool, needed_help: bool) -> None:
    """An online programme registration done at the practice: the referral becomes booked."""
    with writes():
        current = _locked(referral)
        current.registration = {"has_device": has_device, "needed_help": needed_help}
        _change(current, "booked", "registered for the online programme at the practice")


ATTENDANCE_PATHS = {
    "attended": ("attended",),
    "completed": ("attended", "completed"),
    "did_not_attend": ("did_not_attend",),
}


def record_attendance(outcomes: dict[Referral, str], run: CourseRun) -> int:
    """Record a provider's attendance list for one course run, all in one transaction.

    A referral whose status no longer allows the outcome (someone else recorded it first) is
    left as it is; returns how many were recorded."""
    recorded = 0
    with writes():
        for referral, outcome in outcomes.items():
            current = _locked(referral)
            path = ATTENDANCE_PATHS[outcome]
            # Marked attended on an earlier list: completing it is the step left.
            path = path[path.index(current.status) + 1 :] if current.status in path else path
            if not path or not statuses.can_change(current.status, path[0]):
                continue
            for status in path:
                _change(current, status, f"attendance list for {run.key}")
            recorded += 1
    return recorded


def add_feedback(programme: Programme, rating: int, comment: str, language: str) -> None:
    """Feedback from someone who did the course, held for a commissioner to moderate."""
    with writes():
        db.session.add(
            Feedback(
                programme_id=programme.id,
                rating=rating,
                comment=comment,
                language=language,
                created_at=now(),
                status="pending",
            )
        )
