"""Database models (SQLAlchemy 2, typed). The schema itself comes from Alembic migrations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from finder.extensions import db


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in UTC. SQLite keeps no time zone, so values read back are marked as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: give times in UTC")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


# Weekdays follow Python's date.weekday(): Monday is 0, Saturday 5, Sunday 6.
SATURDAY = 5
EVENING_FROM = dt.time(17, 0)


# A directory record's public id (the Open Referral UK documents' ids), made once and kept: by
# default derived from the table and the record's slug (or run key) when the row is made, as
# migration 0014 did for the rows it found, so every install of the same seeds publishes the
# same ids. An import from another directory keeps that directory's ids. (Nullable only in the
# schema: see migration 0014; every row has one.)
DIRECTORY_NAMESPACE = uuid.UUID("0f4b8a52-3c1e-4b8e-9a57-5d1e2f6c7a10")


def new_uuid(context: Any) -> str:
    table = context.current_column.table.name
    natural = context.get_current_parameters()["key" if table == "course_run" else "slug"]
    return str(uuid.uuid5(DIRECTORY_NAMESPACE, f"{table}:{natural}"))


class Area(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "area"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(
        String(36), nullable=True, index=True, unique=True, default=new_uuid
    )
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Provider(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "provider"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(
        String(36), nullable=True, index=True, unique=True, default=new_uuid
    )
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))


programme_area = db.Table(
    "programme_area",
    db.Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    db.Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)


class Programme(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "programme"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(
        String(36), nullable=True, index=True, unique=True, default=new_uuid
    )
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    delivery: Mapped[str] = mapped_column(String(20))  # "online" or "group"
    diabetes_types: Mapped[list[str]] = mapped_column(JSON)
    stages: Mapped[list[str]] = mapped_column(JSON)  # "recent", "established"
    self_referral: Mapped[bool]
    companion_welcome: Mapped[bool | None]
    covers_other_conditions: Mapped[bool]
    # Languages of the material itself (online programmes); group runs carry their own.
    content_languages: Mapped[list[str]] = mapped_column(JSON)
    sessions: Mapped[int | None]
    session_hours: Mapped[float | None]
    # Has a version designed for people diagnosed in the last 12 months (DESMOND's module).
    newly_diagnosed_module: Mapped[bool] = mapped_column(default=False, server_default=false())
    join_url: Mapped[str | None] = mapped_column(String(500))
    # Joining needs an email address of one's own (an account on the programme's website).
    needs_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Each fact and its source: {"fact", "url", "unverified"}; an unverified fact ("to be
    # confirmed") is shown as not yet verified.
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    last_verified: Mapped[dt.date] = mapped_column(Date)
    # policy.PROGRAMME_STATES: "open"; "paused" (no new referrals until paused_until);
    # "retired" (patients no longer see it; staff still see its referrals).
    state: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    paused_until: Mapped[dt.date | None] = mapped_column(Date)
    # Where practices send a referral (a team's email or phone): shown to staff.
    referral_contact: Mapped[str | None] = mapped_column(String(300))

    provider: Mapped[Provider] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=programme_area, order_by="Area.slug")
    texts: Mapped[list[ProgrammeText]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )
    # The runs patients, matching, the API and the export see: never a retired one.
    runs: Mapped[list[CourseRun]] = relationship(
        primaryjoin="and_(Programme.id == CourseRun.programme_id, CourseRun.retired.is_(False))",
        back_populates="programme",
        cascade="all, delete-orphan",
        order_by="CourseRun.start_date",
    )

    def paused_on(self, today: dt.date) -> bool:
        """Whether the programme takes no new referrals on ``today``: paused until a later date
        (a pause always has an end; from that day the programme is open again by itself)."""
        return (
            self.state == "paused" and self.paused_until is not None and today < self.paused_until
        )

    def takes_referrals(self, today: dt.date) -> bool:
        return self.state != "retired" and not self.paused_on(today)

    @property
    def joined_online(self) -> bool:
        """People join it themselves, straight on its own website (no referral needed)."""
        return self.delivery == "online" and self.self_referral and bool(self.join_url)


class ProgrammeText(db.Model):  # type: ignore[name-defined,misc]
    """Patient-facing text of a programme in one language."""

    __tablename__ = "programme_text"
    __table_args__ = (UniqueConstraint("programme_id", "locale"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    what_happens: Mapped[str] = mapped_column(Text)
    who_for: Mapped[str] = mapped_column(Text)
    how_to_join: Mapped[str] = mapped_column(Text)
    # The English changed after this translation was written: translators update it, and
    # patients see the English (with the "only in English" note) until they do.
    needs_update: Mapped[bool] = mapped_column(default=False, server_default=false())

    programme: Mapped[Programme] = relationship(back_populates="texts")


class Venue(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "venue"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(
        String(36), nullable=True, index=True, unique=True, default=new_uuid
    )
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    step_free: Mapped[bool]
    parking: Mapped[bool | None]  # None: not known

    area: Mapped[Area] = relationship()


class CourseRun(db.Model):  # type: ignore[name-defined,misc]
    """One run of a group course: it starts on a date and meets ``sessions`` times at the same
    time of day, as its ``pattern`` says (matching.PATTERNS): on the same weekday each week, on
    one day, or over a few half days."""

    __tablename__ = "course_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(
        String(36), nullable=True, index=True, unique=True, default=new_uuid
    )
    key: Mapped[str] = mapped_column(String(80), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id"))
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    language: Mapped[str] = mapped_column(String(10))
    sessions: Mapped[int] = mapped_column(default=1, server_default="1")
    pattern: Mapped[str] = mapped_column(String(20), default="weekly", server_default="weekly")
    places_left: Mapped[int]
    # When the course is full and keeps a waiting list: the expected wait for a place.
    expected_wait_days: Mapped[int | None]
    # A run that has referrals is cancelled (retired) instead of deleted: patients no longer
    # see it, and its open referrals go on their practice's follow-up list.
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship(back_populates="runs")
    venue: Mapped[Venue | None] = relationship()

    @property
    def weekday(self) -> int:
        return self.start_date.weekday()

    @property
    def weekend(self) -> bool:
        return self.weekday >= SATURDAY

    @property
    def evening(self) -> bool:
        return self.start_time >= EVENING_FROM


class Practice(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "practice"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    # The contact block of the practice's letters (outbox/letters.py): "020 7946 0000",
    # "Monday to Friday, 8am to 6:30pm", as the practice writes them.
    phone: Mapped[str | None] = mapped_column(String(30))
    opening_hours: Mapped[str | None] = mapped_column(String(100))

    area: Mapped[Area] = relationship()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id"))
    # Staff of a course provider (role "provider") belong to it instead of to a practice.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Sessions carry the epoch they began in; raising it ends every session of this user.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-step sign-in: the TOTP secret, the last time step used (no replays), and hashes of
    # one-time recovery codes.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSON)
    # The secret of a second factor being set up, until its first code confirms it. Kept here,
    # never in the session cookie (which the browser can read).
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))

    practice: Mapped[Practice | None] = relationship()
    provider: Mapped[Provider | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active


class Patient(db.Model):  # type: ignore[name-defined,misc]
    """A person referred by (or to) one practice. Personal data: only that practice's staff."""

    __tablename__ = "patient"
    # Staff find a person within their practice by date of birth or NHS number (search.py).
    __table_args__ = (
        Index("ix_patient_practice_dob", "practice_id", "date_of_birth"),
        Index("ix_patient_practice_nhs_number", "practice_id", "nhs_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_language: Mapped[str] = mapped_column(String(10), default="en")
    contact_method: Mapped[str] = mapped_column(String(10), default="phone")  # phone|email|letter
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    companion_coming: Mapped[bool] = mapped_column(default=False)
    diagnosis_date: Mapped[dt.date | None] = mapped_column(Date)
    # What would help them take part (step-free access, a hearing loop...), in staff's words.
    access_needs: Mapped[str | None] = mapped_column(Text)

    practice: Mapped[Practice] = relationship()
    search_terms: Mapped[list[PatientSearchTerm]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class PatientSearchTerm(db.Model):  # type: ignore[name-defined,misc]
    """One word of a patient's name, without accents or case, for the staff search: a name
    search is a range on (practice_id, term) (byte order: collation "C" on PostgreSQL). Kept
    in step with the name by finder/referrals/search.py, whichever way the patient is saved."""

    __tablename__ = "patient_search_term"
    __table_args__ = (Index("ix_patient_search_term_practice_term", "practice_id", "term"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    term: Mapped[str] = mapped_column(
        String(100).with_variant(String(100, collation="C"), "postgresql")
    )


class RegisterEntry(db.Model):  # type: ignore[name-defined,misc]
    """A person on a practice's diabetes register, as its clinical system's search gave them
    (imported by the practice: finder/register/). Personal data: only that practice's staff.
    The date of diagnosis is the date of entry on the register, from which QOF DM014 counts."""

    __tablename__ = "register_entry"
    __table_args__ = (
        UniqueConstraint("practice_id", "nhs_number", name="uq_register_entry_practice_nhs"),
        Index("ix_register_entry_practice_diagnosis", "practice_id", "diagnosis_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    nhs_number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    diagnosis_date: Mapped[dt.date] = mapped_column(Date)
    preferred_language: Mapped[str] = mapped_column(String(10))
    interpreter_needed: Mapped[bool]
    mobile: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    postal_address: Mapped[str | None] = mapped_column(String(500))
    # Letters to this person in large print (on request: the register's "Large print" column).
    large_print: Mapped[bool] = mapped_column(default=False, server_default=false())
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # A QOF exception (policy.REGISTER_EXCEPTIONS) takes the person out of DM014's count.
    exception: Mapped[str | None] = mapped_column(String(20))
    exception_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Invitation(db.Model):  # type: ignore[name-defined,misc]
    """An invitation sent to a person on the register (register/invitations.py): the first by
    staff, the second by staff or automatically. The personal link's token is kept only as its
    SHA-256 hash. Personal data: only staff of the entry's practice."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("register_entry_id", "number", name="uq_invitation_entry_number"),
        UniqueConstraint("token_hash", name="uq_invitation_token_hash"),
        Index("ix_invitation_number_created_at", "number", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    register_entry_id: Mapped[int] = mapped_column(
        ForeignKey("register_entry.id", ondelete="CASCADE")
    )
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    number: Mapped[int]  # 1, 2: the first invitation, the second
    token_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))  # sms | email | letter
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))  # None: the job
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # first opened
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))

    entry: Mapped[RegisterEntry] = relationship()
    message: Mapped[OutboundMessage | None] = relationship()
    sent_by: Mapped[User | None] = relationship()
    referral: Mapped[Referral | None] = relationship()


class Referral(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "referral"
    # A practice's list, newest first, reads one practice's rows in order (1,000,000 referrals).
    __table_args__ = (Index("ix_referral_practice_id_created_at", "practice_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    course_run_id: Mapped[int | None] = mapped_column(ForeignKey("course_run.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    self_referral: Mapped[bool] = mapped_column(default=False)
    circumstances: Mapped[dict[str, str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # When each stage of the funnel was first reached: the uptake dashboard counts these
    # with aggregate queries instead of reading every referral's history.
    booked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    did_not_attend_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    declined_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The course provider's first answer (accepted, declined or booked, by the provider): the
    # provider's responsiveness is counted from the referral to this.
    provider_answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    linked_from_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    # Assisted online registration: {"has_device": bool, "needed_help": bool}.
    registration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The day staff mean to act on it next (the follow-up worklist is ordered by it).
    next_action_on: Mapped[dt.date | None] = mapped_column(Date)
    # Goes up with every change: a form carries the version it was shown, and a change made
    # from an older one is refused (two people changing one referral at once).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    patient: Mapped[Patient] = relationship()
    practice: Mapped[Practice] = relationship()
    programme: Mapped[Programme] = relationship()
    course_run: Mapped[CourseRun | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id"
    )


class ReferralEvent(db.Model):  # type: ignore[name-defined,misc]
    """Append-only history of a referral: status changes, notes and contact attempts."""

    __tablename__ = "referral_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))  # a staff role, "patient" or "system"
    kind: Mapped[str] = mapped_column(String(20))  # "status", "note", "contact"
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    snomed_code: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(20))  # contact attempts: phone, letter...
    outcome: Mapped[str | None] = mapped_column(String(20))  # contact attempts: reached, ...
    # A correction ("change"): [{"field": "phone", "old": ..., "new": ...}, ...].
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class BookingLink(db.Model):  # type: ignore[name-defined,misc]
    """A person's own link to their booking (``/<lang>/my/<token>``): one is made for each
    message about the booking (referrals/booking.py). It opens the referral's booking as it is
    now, whichever run that is. Only the token's SHA-256 hash is kept."""

    __tablename__ = "booking_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    referral: Mapped[Referral] = relationship()


class Reminder(db.Model):  # type: ignore[name-defined,misc]
    """A reminder of a booking, due before its course run starts (referrals/booking.py): made
    when the referral is booked onto the run, cancelled in the same unit of work as any change
    of that booking, sent once by the periodic job when due."""

    __tablename__ = "reminder"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    # A run deleted from the directory (it has no referrals left) takes its reminders with it.
    course_run_id: Mapped[int] = mapped_column(ForeignKey("course_run.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # policy.REMINDER_DAYS: "week", "day"
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"))

    referral: Mapped[Referral] = relationship()
    course_run: Mapped[CourseRun] = relationship()


class ProviderLink(db.Model):  # type: ignore[name-defined,misc]
    """A link that opens one referral for its course provider without signing in.

    Only a hash of the token is kept: the token is in the link given to the provider and
    nowhere else. It stops working when it expires or a commissioner revokes it."""

    __tablename__ = "provider_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    first_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    referral: Mapped[Referral] = relationship()

    def usable(self, at: dt.datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at


class RememberedDevice(db.Model):  # type: ignore[name-defined,misc]
    """A browser where a staff member gave their second step today: signing in there again
    asks for the password only, until ``expires_at`` (midnight in London).

    Only a hash of the cookie's token is kept. Signing out, a new second factor or an admin
    ending the account's sessions forgets every device of the account (``revoked_at``)."""

    __tablename__ = "remembered_device"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the browser said it is ("Firefox on Windows"), for the account page.
    label: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def usable(self, at: dt.datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    """Who read or changed what, and when. Holds references, never personal data."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))  # e.g. "referral.view", "referral.denied"
    object_ref: Mapped[str | None] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="ok")  # "ok" or "denied"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class RateLimit(db.Model):  # type: ignore[name-defined,misc]
    """Requests per client and window, in the database so every worker shares the count.

    The key is an HMAC of the client address, never the address itself."""

    __tablename__ = "rate_limit"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class FormSubmission(db.Model):  # type: ignore[name-defined,misc]
    """A creating form's one-time key: a second submission of the same form (a double click,
    a resent request) finds what the first one made instead of making it again."""

    __tablename__ = "form_submission"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # Where the first submission led (a path on this site), shown again to the second.
    target: Mapped[str | None] = mapped_column(String(300))


class Feedback(db.Model):  # type: ignore[name-defined,misc]
    """A rating and comment from someone who did a course. No personal data is asked for."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship()


class LoginAttempt(db.Model):  # type: ignore[name-defined,misc]
    """Failed sign-ins per account (an HMAC of the email), shared by every worker."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


# Tables whose rows show on public pages. A trigger on each (migration 0008) adds one to
# DirectoryVersion.version on every change, however it is made, so each worker can tell when
# the pages it keeps rendered are out of date.
DIRECTORY_TABLES = (
    "area",
    "provider",
    "programme",
    "programme_area",
    "programme_text",
    "venue",
    "course_run",
    "practice",
    "feedback",
)


class DirectoryVersion(db.Model):  # type: ignore[name-defined,misc]
    """One row: a number that goes up whenever a table in DIRECTORY_TABLES changes."""

    __tablename__ = "directory_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class UptakeSnapshot(db.Model):  # type: ignore[name-defined,misc]
    """The uptake figures for a scope ("all" or a practice id), shared by every worker.

    Aggregates only (counts, medians): no patient identifier is ever stored here."""

    __tablename__ = "uptake_snapshot"
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set while one worker works the figures out again, so the others do not.
    refreshing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutboundMessage(db.Model):  # type: ignore[name-defined,misc]
    """A message we send (outbox/): to whom, about which referral, through which channel and
    where it got to. ``key`` names the referral and the event, so a message is made once.
    Personal data (the address and the text): only staff of the referral's practice."""

    __tablename__ = "outbound_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(20))  # patient | provider | practice
    channel: Mapped[str] = mapped_column(String(10))  # email | sms | letter
    to: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    large_print: Mapped[bool] = mapped_column(default=False, server_default=false())  # letters
    status: Mapped[str] = mapped_column(String(20), index=True)
    # Notify's own status from the last receipt (e.g. "permanent-failure"), and its id.
    notify_status: Mapped[str | None] = mapped_column(String(40))
    notify_id: Mapped[str | None] = mapped_column(String(40), index=True)
    error: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    referral: Mapped[Referral | None] = relationship()
