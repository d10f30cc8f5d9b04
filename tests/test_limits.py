"""Too long for its column: every form that saves to a String or Text column refuses the value
with a message on the field before the database sees it (PostgreSQL would raise; SQLite keeps
anything, so only the PostgreSQL run shows the server error this prevents)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import String, func, select

from finder import clock
from finder.extensions import db
from finder.models import (
    Area,
    AuditEvent,
    CourseRun,
    Feedback,
    FormSubmission,
    Patient,
    Practice,
    Programme,
    ProgrammeText,
    ReferralEvent,
    Venue,
)
from tests.conftest import check_page
from tests.forms import hidden_fields
from tests.staff.conftest import sign_in

# Each column's length, read off finder/models.py by hand: the oracle for what "too long" is.
LENGTHS = {
    Patient.name: 200,
    Patient.email: 254,
    Patient.phone: 30,
    Patient.nhs_number: 10,
    FormSubmission.key: 64,
    ProgrammeText.name: 200,
    Programme.join_url: 500,
    Programme.referral_contact: 300,
    Venue.slug: 60,
    Venue.name: 200,
    Venue.address: 300,
    Venue.postcode: 10,
    Area.slug: 60,
    Area.name: 120,
    CourseRun.language: 10,
    Practice.phone: 30,
    Practice.opening_hours: 100,
}
# Text columns have no length in the database; the forms cap them (finder/limits.py, or the
# form's own smaller cap). Any value over 10,000 characters is over every cap.
TEXT_TOO_LONG = 10_001

ADDRESSES = itertools.count(1)


@dataclass(frozen=True)
class Form:
    path: str
    valid: dict[str, str]
    role: str | None = None  # None: a public form
    read_csrf_from: str | None = None  # when the form posts to a page that has no GET
    extra: dict[str, Any] = field(default_factory=dict)


SELF_REFERRAL = Form(
    "/en/self-refer/x-pert",
    {
        "name": "Sam Sample",
        "date_of_birth": "01/01/1960",
        "phone": "020 7946 0111",
        "practice": "DEMO02",
        "preferred_language": "so",
        "consent": "y",
    },
)
REFERRAL = Form(
    "/en/staff/referrals/new?programme=desmond",
    {
        "name": "Ayse Example",
        "date_of_birth": "27/03/1958",
        "phone": "020 7946 0000",
        "preferred_language": "tr",
        "contact_method": "phone",
    },
    role="clinician",
)
REGISTRATION = Form(
    "/en/staff/register-online?computer=with_help",
    {
        "name": "Reg Example",
        "date_of_birth": "01/02/1970",
        "email": "reg@example.org",
        "preferred_language": "bn",
        "contact_method": "email",
    },
    role="support",
)
FEEDBACK = Form("/en/feedback/desmond", {"rating": "4"})
PROGRAMME = Form(
    "/en/staff/directory/programmes/desmond?text_lang=pl",
    {
        "name": "DESMOND",
        "summary": "Kurs grupowy.",
        "what_happens": "Spotykasz się z innymi.",
        "who_for": "Dorośli.",
        "how_to_join": "Zapytaj w przychodni.",
    },
    role="commissioner",
)
FACTS = Form(
    "/en/staff/directory/programmes/desmond/facts",
    {
        "state": "open",
        "delivery": "group",
        "diabetes_types": "type2",
        "stages": "recent",
        "companion_welcome": "yes",
        "content_languages": "en",
        "sources-0-fact": "A fact.",
        "sources-0-url": "https://example.org/",
    },
    role="commissioner",
)
RUN_DAY = clock.today() + dt.timedelta(days=30)
RUN = Form(
    "/en/staff/directory/runs/new",
    {
        "programme": "desmond",
        "venue": "canal-health-centre",
        "start_date": RUN_DAY.strftime("%d/%m/%Y"),
        "start_time": "18:00",
        "end_time": "20:00",
        "language": "en",
        "places_left": "10",
    },
    role="commissioner",
)
VENUE = Form(
    "/en/staff/directory/venues/new",
    {
        "slug": "length-test-venue",
        "name": "Length Test Venue",
        "address": "1 Test Street",
        "postcode": "N1 1AA",
        "area": "camden",
        "step_free": "yes",
    },
    role="commissioner",
)
AREA = Form(
    "/en/staff/directory/areas",
    {"slug": "length-test-area", "name": "Length Test Area"},
    role="commissioner",
    read_csrf_from="/en/staff/directory/",
)
PRACTICE_CONTACT = Form(
    "/en/staff/practice/contact",
    {"phone": "020 7946 0000", "opening_hours": "Monday to Friday, 8am to 6:30pm"},
    role="clinician",
)

LONG: dict[str, Callable[[int], str]] = {
    "email": lambda n: "a" * n + "@example.org",
    "join_url": lambda n: "https://example.org/" + "a" * n,
    "language": lambda n: "a" * (n + 1),
    "phone": lambda n: "0" * (n + 1),
    "nhs_number": lambda n: "9" * (n + 1),
}

# (column, form, field name, words the message must hold to name the field)
CASES = [
    (Patient.name, SELF_REFERRAL, "name", "Your full name"),
    (Patient.email, SELF_REFERRAL, "email", "email address"),
    (Patient.phone, SELF_REFERRAL, "phone", "phone number"),
    (Patient.nhs_number, SELF_REFERRAL, "nhs_number", "NHS number"),
    (FormSubmission.key, SELF_REFERRAL, "submission", "Submission"),
    (Patient.name, REFERRAL, "name", "Full name"),
    (Patient.email, REFERRAL, "email", "email address"),
    (Patient.access_needs, REFERRAL, "access_needs", "access needs"),
    (Patient.email, REGISTRATION, "email", "email address"),
    (Feedback.comment, FEEDBACK, "comment", "characters or fewer"),
    (ProgrammeText.name, PROGRAMME, "name", "Name"),
    (ProgrammeText.summary, PROGRAMME, "summary", "Summary"),
    (ProgrammeText.what_happens, PROGRAMME, "what_happens", "What happens"),
    (ProgrammeText.who_for, PROGRAMME, "who_for", "Who it is for"),
    (ProgrammeText.how_to_join, PROGRAMME, "how_to_join", "How to join"),
    (Programme.join_url, FACTS, "join_url", "Course website"),
    (Programme.referral_contact, FACTS, "referral_contact", "Referral contact"),
    (Venue.slug, VENUE, "slug", "Short name for links"),
    (Venue.name, VENUE, "name", "Name"),
    (Venue.address, VENUE, "address", "Address"),
    (Venue.postcode, VENUE, "postcode", "Postcode"),
    (Area.slug, AREA, "slug", "Short name"),
    (Area.name, AREA, "name", "Area name"),
    (CourseRun.language, RUN, "language", "language code"),
    (Practice.phone, PRACTICE_CONTACT, "phone", "phone number"),
    (Practice.opening_hours, PRACTICE_CONTACT, "opening_hours", "Opening hours"),
]


def too_long(column: Any, name: str) -> str:
    length = LENGTHS.get(column)
    if length is None:
        return "x" * TEXT_TOO_LONG
    if name in LONG:
        return LONG[name](length)
    return "a" * (length + 1)


def client_for(app, form: Form):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"203.0.113.{next(ADDRESSES)}"  # rate limits
    return sign_in(client, form.role) if form.role else client


def post(client, form: Form, **fields: str):
    soup = BeautifulSoup(client.get(form.read_csrf_from or form.path).data, "html5lib")
    hidden = hidden_fields(soup, "form input[type=hidden]")
    return client.post(form.path, data={**hidden, **form.valid, **fields})


def errors_shown(client, response) -> str:
    """The error summary of a form shown again, or the message flashed after a redirect."""
    assert response.status_code < 500, response.status_code
    if response.status_code == 302:
        response = client.get(response.location)
    assert response.status_code == 200, response.status_code
    soup = check_page(response.get_data(as_text=True))
    summary = soup.find(class_="nhsuk-error-summary")
    if summary is not None:
        return " ".join(
            f"{a['href']} {a.get_text(' ', strip=True)}" for a in summary.select("a[href]")
        )
    return " ".join(n.get_text(" ", strip=True) for n in soup.select(".app-flash--error"))


def stored(app, column, value: str) -> int:
    with app.app_context():
        return db.session.scalars(select(func.count()).where(column == value)).one()


@pytest.mark.parametrize(
    ("column", "form", "name", "words"),
    CASES,
    ids=[f"{form.path.split('?')[0]}:{name}" for _c, form, name, _w in CASES],
)
def test_too_long_for_its_column_is_named_on_the_form(app, column, form, name, words):
    client = client_for(app, form)
    value = too_long(column, name)

    response = post(client, form, **{name: value})

    shown = errors_shown(client, response)
    assert words.lower() in shown.lower(), shown
    if "#" in shown:  # an error summary links to the field
        assert f"#{name}" in shown, shown
    assert stored(app, column, value) == 0


def test_a_status_reason_or_note_too_long_is_refused(app, make_referral, signed_in):
    client = signed_in("clinician")
    reference = make_referral()
    form = Form(
        f"/en/staff/referrals/{reference}/status",
        {"status": "booked"},
        read_csrf_from=f"/en/staff/referrals/{reference}",
    )
    value = "x" * TEXT_TOO_LONG
    shown = errors_shown(client, post(client, form, reason=value))
    assert "reason" in shown.lower()
    note = Form(f"/en/staff/referrals/{reference}/notes", {}, read_csrf_from=form.read_csrf_from)
    errors_shown(client, post(client, note, text=value))
    assert stored(app, ReferralEvent.reason, value) == 0


def test_values_as_long_as_their_columns_are_saved_and_audited(app):
    """The longest short name a venue may have is kept whole and its change audited."""
    client = client_for(app, VENUE)
    slug = "v" * LENGTHS[Venue.slug]

    response = post(client, VENUE, slug=slug, name="n" * LENGTHS[Venue.name])

    assert response.status_code == 302, response.status_code
    with app.app_context():
        assert db.session.scalar(select(Venue.name).filter_by(slug=slug)) == "n" * 200
        audited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "directory.venue").order_by(AuditEvent.id)
        ).all()
        assert audited[-1].detail.get("object_ref", audited[-1].object_ref) == slug
        # Other tests list the directory's venues.
        db.session.delete(db.session.scalar(select(Venue).filter_by(slug=slug)))
        db.session.commit()


# Columns no form writes: the seed loader and the directory import check them
# (tests/commissioning/test_import_checks.py), or the application makes their values itself.
NOT_FROM_FORMS = {
    "area.slug", "area.name", "provider.slug", "provider.name", "provider.website",
    "programme.slug", "programme.delivery", "programme.join_url", "programme.state",
    "programme_text.locale",
    "venue.slug", "venue.name", "venue.address", "venue.postcode",
    "course_run.key", "course_run.pattern",
    "area.uuid", "provider.uuid", "programme.uuid", "venue.uuid", "course_run.uuid",
    "practice.code", "practice.name",
    "staff_user.email", "staff_user.name", "staff_user.role", "staff_user.password_hash",
    "staff_user.totp_secret", "staff_user.totp_pending_secret",
    "patient.preferred_language", "patient.contact_method",
    "referral.reference", "referral.status",
    "referral_event.actor_role", "referral_event.kind", "referral_event.from_status",
    "referral_event.to_status", "referral_event.snomed_code", "referral_event.channel",
    "referral_event.outcome",
    "audit_event.actor_role", "audit_event.action", "audit_event.object_ref",
    "audit_event.outcome",
    "rate_limit.key", "form_submission.key", "form_submission.target",
    "feedback.language", "feedback.status", "login_attempt.account_key", "uptake_snapshot.scope",
    # The register import checks each cell (tests/staff/test_register.py), or makes the value.
    "register_entry.nhs_number", "register_entry.name", "register_entry.preferred_language",
    "register_entry.mobile", "register_entry.email", "register_entry.postal_address",
    "register_entry.exception",
    # Invitations: the token's hash and a channel chosen by register/invitations.py.
    "invitation.token_hash", "invitation.channel",
    # Messages: made by outbox.send from checked values; Notify's id and status are checked
    # for length by /notify/callback (tests/outbox/test_outbox.py).
    "outbound_message.key", "outbound_message.recipient", "outbound_message.channel",
    "outbound_message.to", "outbound_message.template", "outbound_message.language",
    "outbound_message.subject", "outbound_message.body", "outbound_message.status",
    "outbound_message.notify_status", "outbound_message.notify_id", "outbound_message.error",
    "patient_search_term.term",
    "provider_link.token_hash",
    # Remembered devices: the token's hash, and a label devices.label makes from fixed names.
    "remembered_device.token_hash", "remembered_device.label",
    # Bookings: a personal link's token hash, and a reminder's kind from policy.REMINDER_DAYS.
    "booking_link.token_hash", "reminder.kind",
}  # fmt: skip


def test_every_text_column_is_checked_by_a_form_or_is_not_typed_by_people():
    tested = {f"{c.class_.__tablename__}.{c.key}" for c, *_ in CASES}
    tested.add("referral_event.reason")
    columns = {
        f"{table.name}.{column.name}"
        for table in db.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, String)
    }
    assert columns <= tested | NOT_FROM_FORMS, sorted(columns - tested - NOT_FROM_FORMS)
    for column, length in LENGTHS.items():
        assert column.type.length == length, column
