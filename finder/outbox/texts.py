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

from finder.policy import SMS_LINK, SMS_PRACTICE_NAME


@dataclass(frozen=True)
class Template:
    # What the caller must give, and the longest each may be (for the SMS length check).
    fields: dict[str, int]
    # Evaluated in the message's language.
    subject: LazyString
    email: LazyString
    # None: not sent on that channel (a provider's message is an email only).
    sms: LazyString | None = None
    letter: LazyString | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


# What a booking's messages are given: the date ("16 Dec", CLDR's short day and month in the
# message's language), the start time, the venue's postcode and the link (the longest each
# may be in a text message), and for the email the booking's details (``BOOKING_DETAILS``).
BOOKING_FIELDS = {"date": 12, "time": 5, "postcode": 8, "link": SMS_LINK, "details": 2000}
# The booking in an email, after its first line: the course (its name may say "diabetes"),
# when it meets, the place and its step-free access ("Step-free access." or the opposite, or
# nothing when the directory does not know), the link and the practice.
BOOKING_DETAILS = _l(
    "Course: %(programme)s\n"
    "When: %(when)s\n"
    "Where: %(place)s\n"
    "%(access)s\n\n"
    "Open this link to see your course. You can add it to your calendar there, or tell us if "
    "you cannot come:\n%(link)s\n\n"
    "If you have questions, call %(practice)s."
)

SELF_REFERRAL = _l(
    "We have your details for a health course.\n\n"
    "Your reference number is %(reference)s.\n\n"
    "%(next_steps)s\n\n"
    "If you have questions, call your GP practice and give them your reference number."
)

_MISSED_COURSE = _l(
    "You had a place on a free diabetes course, %(course)s, on %(date)s. The course team "
    "told us that you did not go.\n\n"
    "You can still go on a course. There are different kinds of course. Some are online, some "
    "are in the evening or at the weekend, and some are in other languages. We can help you "
    "find one that suits you.\n\n"
    "Please call us to book a place on another date or to talk about other courses. Give us "
    "your reference number: %(reference)s.\n\n"
    "If you do not want to go on a course, please tell us. You can change your mind later.\n\n"
    "%(practice)s"
)

TEMPLATES: dict[str, Template] = {
    # A self-referral: what happens next is the confirmation page's own words (next_steps),
    # worked out by outbox.patients; a text message names no condition (a lock screen shows it).
    "self_referral_confirmation": Template(
        fields={"reference": 12, "next_steps": 600, "date": 30},  # "quarta-feira 30 setembro"
        subject=_l("We have your details for a health course"),
        email=SELF_REFERRAL,
        sms=_l(
            "We have your details for a health course (ref %(reference)s). If you have not "
            "heard from us by %(date)s, call your GP practice."
        ),
        letter=SELF_REFERRAL,
    ),
    "self_referral_started": Template(
        fields={"reference": 12, "next_steps": 600},
        subject=_l("We have your details for a health course"),
        email=SELF_REFERRAL,
        sms=_l(
            "We have your details for a health course (ref %(reference)s). You can start as "
            "soon as you sign up on the course website."
        ),
        letter=SELF_REFERRAL,
    ),
    # Invitations from a practice to a person on its register (register/invitations.py). The
    # NHS guide to writing messages: who it is from, one action, the link; no diagnosis in a
    # text message (a lock screen shows it) nor in an email's subject or first line.
    "invitation": Template(
        fields={"practice": SMS_PRACTICE_NAME, "link": SMS_LINK},
        subject=_l("%(practice)s: choose a free health course"),
        email=_l(
            "%(practice)s invites you to choose a free health course.\n\n"
            "Open this link to see the courses and choose one that suits you:\n%(link)s\n\n"
            "The courses help people with type 2 diabetes to look after their health. "
            "It takes about 5 minutes to choose.\n\n"
            "If you have questions, call %(practice)s."
        ),
        sms=_l("%(practice)s: please choose a free health course that suits you: %(link)s"),
        letter=_l(
            "%(practice)s invites you to choose a free health course.\n\n"
            "The courses help people with type 2 diabetes to look after their health.\n\n"
            "To see the courses and choose one that suits you, type this address into a phone "
            "or computer:\n%(link)s\n\n"
            "If you have questions, or you would like help to choose, call %(practice)s."
        ),
    ),
    "invitation_reminder": Template(
        fields={"practice": SMS_PRACTICE_NAME, "link": SMS_LINK},
        subject=_l("%(practice)s: a reminder to choose a free health course"),
        email=_l(
            "%(practice)s wrote to you about a free health course. We have not heard from "
            "you yet.\n\n"
            "Open this link to see the courses and choose one that suits you:\n%(link)s\n\n"
            "The courses help people with type 2 diabetes to look after their health.\n\n"
            "If you do not want a course, or you have questions, call %(practice)s."
        ),
        sms=_l("%(practice)s: a reminder to choose a free health course: %(link)s"),
        letter=_l(
            "%(practice)s wrote to you about a free health course. We have not heard from "
            "you yet.\n\n"
            "The courses help people with type 2 diabetes to look after their health.\n\n"
            "To see the courses and choose one that suits you, type this address into a phone "
            "or computer:\n%(link)s\n\n"
            "If you do not want a course, or you have questions, call %(practice)s."
        ),
    ),
    # A booking (referrals/booking.py): the confirmation, then the reminders a week and a day
    # before. The text message has no course name (it may say "diabetes"); the email names
    # the course after its first line (BOOKING_DETAILS).
    "booking_confirmation": Template(
        fields=BOOKING_FIELDS,
        subject=_l("Your place on a health course, %(date)s"),
        email=_l("You have a place on a health course.\n\n%(details)s"),
        sms=_l("Your place on a health course: %(date)s at %(time)s, %(postcode)s. %(link)s"),
    ),
    "booking_reminder_week": Template(
        fields=BOOKING_FIELDS,
        subject=_l("Reminder: your health course starts on %(date)s"),
        email=_l("This is a reminder that your health course starts in a week.\n\n%(details)s"),
        sms=_l("Reminder: your health course is on %(date)s at %(time)s, %(postcode)s. %(link)s"),
    ),
    "booking_reminder_day": Template(
        fields=BOOKING_FIELDS,
        subject=_l("Reminder: your health course starts tomorrow"),
        email=_l("This is a reminder that your health course starts tomorrow.\n\n%(details)s"),
        sms=_l("Reminder: your health course is tomorrow at %(time)s, %(postcode)s. %(link)s"),
    ),
    # The practice's letter to someone who missed their course (the follow-up list). Sent by
    # letter; the email is the same words, for a person who asked for them by email.
    "missed_course": Template(
        fields={"practice": 200, "course": 200, "date": 40, "reference": 12},
        subject=_l("%(practice)s: your diabetes course"),
        email=_MISSED_COURSE,
        letter=_MISSED_COURSE,
    ),
}


def render(template: str, channel: str, language: str, personalisation: dict[str, str]) -> Rendered:
    """The message's words in ``language``; KeyError for an unknown template or a missing
    placeholder."""
    found = TEMPLATES[template]
    words = getattr(found, channel)
    if words is None:
        raise KeyError(f"{template} is not sent by {channel}")
    missing = set(found.fields) - set(personalisation)
    if missing:
        raise KeyError(f"{template} needs {', '.join(sorted(missing))}")
    with force_locale(language):
        body = str(words) % personalisation
        subject = str(found.subject) % personalisation if channel == "email" else None
    return Rendered(subject, body)
