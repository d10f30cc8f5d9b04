"""A booking's messages and the person's own page: the confirmation, the reminders, the link.

``changed`` is called by ``operations._move_place`` whenever the course run a referral holds a
place on changes (booked onto a run, moved to another, withdrawn, declined, did not attend,
"I can't make it"), in the same unit of work. It cancels the reminders not yet sent; for a new
booking it sends the confirmation at once and makes a ``Reminder`` for each of
REMINDER_DAYS still ahead (booked 3 days before the course: only the day-before one).

Reminders are rows, not Huey jobs with an ``eta``: a row is made and cancelled in the
booking's own transaction (a booking rolled back leaves none; a changed one can never fire),
it outlives a lost queue or a restarted worker, and it can be read back. ``remind``, a
periodic job (every 15 minutes and at a worker's start), sends each one due, once: it locks the
referral and then the reminder, checks the booking still stands (booked on that run, the run
not cancelled and not started), sends only the latest of a booking's reminders that are due
(a worker down for a week sends the day-before one, not both), and marks it sent; the message
itself is keyed on the referral, the run and the kind (``outbox.send``), so a second run of the
job, or a second worker, sends nothing twice. When a reminder is due is worked out from its
run's date each time (``due_at`` keeps the last answer): a run a commissioner moves to another
date takes its reminders with it, earlier or later.

Each message carries a personal link, ``/<lang>/my/<token>`` (as invitations do): a new random
token per message, only its SHA-256 hash kept (``BookingLink``); it opens the referral's
booking as it is now. The page (public/views.py) shows the course, serves the calendar file
(``calendar``) and has the "I can't make it" button (``operations.cannot_attend``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import or_, select, update

from finder import clock, jobs, links
from finder.audit import SYSTEM, record
from finder.database import locked, writes
from finder.directory import text_for
from finder.extensions import db
from finder.i18n import site_language
from finder.models import BookingLink, CourseRun, OutboundMessage, Referral, Reminder
from finder.policy import (
    BOOKING_LINK_DAYS,
    INVITATION_TOKEN_BYTES,
    PATIENT_ROLE,
    REMINDER_DAYS,
    REMINDER_HOUR,
)

LONDON = ZoneInfo("Europe/London")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def booked_run(referral: Referral) -> CourseRun | None:
    """The course run the referral has a place on and is yet to go to, if any."""
    return referral.course_run if referral.status == "booked" else None


def starts_at(run: CourseRun) -> dt.datetime:
    """When the run's first session starts (London time)."""
    return dt.datetime.combine(run.start_date, run.start_time, LONDON)


def due(start_date: dt.date, kind: str) -> dt.datetime:
    """When the reminder ``kind`` of a booking on a run starting on ``start_date`` is sent:
    REMINDER_DAYS[kind] days before, at REMINDER_HOUR London time (in UTC)."""
    day = start_date - dt.timedelta(days=REMINDER_DAYS[kind])
    return dt.datetime.combine(day, dt.time(REMINDER_HOUR), LONDON).astimezone(dt.UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(referral: Referral) -> str:
    """A new personal link to the referral's booking, in the person's language (absolute: it
    goes into a message)."""
    token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
    at = clock.now()
    db.session.add(
        BookingLink(
            referral_id=referral.id,
            token_hash=_token_hash(token),
            created_at=at,
            expires_at=at + dt.timedelta(days=BOOKING_LINK_DAYS),
        )
    )
    language = site_language(referral.patient.preferred_language)
    return links.absolute("public.my_link", lang=language, token=token)


def from_token(token: str) -> Referral | None:
    """The referral of a booking link still working; None for a forged or expired one."""
    if not _TOKEN.match(token):
        return None
    found: BookingLink | None = db.session.scalar(
        select(BookingLink).filter_by(token_hash=_token_hash(token))
    )
    if found is None or found.expires_at <= clock.now():
        return None
    return found.referral


def could_not_make_it(referral: Referral) -> bool:
    """Whether the person's last change of status was "I can't make it" (not booked since)."""
    last = next((e for e in reversed(referral.events) if e.kind == "status"), None)
    return last is not None and last.actor_role == PATIENT_ROLE and last.from_status == "booked"


def provider_told(referral: Referral) -> bool:
    """Whether the course team was emailed that the person cannot make it."""
    found = db.session.scalar(
        select(OutboundMessage.id).where(
            OutboundMessage.referral_id == referral.id,
            OutboundMessage.template == "provider_cannot_attend",
        )
    )
    return found is not None


def changed(referral: Referral) -> None:
    """The run the referral holds a place on has changed (in the caller's unit of work, the
    referral locked): its reminders not yet sent are cancelled; booked onto a run, the person
    is sent the confirmation and the reminders still ahead are made."""
    from finder.outbox import patients  # the outbox's words build on the directory

    now = clock.now()
    db.session.execute(
        update(Reminder)
        .where(
            Reminder.referral_id == referral.id,
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    )
    run = booked_run(referral)
    if run is None:
        return
    for kind in REMINDER_DAYS:
        at = due(run.start_date, kind)
        if at > now:
            db.session.add(
                Reminder(referral_id=referral.id, course_run_id=run.id, kind=kind, due_at=at)
            )
    key = f"{referral.reference}:booking-{referral.version}"
    patients.about_booking(referral, run, "confirmation", key=key)


@jobs.job(every=jobs.minutes(15), at_start=True)
def remind() -> None:
    """Send every reminder that is due (the module's docstring says how, and why once)."""
    now = clock.now()
    # Reminders of runs starting soon (the date may have moved), and any past their due_at.
    horizon = clock.today() + dt.timedelta(days=max(REMINDER_DAYS.values()) + 1)
    found = db.session.execute(
        select(Reminder.id, Reminder.kind, CourseRun.start_date)
        .join(CourseRun, CourseRun.id == Reminder.course_run_id)
        .where(
            Reminder.sent_at.is_(None),
            Reminder.cancelled_at.is_(None),
            or_(Reminder.due_at <= now, CourseRun.start_date <= horizon),
        )
    ).all()
    ready = sorted((due(start, kind), id_) for id_, kind, start in found if due(start, kind) <= now)
    for _due, reminder_id in reversed(ready):  # the latest first
        _remind(reminder_id)


def _remind(reminder_id: int) -> None:
    from finder.outbox import patients

    with writes():
        referral_id = db.session.scalar(
            select(Reminder.referral_id).where(Reminder.id == reminder_id)
        )
        referral = locked(Referral, id=referral_id)
        reminder = locked(Reminder, id=reminder_id)
        if referral is None or reminder is None or reminder.sent_at or reminder.cancelled_at:
            return
        now = clock.now()
        run = booked_run(referral)
        if run is None or run.id != reminder.course_run_id or run.retired or starts_at(run) <= now:
            reminder.cancelled_at = now  # the booking changed in a way that did not say so
            return
        reminder.due_at = due(run.start_date, reminder.kind)  # the run may have moved
        if reminder.due_at > now:
            return
        others = db.session.scalars(
            select(Reminder.kind).where(
                Reminder.referral_id == referral.id,
                Reminder.course_run_id == run.id,
                Reminder.id != reminder.id,
                Reminder.cancelled_at.is_(None),
            )
        ).all()
        days = REMINDER_DAYS[reminder.kind]
        if any(REMINDER_DAYS[k] < days and due(run.start_date, k) <= now for k in others):
            reminder.cancelled_at = now  # a later one is due too, and says it all
            return
        key = f"{referral.reference}:reminder-{reminder.kind}-{run.key}"
        message = patients.about_booking(referral, run, reminder.kind, key=key)
        if message is None:
            reminder.cancelled_at = now  # no mobile nor email to write to
            return
        reminder.sent_at = now
        reminder.message_id = message.id
        record("booking.reminder", referral.reference, actor=SYSTEM, kind=reminder.kind)


def calendar(referral: Referral, run: CourseRun, language: str) -> bytes:
    """The booking as an iCalendar file (RFC 5545): the first session at the run's times in
    London time, at its venue; a weekly run repeats each week for its sessions (the dates of
    other patterns' later sessions are not in the directory)."""
    first = starts_at(run)
    event = icalendar.Event()
    event.add("uid", f"{referral.reference}-{run.key}@finder")
    event.add("dtstamp", clock.now())
    event.add("dtstart", first)
    event.add("dtend", dt.datetime.combine(run.start_date, run.end_time, LONDON))
    event.add("summary", text_for(run.programme, language)[0].name)
    if run.venue is not None:
        venue = run.venue
        event.add("location", f"{venue.name}, {venue.address}, {venue.postcode}")
    if run.pattern == "weekly" and run.sessions > 1:
        event.add("rrule", {"freq": "WEEKLY", "count": run.sessions})
    ics = icalendar.Calendar()
    ics.add("prodid", "-//Diabetes Education Finder//EN")
    ics.add("version", "2.0")
    ics.add_component(event)
    ics.add_missing_timezones()
    return bytes(ics.to_ical())
