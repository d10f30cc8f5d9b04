"""The rules of the service: every number or list that is a decision, with its reason.

Code and templates (``policy`` is a Jinja global) read them from here, so a rule changes in
one place. Labels, being words, stay beside the page or form that shows them; the keys they
label come from here. This module imports nothing from finder: anything may import it.
"""

from __future__ import annotations

import datetime as dt

# Site languages; each must have a catalogue in translations/ (checked at start-up). English
# first: it is the default and the fallback.
LANGUAGES = ("en", "bn", "tr", "so", "ar", "ur", "pl", "ro", "es", "pt")
# Languages offered as answers to "Which language would you like the course in?" (the
# languages providers in the directory run courses in; not tied to the site's).
COURSE_LANGUAGES = ("en", "bn", "tr", "so", "ar", "ur", "pl", "ro", "es", "pt")

# Staff roles (access.py checks every view against them).
ROLES = ("clinician", "support", "commissioner", "admin", "provider")
# Roles whose staff belong to one practice and see its patients; the others belong to none.
PRACTICE_ROLES = ("clinician", "support")
# The role of a course provider's staff: they belong to one provider (not a practice) and see
# the referrals to its programmes, from every practice, and only what they need to contact and
# book the person (DESIGN.md, "Users and what each does").
PROVIDER_ROLE = "provider"
# Who acts on the public site without an account (a self-referral, "I can't make it").
PATIENT_ROLE = "patient"

# QOF DM014: a newly diagnosed person is referred to structured education within 9 months of
# joining the diabetes register.
DM014_MONTHS = 9
# QOF's exception "no response to two invitations": after this many unanswered contact
# attempts in a row, the patient may be excepted from DM014.
NO_RESPONSE_INVITATIONS = 2
# DM014 counts the people who joined the register in the QOF year before this one (1 April to
# 31 March: reference/codes.md), so every one of them has had their whole nine months.
QOF_YEAR_START_MONTH = 4
# QOF exceptions a practice may record for a person on the register (reference/codes.md), each
# with the cluster it is coded in. An excepted person leaves DM014's count and the "not yet
# referred" list.
REGISTER_EXCEPTIONS = {
    "declined": "DSEPDEC_COD",  # the person chose not to have structured education
    "unsuitable": "DSEPPU_COD",
    "unavailable": "DSEPSU_COD",  # no service available
    "no_response": "DSEPDEC_COD",  # no answer to two invitations (recorded as a decline)
}
# Invitations (register/invitations.py): with no self-referral this many days after an
# invitation, the next one goes automatically (up to NO_RESPONSE_INVITATIONS); as many days
# after the last, the QOF exception "no response to two invitations" is proposed to staff.
INVITATION_ANSWER_DAYS = 14
# A personal link works for this long after its invitation (long enough for both invitations
# and a late answer), then shows a page asking the person to contact their practice.
INVITATION_LINK_DAYS = 90
# Random bytes in a personal link's token: 96 bits (16 URL-safe characters), unguessable and
# short enough for a text message.
INVITATION_TOKEN_BYTES = 12
# In a text message, the practice's name is cut to this many characters and the link may be
# at most this long (FINDER_BASE_URL + "/xx/my/" + the token), so that the message fits in
# SMS_FRAGMENTS in every language (tests/outbox/test_sms_length.py).
SMS_PRACTICE_NAME = 32
SMS_LINK = 64
# So FINDER_BASE_URL may be at most this long (the site refuses to start otherwise).
BASE_URL_MAX = SMS_LINK - len("/xx/my/") - -(-INVITATION_TOKEN_BYTES * 4 // 3)
# The "not yet referred" list shows at most this many people (the most urgent first).
REGISTER_LIST_LIMIT = 200

# Bookings (referrals/booking.py): a person booked onto a course run is sent a confirmation at
# once, then a reminder this many days before the course starts (each only if still ahead when
# they are booked), at REMINDER_HOUR London time (no text message in the night). Each message
# carries a personal link (INVITATION_TOKEN_BYTES, SMS_LINK) that works for BOOKING_LINK_DAYS:
# past the course, whichever date it is moved to in the meantime.
REMINDER_DAYS = {"week": 7, "day": 1}
REMINDER_HOUR = 10
BOOKING_LINK_DAYS = 120

# NHS numbers are issued in ranges (NHS Data Dictionary, "NHS Number"; NHS Digital's
# allocation): 010 100 0000-311 299 9999 Scotland (CHI), 320 000 0000-399 999 9999 Northern
# Ireland (H&C), 400 000 0000-499 999 9999 and 600 000 0000-799 999 9999 England, Wales and the
# Isle of Man. The 9 series is never issued to a person: NHS Digital keeps it for test data
# (943 476 5919, the Data Dictionary's example; 999 ... numbers in its test environments). It
# is accepted, so the demo, training and tests can use numbers that can never be a real
# person's. A number of one digit ten times (000 000 0000, 999 999 9999) passes the Modulus
# 11 check yet is never issued: refused everywhere.
NHS_NUMBER_RANGES = (
    (101000000, 3112999999),
    (3200000000, 3999999999),
    (4000000000, 4999999999),
    (6000000000, 7999999999),
    (9000000000, 9999999999),
)

# Contact attempts: how staff tried to reach a patient, and what happened.
CONTACT_CHANNELS = ("phone", "text", "email", "letter")
CONTACT_OUTCOMES = ("reached", "no_answer", "left_message", "letter_sent", "wrong_number")
# The outcomes that count as an unanswered invitation (a wrong number is no invitation at all).
UNANSWERED_OUTCOMES = frozenset({"no_answer", "left_message", "letter_sent"})

# The stages of the uptake dashboard, in the order of the patient's path.
UPTAKE_STAGES = ("referred", "booked", "attended", "completed", "did_not_attend", "declined")

# Small-number suppression (NHS statistics practice; commissioning/suppression.py applies it):
# a published count from 1 to SMALL_NUMBER - 1 is shown as SMALL_MARK.
SMALL_NUMBER = 5
SMALL_MARK = f"<{SMALL_NUMBER}"
# A count hidden so that a "<5" cannot be worked out from its total (secondary suppression).
COMPLEMENT_MARK = "*"

# A provider declines a referral with one of these reasons (DESIGN.md: "its declined carries
# a reason from a short list").
DECLINE_REASONS = (
    "patient_declined",
    "could_not_contact",
    "not_eligible",
    "out_of_area",
    "already_attended",
)
# What of the stored circumstances a provider sees: its access needs (reading and computer
# use). The rest (work, worries, other conditions) is the practice's to know.
PROVIDER_CIRCUMSTANCES = ("reading", "computer")

# A course provider without an account answers a referral through a link made when the
# referral is: it opens that one referral, and stops working after this long (or when a
# commissioner revokes it).
PROVIDER_LINK_DAYS = 30
# Responsiveness (per provider): a clinician's programme card says how soon the course team
# usually answers once at least this many referrals to the provider have been answered (fewer
# would make a "usual" out of one or two cases, and could point to a person).
RESPONSIVENESS_MIN_ANSWERED = 10
# "Booked within" this many days of the referral, on the uptake dashboard.
BOOKED_WITHIN_DAYS = 14

# Defaults of settings a deployment may change (config.py reads the environment).
# A referral not booked after this many days is overdue (follow-up worklist).
NOT_BOOKED_DAYS = 14
# A course more than this many days away is flagged: people lose impetus on a long wait.
LONG_WAIT_DAYS = 42

# Sign-in throttling (throttle.py): after this many failures to one account within the window,
# the account refuses every attempt until the oldest failure leaves it: per account, never
# global, against brute force (OWASP ASVS 5.0 6.3.1).
SIGNIN_MAX_FAILURES = 5
SIGNIN_WINDOW = dt.timedelta(minutes=15)

# Staff sessions on shared practice PCs are locked after this long without a request (the
# password opens them again), and end this long after sign-in whatever happens (OWASP ASVS
# 5.0 7.3.1/7.3.2; ASVS 4.0.3 V3.3.2 gave the L2 figures "12 hours or 30 minutes of
# inactivity").
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_ABSOLUTE = dt.timedelta(hours=12)

# Closed referrals are kept at least this long: 8 years (leap days included) after the care
# ended, the retention the NHS Records Management Code of Practice (2021, Appendix II) sets
# for adult health records not covered elsewhere. The practice's own GP record keeps longer.
RETENTION_FLOOR_DAYS = 8 * 365 + 2

# Programme slugs and course-run keys: lower-case words joined by hyphens (they appear in
# links and in the directory's import files).
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# A programme's state: open to referrals; paused (none until a date, when it opens again by
# itself); retired (patients no longer see it; its referrals stay with their practices).
PROGRAMME_STATES = ("open", "paused", "retired")

# Phone numbers are checked and stored as numbers of this region (phonenumbers' region code).
PHONE_REGION = "GB"

# Messages (outbox/): a send Notify could not take (busy, down, no answer) is tried this many
# times in all, first again after MESSAGE_RETRY_SECONDS, each wait MESSAGE_RETRY_BACKOFF times
# the one before (30 s, 1, 2 and 4 minutes), then marked failed.
MESSAGE_ATTEMPTS = 5
MESSAGE_RETRY_SECONDS = 30
MESSAGE_RETRY_BACKOFF = 2
# A text message is at most this many fragments (each one is charged): 306 GSM-7 characters,
# 134 in UCS-2 (any character outside GSM-7, e.g. Bengali, Arabic or Urdu script).
SMS_FRAGMENTS = 2
