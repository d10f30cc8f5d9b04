"""Reads of the practice register: who is not yet referred, and QOF DM014 counted over the
register (newly diagnosed people), not over referrals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Exists, and_, exists, func, select

from finder.clock import LONDON
from finder.dates import add_months
from finder.extensions import db
from finder.models import Patient, Practice, Referral, RegisterEntry
from finder.outbox import letters
from finder.policy import DM014_MONTHS, QOF_YEAR_START_MONTH


def has_referral() -> Exists:
    """Whether the entry's person (same practice, same NHS number) has any referral."""
    return exists().where(
        Patient.practice_id == RegisterEntry.practice_id,
        Patient.nhs_number == RegisterEntry.nhs_number,
        Referral.patient_id == Patient.id,
    )


def deadline(entry: RegisterEntry) -> dt.date:
    """The last day to refer this person within QOF DM014's nine months."""
    return add_months(entry.diagnosis_date, DM014_MONTHS)


def has_register(practice_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(RegisterEntry.id).where(RegisterEntry.practice_id == practice_id).limit(1)
        )
    )


def entry(practice_id: int, entry_id: int) -> RegisterEntry | None:
    found = db.session.get(RegisterEntry, entry_id)
    return found if found is not None and found.practice_id == practice_id else None


@dataclass(frozen=True)
class Postal:
    to: str  # Notify's address lines
    large_print: bool


def postal(practice_id: int, patients: Iterable[Patient]) -> dict[int, Postal]:
    """Where to post each patient a letter (patient id -> address), from the entry of their NHS
    number on the practice register: the register is where addresses and large print are
    kept. Patients with no entry, or an address that is not 3 to 7 lines, are left out."""
    by_number = {p.nhs_number: p for p in patients if p.nhs_number}
    found: dict[int, Postal] = {}
    for entry in db.session.scalars(
        select(RegisterEntry).where(
            RegisterEntry.practice_id == practice_id,
            RegisterEntry.nhs_number.in_(list(by_number)),
        )
    ):
        patient = by_number[entry.nhs_number]
        to = letters.address(patient.name, entry.postal_address)
        if to is not None:
            found[patient.id] = Postal(to, entry.large_print)
    return found


def not_yet_referred(practice_id: int, limit: int) -> tuple[list[RegisterEntry], int]:
    """People on the register with no referral and no QOF exception, the nearest DM014
    deadline first (the deadline follows the date of diagnosis); and how many there are."""
    where = and_(
        RegisterEntry.practice_id == practice_id,
        RegisterEntry.exception.is_(None),
        ~has_referral(),
    )
    total = db.session.scalar(select(func.count()).select_from(RegisterEntry).where(where)) or 0
    entries = db.session.scalars(
        select(RegisterEntry)
        .where(where)
        .order_by(RegisterEntry.diagnosis_date, RegisterEntry.id)
        .limit(limit)
    ).all()
    return list(entries), total


def known_births(practice_id: int) -> dict[str, dt.date]:
    """The date of birth the practice already holds for each NHS number."""
    births: dict[str, dt.date] = {
        str(n): born
        for n, born in db.session.execute(
            select(Patient.nhs_number, Patient.date_of_birth).where(
                Patient.practice_id == practice_id, Patient.nhs_number.is_not(None)
            )
        )
    }
    births.update(
        (number, born)
        for number, born in db.session.execute(
            select(RegisterEntry.nhs_number, RegisterEntry.date_of_birth).where(
                RegisterEntry.practice_id == practice_id
            )
        )
    )
    return births


def qof_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """DM014's people: those who joined the register in the QOF year (1 April to 31 March)
    before the one ``today`` is in."""
    year = today.year if today.month >= QOF_YEAR_START_MONTH else today.year - 1
    start = dt.date(year - 1, QOF_YEAR_START_MONTH, 1)
    return start, dt.date(year, QOF_YEAR_START_MONTH, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Dm014:
    referred_in_time: int  # referred within nine months of diagnosis
    newly_diagnosed: int  # on the register, diagnosed in the period, not excepted
    start: dt.date
    end: dt.date


def dm014(practice_id: int | None, today: dt.date) -> Dm014:
    """QOF DM014 over the register, for one practice or (None) every practice that has one."""
    start, end = qof_period(today)
    first_referral = (
        select(func.min(Referral.created_at))
        .join(Patient, Referral.patient_id == Patient.id)
        .where(
            Patient.practice_id == RegisterEntry.practice_id,
            Patient.nhs_number == RegisterEntry.nhs_number,
        )
        .scalar_subquery()
    )
    query = select(RegisterEntry.diagnosis_date, first_referral).where(
        RegisterEntry.diagnosis_date.between(start, end), RegisterEntry.exception.is_(None)
    )
    if practice_id is not None:
        query = query.where(RegisterEntry.practice_id == practice_id)
    rows = db.session.execute(query).all()
    in_time = sum(
        1
        for diagnosed, referred in rows
        if referred is not None
        and referred.astimezone(LONDON).date() <= add_months(diagnosed, DM014_MONTHS)
    )
    return Dm014(in_time, len(rows), start, end)


def practices_without_register(practice_id: int | None) -> int:
    """How many practices (of one, or of all) have imported no register."""
    query = (
        select(func.count())
        .select_from(Practice)
        .where(~exists().where(RegisterEntry.practice_id == Practice.id))
    )
    if practice_id is not None:
        query = query.where(Practice.id == practice_id)
    return int(db.session.scalar(query) or 0)
