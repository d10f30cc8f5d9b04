"""Staff pages of sent messages: the outbox, and the messages on a referral's page.

Practice staff see their practice's messages with the address each went to; commissioners and
admins see every message's state without the address or the patient (no personal data)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from finder import audit, practices
from finder.access import staff
from finder.extensions import db
from finder.links import secrets_hidden
from finder.models import OutboundMessage, Practice, Referral
from finder.outbox import letters, sending
from finder.policy import PRACTICE_ROLES
from finder.staff.forms import PracticeContactForm

SHOWN = 200  # the outbox shows the newest this many

LABELS = {
    "status": {
        sending.QUEUED: _l("Queued"),
        sending.SENDING: _l("Sending"),
        sending.SENT: _l("Sent"),
        sending.DELIVERED: _l("Delivered"),
        sending.FAILED: _l("Failed"),
        sending.NOT_SENT: _l("Not sent: no key"),
    },
    "channel": {"email": _l("Email"), "sms": _l("Text message"), "letter": _l("Letter")},
    "recipient": {
        "patient": _l("Patient"),
        "provider": _l("Course provider"),
        "practice": _l("GP practice"),
    },
}


def printable(message: OutboundMessage) -> bool:
    """A letter the practice may print and post: not one whose personal link was taken out
    once Notify had it, or because there was no key (``sending.py``); that one is a copy for
    the record."""
    return message.channel == "letter" and not secrets_hidden(message.body)


def for_referral(referral: Referral) -> dict[str, object]:
    """What the referral page needs to list the referral's messages."""
    messages = db.session.scalars(
        select(OutboundMessage)
        .filter_by(referral_id=referral.id)
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
    ).all()
    return {"messages": messages, "message_labels": LABELS, "printable": printable}


@staff()
def outbox() -> ResponseReturnValue:
    practice_staff = current_user.role in PRACTICE_ROLES
    query = (
        select(OutboundMessage)
        .options(selectinload(OutboundMessage.referral))
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
        .limit(SHOWN)
    )
    if practice_staff:
        query = query.filter_by(practice_id=current_user.practice_id)
    messages = db.session.scalars(query).all()
    audit.record_read("outbox.view", None, scope="practice" if practice_staff else "all")
    return render_template(
        "staff/outbox.jinja",
        messages=messages,
        message_labels=LABELS,
        printable=printable,
        personal=practice_staff,
        shown=SHOWN,
    )


@staff(*PRACTICE_ROLES)
def letter(message_id: int) -> ResponseReturnValue:
    """A letter of the practice's as the PDF Notify gets (or gets none, without a key), to
    print: the same file whichever way it goes."""
    message = db.session.get(OutboundMessage, message_id)
    if (
        message is None
        or message.channel != "letter"
        or message.practice_id != current_user.practice_id
    ):
        audit.record_read("message.letter", str(message_id), outcome="denied")
        abort(404)
    audit.record_read(
        "message.letter", message.referral.reference if message.referral else str(message.id)
    )
    return Response(
        letters.for_message(message),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="letter-{message.id}.pdf"'},
    )


@staff(*PRACTICE_ROLES)
def practice_contact() -> ResponseReturnValue:
    """The practice's phone number and opening hours, for its letters' contact block."""
    practice = db.session.get(Practice, current_user.practice_id)
    if practice is None:
        abort(404)
    form = PracticeContactForm(obj=practice)
    if form.validate_on_submit():
        changed = practices.save_contact(practice.id, form.phone.data, form.opening_hours.data)
        flash(_("Saved: your letters print the new details.") if changed else _("No change."))
        return redirect(url_for(".practice_contact"))
    return render_template("staff/practice_contact.jinja", form=form, practice=practice)
