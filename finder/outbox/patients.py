"""The messages patients get from us, and how each reaches them."""

from __future__ import annotations

from babel.dates import format_skeleton
from flask import get_template_attribute
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _

from finder import dates, next_steps
from finder.clock import LONDON
from finder.directory import text_for
from finder.forms import is_mobile
from finder.i18n import babel_locale, site_language
from finder.messages import when
from finder.models import CourseRun, OutboundMessage, Patient, Referral
from finder.outbox.sending import NOT_SENT, send
from finder.outbox.texts import BOOKING_DETAILS
from finder.policy import LANGUAGES


def confirm_self_referral(referral: Referral) -> OutboundMessage | None:
    """The confirmation of a self-referral, by email if the person gave an address, else by
    text message to a mobile; None when they gave neither (nothing to send). It says what the
    confirmation page says will happen next (templates/macros/next_steps.jinja), and when to
    call the practice (dates.call_by), in the person's language."""
    patient = referral.patient
    if patient.email:
        channel, to = "email", patient.email
    elif patient.phone and is_mobile(patient.phone):
        channel, to = "sms", patient.phone
    else:
        return None
    language = site_language(patient.preferred_language)
    steps = next_steps.for_programme(referral.programme, referral)
    run = referral.course_run
    call_by = dates.call_by(
        referral.created_at.astimezone(LONDON).date(),
        run.start_date if run else None,
        steps.chase_days,
    )
    with force_locale(babel_locale(language)):
        name = text_for(referral.programme, language)[0].name
        said = get_template_attribute("macros/next_steps.jinja", "after_practice_referral")(
            call_by, steps, name
        )
        day = format_date(call_by, "EEEE d MMMM")
    return send(
        channel=channel,
        to=to,
        template="self_referral_started" if steps.who == "self" else "self_referral_confirmation",
        language=patient.preferred_language,
        personalisation={
            "reference": referral.reference,
            "next_steps": " ".join(said.striptags().split()),
            "date": day,
        },
        referral=referral,
        recipient="patient",
        key=f"{referral.reference}:self-referral-confirmation",
    )


def missed_course_letter(referral: Referral, to: str, large_print: bool) -> OutboundMessage:
    """The practice's letter to a person who missed their course, in their language (English
    if the site does not have it), to the postal address ``to``: one per missed course (keyed
    on the day it was recorded), whoever asks again. Without a Notify key it is recorded "not
    sent", for the practice to print (``letters.for_message``)."""
    missed = referral.did_not_attend_at
    if referral.status != "did_not_attend" or missed is None:
        raise ValueError("the referral's course was not missed")
    language = referral.patient.preferred_language
    if language not in LANGUAGES:
        language = "en"
    day = missed.astimezone(LONDON).date()
    course_day = referral.course_run.start_date if referral.course_run else day
    text, _fell_back = text_for(referral.programme, language)
    with force_locale(babel_locale(language)):
        long_day = format_date(course_day, "long")
    return send(
        channel="letter",
        to=to,
        template="missed_course",
        language=language,
        personalisation={
            "practice": referral.practice.name,
            "course": text.name,
            "date": long_day,
            "reference": referral.reference,
        },
        referral=referral,
        recipient="patient",
        key=f"{referral.reference}:missed-course:{day.isoformat()}",
        large_print=large_print,
    )


def queued(message: OutboundMessage | None) -> str | None:
    """The channel a message went by, or None if none is on its way (not even queued)."""
    return message.channel if message is not None and message.status != NOT_SENT else None


def reach(patient: Patient) -> tuple[str, str] | None:
    """How to write to a patient about their booking: (channel, address), the way they asked
    to be contacted first (a text message needs a mobile), then the other; None when there is
    neither (staff phone them)."""
    sms = ("sms", patient.phone) if patient.phone and is_mobile(patient.phone) else None
    email = ("email", patient.email) if patient.email else None
    first, second = (email, sms) if patient.contact_method == "email" else (sms, email)
    return first or second


BOOKING_TEMPLATES = {
    "confirmation": "booking_confirmation",
    "week": "booking_reminder_week",
    "day": "booking_reminder_day",
}


def about_booking(
    referral: Referral, run: CourseRun, which: str, key: str
) -> OutboundMessage | None:
    """A message about the person's booking on ``run`` (``which``: "confirmation", or a
    reminder's kind, policy.REMINDER_DAYS), with a new personal link, in their language, in
    the caller's unit of work; None when there is no way to write to them."""
    from finder.referrals import booking  # it calls this module

    patient = referral.patient
    found = reach(patient)
    if found is None:
        return None
    channel, to = found
    language = site_language(patient.preferred_language)
    link = booking.new_link(referral)
    venue = run.venue
    with force_locale(babel_locale(language)):
        place = f"{venue.name}, {venue.address}, {venue.postcode}" if venue else ""
        access = (
            ""
            if venue is None
            else _("Step-free access.")
            if venue.step_free
            else _("No step-free access.")
        )
        details = str(BOOKING_DETAILS) % {
            "programme": text_for(run.programme, language)[0].name,
            "when": when(run),
            "place": place,
            "access": access,
            "link": link,
            "practice": referral.practice.name,
        }
        personalisation = {
            "date": str(format_skeleton("MMMd", run.start_date, locale=babel_locale(language))),
            "time": format_time(run.start_time, "HH:mm"),
            "postcode": venue.postcode if venue else "",
            "link": link,
            "details": details,
        }
    return send(
        channel=channel,
        to=to,
        template=BOOKING_TEMPLATES[which],
        language=language,
        personalisation=personalisation,
        referral=referral,
        recipient="patient",
        key=key,
    )
