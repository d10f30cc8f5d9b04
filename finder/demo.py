"""Demo referrals (demo mode only): fictional patients in every status, so the staff pages and
the dashboard show something real. Names, phone numbers (Ofcom's drama ranges) and NHS
numbers (the 999 test range) are not real people's."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from finder.extensions import db
from finder.models import Patient, Practice, Programme, Referral, ReferralEvent, RegisterEntry
from finder.referrals import statuses
from finder.referrals.operations import mark_stage, new_reference

FIRST = ["Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Jamie", "Morgan", "Ali", "Nur", "Ayse"]
LAST = ["Example", "Sample", "Testing", "Demo", "Placeholder", "Fictional", "Madeup"]
LANGUAGES = ["en", "en", "en", "bn", "tr", "so", "ar", "ur", "pl", "es"]
# Each demo history: the statuses a referral went through, oldest first.
PATHS = [
    ["referred"],
    ["referred", "booked"],
    ["referred", "booked", "attended"],
    ["referred", "booked", "attended", "completed"],
    ["referred", "declined"],
    ["referred", "booked", "did_not_attend"],
    ["referred", "unsuitable"],
    ["referred", "withdrawn"],
]


def _nhs_number(rnd: random.Random) -> str:
    while True:
        digits = [9, 9, 9] + [rnd.randrange(10) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def seed_referrals(now: dt.datetime, per_practice: int = 24) -> int:
    """Create demo referrals unless there are any already. Returns how many were made."""
    if db.session.scalar(select(func.count()).select_from(Referral)):
        return 0
    rnd = random.Random(2026)  # noqa: S311 - repeatable demo data, not security
    programmes = list(db.session.scalars(select(Programme).order_by(Programme.slug)))
    made = 0
    for practice in db.session.scalars(select(Practice).order_by(Practice.code)):
        for i in range(per_practice):
            path = PATHS[i % len(PATHS)]
            programme = rnd.choice(programmes)
            started = now - dt.timedelta(days=rnd.randrange(3, 200))
            patient = Patient(
                practice=practice,
                name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                date_of_birth=dt.date(rnd.randrange(1940, 1995), rnd.randrange(1, 13), 15),
                nhs_number=_nhs_number(rnd),
                phone=f"020 7946 0{rnd.randrange(1000):03d}",
                email=None,
                preferred_language=rnd.choice(LANGUAGES),
                contact_method="phone",
                interpreter_needed=rnd.random() < 0.2,
                companion_coming=rnd.random() < 0.3,
                diagnosis_date=(started - dt.timedelta(days=rnd.randrange(10, 300))).date(),
            )
            referral = Referral(
                reference=new_reference(),
                patient=patient,
                practice=practice,
                programme=programme,
                self_referral=i % 5 == 0,
                circumstances={"diabetes": "type2"},
                course_run=programme.runs[0] if "booked" in path and programme.runs else None,
                status=path[-1],
                created_at=started,
                status_changed_at=started,
            )
            db.session.add(referral)
            at, previous = started, None
            for status in path:
                referral.events.append(
                    ReferralEvent(
                        at=at,
                        actor_role="system",
                        kind="status",
                        from_status=previous,
                        to_status=status,
                        snomed_code=statuses.code_for(status, programme.slug),
                        reason="demo data",
                    )
                )
                referral.status_changed_at = at
                mark_stage(referral, status, at)
                previous = status
                at = min(now, at + dt.timedelta(days=rnd.randrange(5, 30)))
            made += 1
    db.session.commit()
    return made


def seed_register(now: dt.datetime, newcomers: int = 12) -> int:
    """A fictional diabetes register for each demo practice, unless there is one: everyone the
    demo referrals name (so they count as referred), and people never referred, diagnosed over
    the last 14 months (some near their DM014 deadline, some past it). Returns how many."""
    if db.session.scalar(select(func.count()).select_from(RegisterEntry)):
        return 0
    rnd = random.Random(2027)  # noqa: S311 - repeatable demo data, not security
    today = now.date()
    made = 0
    for practice in db.session.scalars(select(Practice).order_by(Practice.code)):
        people = db.session.scalars(
            select(Patient).where(
                Patient.practice_id == practice.id, Patient.nhs_number.is_not(None)
            )
        ).all()
        listed = set()
        for patient in people:
            if patient.nhs_number is None or patient.nhs_number in listed:
                continue
            listed.add(patient.nhs_number)
            db.session.add(
                RegisterEntry(
                    practice_id=practice.id,
                    nhs_number=patient.nhs_number,
                    name=patient.name,
                    date_of_birth=patient.date_of_birth,
                    diagnosis_date=patient.diagnosis_date or today - dt.timedelta(days=200),
                    preferred_language=patient.preferred_language,
                    interpreter_needed=patient.interpreter_needed,
                    mobile=None,
                    email=None,
                    postal_address=None,
                    imported_at=now,
                )
            )
            made += 1
        for _ in range(newcomers):
            number = _nhs_number(rnd)
            if number in listed:
                continue
            listed.add(number)
            db.session.add(
                RegisterEntry(
                    practice_id=practice.id,
                    nhs_number=number,
                    name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                    date_of_birth=dt.date(rnd.randrange(1940, 1995), rnd.randrange(1, 13), 15),
                    diagnosis_date=today - dt.timedelta(days=rnd.randrange(5, 420)),
                    preferred_language=rnd.choice(LANGUAGES),
                    interpreter_needed=rnd.random() < 0.2,
                    mobile=f"+4477009001{rnd.randrange(100):02d}",
                    email=None,
                    postal_address=f"{rnd.randrange(1, 99)} Example Street, London",
                    imported_at=now,
                )
            )
            made += 1
    db.session.commit()
    return made
