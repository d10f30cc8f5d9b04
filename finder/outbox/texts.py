"""The words of the messages we send to patients (the "messages" domain: translated into
every site language). Each template has a text per channel; ``%(name)s`` placeholders are
filled from the personalisation the caller gives. Words for staff or providers go in a module
of the staff domain (babel-staff.cfg) and are added to TEMPLATES the same way.

A text message must fit in SMS_FRAGMENTS fragments in every language, its placeholders
filled at their longest (tests/outbox/test_sms_length.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Template:
    # What the caller must give, and the longest each may be (for the SMS length check).
    fields: dict[str, int]
    # Evaluated in the message's language.
    subject: LazyString
    email: LazyString
    sms: LazyString
    letter: LazyString


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


TEMPLATES: dict[str, Template] = {
    "self_referral_confirmation": Template(
        fields={"reference": 12},
        subject=_l("We have your details for a diabetes course"),
        email=_l(
            "We have your details for a diabetes course.\n\n"
            "Your reference number is %(reference)s.\n\n"
            "Your GP practice or the course team will contact you in the next 2 weeks to tell "
            "you how to start.\n\n"
            "If you have not heard anything in 2 weeks, call your GP practice and give them "
            "your reference number."
        ),
        sms=_l(
            "We have your details for a diabetes course (ref %(reference)s). Your GP or the "
            "course team will contact you within 2 weeks."
        ),
        letter=_l(
            "We have your details for a diabetes course.\n\n"
            "Your reference number is %(reference)s.\n\n"
            "Your GP practice or the course team will contact you in the next 2 weeks to tell "
            "you how to start.\n\n"
            "If you have not heard anything in 2 weeks, call your GP practice and give them "
            "your reference number."
        ),
    ),
}


def render(template: str, channel: str, language: str, personalisation: dict[str, str]) -> Rendered:
    """The message's words in ``language``; KeyError for an unknown template or a missing
    placeholder."""
    found = TEMPLATES[template]
    missing = set(found.fields) - set(personalisation)
    if missing:
        raise KeyError(f"{template} needs {', '.join(sorted(missing))}")
    with force_locale(language):
        body = str(getattr(found, channel)) % personalisation
        subject = str(found.subject) % personalisation if channel == "email" else None
    return Rendered(subject, body)
