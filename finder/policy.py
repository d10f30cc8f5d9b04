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

# QOF DM014: a newly diagnosed person is referred to structured education within 9 months of
# joining the diabetes register.
DM014_MONTHS = 9
# The worklist raises a DM014 deadline this many days before it passes.
DM014_WARNING_DAYS = 30
# QOF's exception "no response to two invitations": after this many unanswered contact
# attempts in a row, the patient may be excepted from DM014.
NO_RESPONSE_INVITATIONS = 2

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

# Staff sessions on shared practice PCs end after this long without a request, and this long
# after sign-in whatever happens (OWASP ASVS 5.0 7.3.1/7.3.2; ASVS 4.0.3 V3.3.2 gave the L2
# figures "12 hours or 30 minutes of inactivity").
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_ABSOLUTE = dt.timedelta(hours=12)

# Closed referrals are kept at least this long: 8 years (leap days included) after the care
# ended, the retention the NHS Records Management Code of Practice (2021, Appendix II) sets
# for adult health records not covered elsewhere. The practice's own GP record keeps longer.
RETENTION_FLOOR_DAYS = 8 * 365 + 2

# Programme slugs and course-run keys: lower-case words joined by hyphens (they appear in
# links and in the directory's import files).
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Phone numbers are checked and stored as numbers of this region (phonenumbers' region code).
PHONE_REGION = "GB"
