"""Telling a course provider about a referral: the one place that does it.

The provider's referral contact in the directory (``Programme.referral_contact``: a team's
email address, or a phone number) is emailed a link to the referral, through the outbox
(GOV.UK Notify, by the job queue; recorded as "not sent" without a Notify key). A contact with
no email address in it gets nothing, and the referral's history says so: the practice passes
the referral on another way (a new link from the referral page, shown once).

The link is a secret: it goes into the message only (and leaves its stored words once sent),
never into the history or the audit. The message's words are the staff domain's: English.
"""

from __future__ import annotations

from babel.dates import format_date
from flask_babel import lazy_gettext as _l

from finder.audit import record
from finder.directory import text_for
from finder.models import CourseRun, Referral
from finder.outbox import send
from finder.outbox.texts import TEMPLATES, Template
from finder.policy import PROVIDER_LINK_DAYS
from finder.providers.queries import email_address
from finder.referrals.operations import add_event

EMAILED = "the course team was emailed a link to this referral"
NO_ADDRESS = (
    "the directory has no email address for the course team: nothing was sent. Give them the "
    "referral another way (make a new link for them below)"
)

TEMPLATES["provider_referral"] = Template(
    fields={"practice": 100, "programme": 100, "reference": 12, "link": 200, "days": 3},
    subject=_l("New referral %(reference)s to %(programme)s"),
    email=_l(
        "%(practice)s has referred someone to %(programme)s. The reference is %(reference)s.\n\n"
        "Open this link to see how to contact them, then accept or decline the referral, book "
        "a course date and record attendance:\n%(link)s\n\n"
        "The link opens only this referral and works for %(days)s days. Do not forward it: "
        "anyone who has it can see the person's contact details."
    ),
)


TEMPLATES["provider_cannot_attend"] = Template(
    fields={"practice": 100, "programme": 100, "reference": 12, "date": 40},
    subject=_l("%(reference)s cannot come to %(programme)s on %(date)s"),
    email=_l(
        "The person %(practice)s referred to %(programme)s (reference %(reference)s) told us "
        "they cannot come to the course starting on %(date)s. Their place on it has been "
        "given back.\n\n"
        "Their GP practice sees this on its follow-up list. If you can offer them another "
        "date, book it as you would any referral."
    ),
)
CANNOT_ATTEND_EMAILED = "the course team was emailed that the patient cannot make it"
NO_ADDRESS_CANNOT_ATTEND = (
    "the directory has no email address for the course team: they were not told that the "
    "patient cannot make it"
)


def _email_team(referral: Referral, template: str, key: str, **words: str) -> bool:
    """Email the referral's course team (in the caller's unit of work); False when the
    directory has no email address for it (nothing is sent)."""
    to = email_address(referral.programme.referral_contact)
    if to is None:
        return False
    send(
        channel="email",
        to=to,
        template=template,
        language="en",
        personalisation={
            "practice": referral.practice.name,
            "programme": text_for(referral.programme, "en")[0].name,
            "reference": referral.reference,
            **words,
        },
        referral=referral,
        recipient="provider",
        key=key,
    )
    return True


def tell_provider(referral: Referral, link: str) -> None:
    """Email the referral's course provider ``link`` (in the caller's unit of work)."""
    emailed = _email_team(
        referral,
        "provider_referral",
        f"{referral.reference}:provider-link",
        link=link,
        days=str(PROVIDER_LINK_DAYS),
    )
    add_event(referral, "link", reason=EMAILED if emailed else NO_ADDRESS)
    record("provider_link.create", referral.reference, emailed=emailed)


def tell_cannot_attend(referral: Referral, run: CourseRun) -> None:
    """Email the course provider that the person cannot come to ``run`` (in the caller's unit
    of work); with no email address in the directory, the history says nothing was sent."""
    emailed = _email_team(
        referral,
        "provider_cannot_attend",
        f"{referral.reference}:cannot-attend-{referral.version}",
        date=format_date(run.start_date, "d MMMM yyyy", locale="en_GB"),
    )
    add_event(
        referral, "note", reason=CANNOT_ATTEND_EMAILED if emailed else NO_ADDRESS_CANNOT_ATTEND
    )
