"""The messages patients get from us, and how each reaches them."""

from __future__ import annotations

from finder.forms import is_mobile
from finder.models import OutboundMessage, Referral
from finder.outbox.sending import NOT_SENT, send


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


def queued(message: OutboundMessage | None) -> str | None:
    """The channel a message went by, or None if none is on its way (not even queued)."""
    return message.channel if message is not None and message.status != NOT_SENT else None
