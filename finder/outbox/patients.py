"""The messages patients get from us, and how each reaches them."""

from __future__ import annotations

from babel.dates import format_date

from finder import directory
from finder.clock import LONDON
from finder.forms import is_mobile
from finder.models import OutboundMessage, Referral
from finder.outbox.sending import NOT_SENT, send
from finder.policy import LANGUAGES


def confirm_self_referral(referral: Referral) -> OutboundMessage | None:
    """The confirmation of a self-referral, by email if the person gave an address, else by
    text message to a mobile; None when they gave neither (nothing to send)."""
    patient = referral.patient
    if patient.email:
        channel, to = "email", patient.email
    elif patient.phone and is_mobile(patient.phone):
        channel, to = "sms", patient.phone
    else:
        return None
    return send(
        channel=channel,
        to=to,
        template="self_referral_confirmation",
        language=patient.preferred_language,
        personalisation={"reference": referral.reference},
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
    text, _fell_back = directory.text_for(referral.programme, language)
    return send(
        channel="letter",
        to=to,
        template="missed_course",
        language=language,
        personalisation={
            "practice": referral.practice.name,
            "course": text.name,
            "date": format_date(course_day, "long", locale=language),
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
