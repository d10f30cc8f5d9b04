"""A national-size directory and referral record, and timings at that size.

Generates 200 areas, 5,000 programmes (one course run each) and REFERRALS referrals (default
1,000,000) into DATABASE_URL, then times the results page, a practice's referral list, the
staff search (by reference, NHS number, name and date of birth) and the uptake dashboard
in-process. Usage: python scripts/national.py [REFERRALS]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from finder import clock, create_app
from finder.commissioning import uptake
from finder.demo import FIRST
from finder.extensions import db
from finder.models import (
    Area,
    CourseRun,
    Patient,
    PatientSearchTerm,
    Practice,
    Programme,
    ProgrammeText,
    Provider,
    Referral,
    User,
    programme_area,
)
from finder.passwords import hash_password
from finder.referrals import search
from finder.referrals.search import name_terms, plain

# Surnames with and without accents: a name search reads "Nunez" as "Núñez".
SURNAMES = ["Núñez", "Öztürk", "Begum", "O'Brien", "Kowalski", "Smith", "Popescu", "Ahmed"]


def person(n: int) -> tuple[str, str, str, dt.date]:
    """The n-th generated person: reference, name, NHS number (the test series) and birthday."""
    body = f"{n:08d}"
    digits = [9, 9] + [int(d) for d in f"{n:07d}"]
    check = (11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11) % 11
    nhs = "".join(map(str, digits)) + str(check) if check != 10 else None
    name = f"{FIRST[n % len(FIRST)]} {SURNAMES[n // 7 % len(SURNAMES)]}{n // 56}"
    return f"DE-{body[:4]}-{body[4:]}", name, nhs or "", dt.date(1940 + n % 50, 1 + n % 12, 1)


AREAS, PROGRAMMES, PRACTICES, BATCH = 200, 5000, 2000, 20_000


def bulk(model: type, rows: list[dict[str, object]]) -> None:
    """Insert rows: PostgreSQL's COPY (about ten times faster than INSERTs at this size), else
    an executemany INSERT."""
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(model), rows)
        return
    table = model.__table__  # type: ignore[attr-defined]
    columns = list(rows[0])
    cursor = db.session.connection().connection.cursor()
    names = ", ".join(columns)
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(v) if isinstance(v, dict | list) else v for v in row.values()]
            )


def generate(referrals: int) -> None:
    rnd = random.Random(5)  # noqa: S311 - repeatable test data
    today = clock.today()
    now = dt.datetime.now(dt.UTC)
    provider = db.session.scalar(select(Provider.id))
    first_area = (db.session.scalar(select(func.max(Area.id))) or 0) + 1
    db.session.execute(
        insert(Area), [{"slug": f"area-{i}", "name": f"Area {i}"} for i in range(AREAS)]
    )
    areas = list(range(first_area, first_area + AREAS))
    first_programme = (db.session.scalar(select(func.max(Programme.id))) or 0) + 1
    db.session.execute(
        insert(Programme),
        [
            {
                "slug": f"national-{i}",
                "provider_id": provider,
                "delivery": "group" if i % 5 else "online",
                "diabetes_types": ["type2"],
                "stages": ["recent", "established"],
                "self_referral": i % 2 == 0,
                "companion_welcome": True,
                "covers_other_conditions": False,
                "content_languages": ["en"],
                "sessions": 6,
                "session_hours": 2.5,
                "join_url": None,
                "sources": [{"fact": "generated", "url": "https://example.org/"}],
                "last_verified": today,
            }
            for i in range(PROGRAMMES)
        ],
    )
    ids = list(range(first_programme, first_programme + PROGRAMMES))
    db.session.execute(
        insert(ProgrammeText),
        [
            {
                "programme_id": p,
                "locale": "en",
                "name": f"Programme {p}",
                "summary": "A course.",
                "what_happens": "You meet.",
                "who_for": "Adults.",
                "how_to_join": "Ask your GP practice.",
            }
            for p in ids
        ],
    )
    db.session.execute(
        insert(programme_area),
        [{"programme_id": p, "area_id": areas[i % AREAS]} for i, p in enumerate(ids)],
    )
    db.session.execute(
        insert(CourseRun),
        [
            {
                "key": f"national-run-{p}",
                "programme_id": p,
                "venue_id": None,
                "start_date": today + dt.timedelta(days=rnd.randrange(3, 90)),
                "start_time": dt.time(18 if p % 3 else 10),
                "end_time": dt.time(20 if p % 3 else 12),
                "language": "en",
                "places_left": 10,
            }
            for p in ids
        ],
    )
    first_practice = (db.session.scalar(select(func.max(Practice.id))) or 0) + 1
    db.session.execute(
        insert(Practice),
        [
            {"code": f"N{i:05d}", "name": f"Practice {i}", "area_id": areas[i % AREAS]}
            for i in range(PRACTICES)
        ],
    )
    db.session.commit()
    practices = list(range(first_practice, first_practice + PRACTICES))
    first_patient = (db.session.scalar(select(func.max(Patient.id))) or 0) + 1
    for start in range(0, referrals, BATCH):
        size = min(BATCH, referrals - start)
        patients: list[dict[str, object]] = []
        rows: list[dict[str, object]] = []
        terms: list[dict[str, object]] = []
        for n in range(start, start + size):
            practice = practices[n % PRACTICES]
            created = now - dt.timedelta(days=rnd.randrange(1, 730))
            reference, name, nhs, born = person(n)
            terms += [
                {"patient_id": first_patient + n, "practice_id": practice, "term": t}
                for t in name_terms(name)
            ]
            patients.append(
                {
                    "practice_id": practice,
                    "name": name,
                    "date_of_birth": born,
                    "nhs_number": nhs or None,
                    "phone": None,
                    "email": f"p{n}@example.org",
                    "preferred_language": "en",
                    "contact_method": "email",
                    "interpreter_needed": False,
                    "companion_coming": False,
                    "diagnosis_date": (created - dt.timedelta(days=rnd.randrange(1, 400))).date(),
                }
            )
            stage = rnd.random()
            rows.append(
                {
                    "reference": reference,
                    "patient_id": first_patient + n,
                    "practice_id": practice,
                    "programme_id": ids[n % PROGRAMMES],
                    "self_referral": False,
                    "circumstances": {},
                    "status": "referred",
                    "created_at": created,
                    "status_changed_at": created,
                    "booked_at": created + dt.timedelta(days=7) if stage < 0.6 else None,
                    "attended_at": created + dt.timedelta(days=30) if stage < 0.2 else None,
                    "completed_at": created + dt.timedelta(days=60) if stage < 0.1 else None,
                }
            )
        for model, values in ((Patient, patients), (Referral, rows), (PatientSearchTerm, terms)):
            bulk(model, values)
        db.session.commit()
        print(f"  {start + size:,} referrals", end="\r", flush=True)
    print()


def timed(client: FlaskClient, path: str, runs: int) -> float:
    client.get(path)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return round(statistics.median(times) * 1000, 1)


def query_time(app: Flask, typed: str) -> float:
    """The search's database work alone (median of 5), at the clinician's practice."""
    with app.app_context():
        practice = db.session.scalar(select(Practice.id).filter_by(code="N00000"))
        assert practice is not None  # noqa: S101 - made by generate()
        times = []
        for _ in range(6):
            started = time.perf_counter()
            search.search(practice, search.read(typed))
            times.append(time.perf_counter() - started)
            db.session.rollback()
    return round(statistics.median(times[1:]) * 1000, 1)


CLINICIAN = "clinician@national.invalid"
PASSWORD = os.environ.get("FINDER_DEMO_PASSWORD", "demo-password")


def _national_clinician() -> None:
    """A clinician at the first national practice (made once)."""
    if db.session.scalar(select(User.id).filter_by(email=CLINICIAN)) is None:
        practice = db.session.scalar(select(Practice.id).filter_by(code="N00000"))
        db.session.add(
            User(
                email=CLINICIAN,
                name="National Clinician",
                role="clinician",
                practice_id=practice,
                password_hash=hash_password(PASSWORD),
            )
        )
        db.session.commit()


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login = client.get("/en/staff/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/en/staff/login", data={"email": email, "csrf_token": token, "password": PASSWORD})
    return client


def main() -> None:
    referrals = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    # Pages rendered each time (FINDER_PAGE_CACHE_BYTES 0): the budget is for rendering.
    app = create_app({"FINDER_SELF_REFERRAL_LIMIT": 10**9, "FINDER_PAGE_CACHE_BYTES": 0})
    with app.app_context():
        if not db.session.scalar(
            select(func.count()).select_from(Programme).where(Programme.slug.like("national-%"))
        ):
            started = time.perf_counter()
            generate(referrals)
            print(f"generated in {time.perf_counter() - started:.0f} s")
        count = db.session.scalar(select(func.count()).select_from(Referral))
        _national_clinician()
    client = _signed_in(app, "commissioner@demo.invalid")
    clinician = _signed_in(app, CLINICIAN)
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"database: {backend}; {PROGRAMMES:,} programmes, {count:,} referrals")
    pages = [
        ("results page (area given), median of 5", "/en/results?diabetes=type2&area=area-7", 5),
        ("results page (no area: all 5,000), median of 3", "/en/results?diabetes=type2", 3),
        ("programme page, median of 5", "/en/programmes/national-42", 5),
    ]
    for label, path, runs in pages:
        print(f"{label}: {timed(client, path, runs)} ms")
    print(
        "referral list of a practice (about 500 referrals), first page, median of 5: "
        f"{timed(clinician, '/en/staff/referrals', 5)} ms"
    )
    print(
        "referral list filtered by status and dates, median of 5: "
        f"{timed(clinician, '/en/staff/referrals?status=booked&since=2020-01-01', 5)} ms"
    )
    # Someone at the clinician's practice (N00000 has people 0, 2000, 4000...).
    reference, name, nhs, born = person(PRACTICES * 7)
    surname = name.split()[1]
    searches = [
        ("reference as read out (lower case, spaces)", reference.replace("-", " ").lower()),
        ("NHS number with spaces", f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"),
        # "nunez25" for "Núñez250": the practice has dozens of Núñez, a few Núñez25x.
        ("name, part of a surname without its accent", plain(surname)[:-1]),
        ("first name and full surname", f"{name.split()[0]} {surname}"),
        ("date of birth", born.strftime("%d/%m/%Y")),
    ]
    for label, typed in searches:
        path = f"/en/staff/search?q={quote(typed)}"
        shown = clinician.get(path).get_data(as_text=True)
        # Everyone generated at a practice shares a few birthdays: the first 50 are shown.
        if reference not in shown and "The first 50 results" not in shown:
            raise RuntimeError(f"search by {label} did not find {reference}")
        page = timed(clinician, path, 5)
        print(f"search by {label}, median of 5: {page} ms page, {query_time(app, typed)} ms query")
    with app.app_context():
        started = time.perf_counter()
        uptake.refresh(None)
        worked_out = (time.perf_counter() - started) * 1000
    print(f"uptake figures worked out (in the background, every 5 minutes): {worked_out:.0f} ms")
    print(f"uptake dashboard page, median of 5: {timed(client, '/en/staff/uptake', 5)} ms")


if __name__ == "__main__":
    main()
