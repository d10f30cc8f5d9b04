"""Database models (SQLAlchemy 2, typed). The schema itself comes from Alembic migrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finder.extensions import db

# Weekdays follow Python's date.weekday(): Monday is 0, Saturday 5, Sunday 6.
SATURDAY = 5
EVENING_FROM = dt.time(17, 0)


class Area(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "area"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Provider(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "provider"
    id: Mapped[int] = mapped_column(primary_key=True)
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
    join_url: Mapped[str | None] = mapped_column(String(500))
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    last_verified: Mapped[dt.date] = mapped_column(Date)

    provider: Mapped[Provider] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=programme_area, order_by="Area.slug")
    texts: Mapped[list[ProgrammeText]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )
    runs: Mapped[list[CourseRun]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="CourseRun.start_date"
    )


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

    programme: Mapped[Programme] = relationship(back_populates="texts")


class Venue(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "venue"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    step_free: Mapped[bool]

    area: Mapped[Area] = relationship()


class CourseRun(db.Model):  # type: ignore[name-defined,misc]
    """One run of a group course: it starts on a date and meets weekly at the same time."""

    __tablename__ = "course_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venue.id"))
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    language: Mapped[str] = mapped_column(String(10))
    places_left: Mapped[int]

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

    area: Mapped[Area] = relationship()


ROLES = ("clinician", "support", "commissioner", "admin")


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    practice: Mapped[Practice | None] = relationship()
