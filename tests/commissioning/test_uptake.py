"""The uptake dashboard against hand-computed figures; suppression; no patient identity."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import threading

import pytest
from sqlalchemy import select

from finder.commissioning import uptake
from finder.extensions import db
from finder.models import Patient, Practice, Programme, Referral, UptakeSnapshot
from finder.referrals.operations import mark_stage, new_reference
from tests.conftest import check_page, migrated_app
from tests.staff.conftest import sign_in

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)

# (practice, programme, language, born, diagnosed days before referral, path, days to attend)
# Practice DEMO01: 12 referrals; DEMO02: 3 (so its counts are suppressed).
FIXTURE = (
    [("DEMO01", "desmond", "en", 1950, 100, ["booked", "attended", "completed"], 10)] * 4
    + [("DEMO01", "desmond", "bn", 1960, 200, ["booked", "attended"], 20)] * 2
    + [("DEMO01", "help-diabetes", "en", 1980, 400, ["booked"], None)] * 3
    + [("DEMO01", "x-pert", "tr", 1945, 30, ["booked", "did_not_attend"], None)] * 2
    + [("DEMO01", "x-pert", "en", 1970, None, ["declined"], None)]
    + [("DEMO02", "dsmp", "en", 1955, 50, ["booked", "attended"], 30)] * 3
)


@pytest.fixture(scope="module")
def board_app(tmp_path_factory):
    from tests.conftest import POSTGRES_URL

    # On PostgreSQL the dashboard's own SQL (percentile_cont, intervals) is what is tested.
    url = POSTGRES_URL.replace("/test", "/uptake_test") if POSTGRES_URL else None
    if url:
        _fresh_database(POSTGRES_URL, "uptake_test")
    app = migrated_app(url or f"sqlite:///{tmp_path_factory.mktemp('uptake') / 'u.db'}")
    with app.app_context():
        practices = {p.code: p for p in db.session.scalars(select(Practice))}
        programmes = {p.slug: p for p in db.session.scalars(select(Programme))}
        for i, (code, slug, language, born, diagnosed, path, attend) in enumerate(FIXTURE):
            created = NOW - dt.timedelta(days=60 - i)
            patient = Patient(
                practice=practices[code],
                name=f"Fixture Person {i}",
                date_of_birth=dt.date(born, 3, 1),
                nhs_number=None,
                phone=f"07700 900{i:03d}",
                email=f"person{i}@example.org",
                preferred_language=language,
                contact_method="phone",
                interpreter_needed=False,
                companion_coming=False,
                diagnosis_date=(created - dt.timedelta(days=diagnosed)).date()
                if diagnosed
                else None,
            )
            referral = Referral(
                reference=new_reference(),
                patient=patient,
                practice=practices[code],
                programme=programmes[slug],
                circumstances={},
                status=path[-1],
                created_at=created,
                status_changed_at=created,
            )
            at = created
            for status in path:
                at = (
                    created + dt.timedelta(days=attend)
                    if status == "attended"
                    else at + dt.timedelta(days=1)
                )
                mark_stage(referral, status, at)
            db.session.add(referral)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _fresh_database(url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()


def funnel(soup):
    return {
        row["data-stage"]: (
            row.select_one(".app-count").get_text(strip=True),
            row.find_all("td")[1].get_text(strip=True),
        )
        for row in soup.select(".app-funnel tr[data-stage]")
    }


def measure(soup, name):
    return soup.select_one(f"[data-measure={name}] dd").get_text(" ", strip=True)


def test_the_commissioners_dashboard_matches_hand_computed_figures(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    # 15 referred; booked 14 (all but the declined); attended 4+2+3 = 9; completed 4;
    # did not attend 2 (suppressed); declined 1 (suppressed).
    assert funnel(soup) == {
        "referred": ("15", "100.0%"),
        "booked": ("14", "93.3%"),
        "attended": ("9", "60.0%"),
        "completed": ("<5", "–"),
        "did_not_attend": ("<5", "–"),
        "declined": ("<5", "–"),
    }
    # Days to attend: 10,10,10,10,20,20,30,30,30 -> median 20.
    assert measure(soup, "days_to_attend") == "20"
    # Days from diagnosis: 100 x4, 200 x2, 400 x3, 30 x2, 50 x3 -> 14 values, median (100+100)/2.
    assert measure(soup, "days_from_diagnosis") == "100"
    # DM014 (within 9 months, about 273 days): all but the three 400-day ones: 11 of 14.
    assert measure(soup, "dm014").startswith("78.6% (11 / 14)")
    by_practice = soup.select_one("table[data-dimension=practice]")
    hillview = by_practice.find("tr", attrs={"data-key": re.compile("Hillview")})
    assert hillview.select_one("[data-stage=referred]").get_text() == "<5"
    by_language = soup.select_one("table[data-dimension=language]")
    assert by_language.select_one("tr[data-key=en] [data-stage=referred]").get_text() == "11"
    by_age = soup.select_one("table[data-dimension=age]")
    assert by_age.select_one("tr[data-key='75+'] [data-stage=referred]").get_text() == "6"
    assert soup.select("svg[role=img] title")


def test_a_clinician_sees_only_their_own_practice(board_app):
    client = sign_in(board_app.test_client(), "clinician")
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    assert funnel(soup)["referred"] == ("12", "100.0%")
    practices = [r["data-key"] for r in soup.select("table[data-dimension=practice] tr[data-key]")]
    assert practices == ["Riverside Medical Practice (demo)"]


def test_support_staff_and_admins_cannot_see_uptake(board_app):
    for who in ("support", "admin"):
        assert sign_in(board_app.test_client(), who).get("/en/staff/uptake").status_code == 403


def test_no_patient_identity_in_any_commissioner_page_or_export(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    with board_app.app_context():
        people = db.session.scalars(select(Patient)).all()
        secrets = {p.name for p in people} | {p.phone for p in people} | {p.email for p in people}
        secrets |= {p.date_of_birth.isoformat() for p in people}
        secrets |= {p.date_of_birth.strftime("%d/%m/%Y") for p in people}
        secrets |= {p.nhs_number for p in people if p.nhs_number}
        references = set(db.session.scalars(select(Referral.reference)))
    pages = [
        "/en/staff/",
        "/en/staff/uptake",
        "/en/staff/uptake.csv",
        "/en/staff/directory/",
        "/en/staff/directory/export.json",
        "/en/staff/directory/export.csv",
        "/en/staff/feedback",
    ]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        leaked = {s for s in secrets | references if s and s in body}
        assert not leaked, (path, sorted(leaked)[:3])
    for path in ("/en/staff/referrals", "/en/staff/referrals.csv", "/en/staff/follow-up"):
        assert client.get(path).status_code == 403


def uptake_csv(client) -> list[list[str]]:
    body = client.get("/en/staff/uptake.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_uptake_csv_suppresses_small_counts(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    rows = uptake_csv(client)
    assert rows[1] == ["all", "all", "15", "14", "9", "<5", "<5", "<5", "60.0"]
    hillview = next(row for row in rows if row[:2] == ["practice", "Hillview Surgery (demo)"])
    assert hillview[2] == "<5" and hillview[-1] == ""


def test_an_empty_dashboard_still_renders(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'empty.db'}")
    client = sign_in(app.test_client(), "commissioner")
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    assert funnel(soup)["referred"] == ("0", "–")
    with app.app_context():
        db.engine.dispose()


def _referred(client) -> str:
    return funnel(check_page(client.get("/en/staff/uptake").get_data(as_text=True)))["referred"][0]


def _age_and_alter_the_snapshot(app, referred: int) -> None:
    """Make the stored figures six minutes old and wrong, as no refresh would leave them."""
    with app.app_context():
        snapshot = db.session.get(UptakeSnapshot, "all")
        figures = copy.deepcopy(snapshot.figures)
        figures["totals"]["counts"]["referred"] = referred
        snapshot.figures = figures
        snapshot.made_at -= dt.timedelta(minutes=6)
        db.session.commit()
    app.extensions["finder_uptake"].clear()


def test_stale_figures_are_served_at_once_then_worked_out_again_in_the_background(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    assert _referred(client) == "15"
    _age_and_alter_the_snapshot(board_app, 999)
    assert _referred(client) == "999"  # served without waiting for the figures
    for thread in threading.enumerate():
        if thread.name == "uptake-refresh":
            thread.join(timeout=30)
    board_app.extensions["finder_uptake"].clear()  # as another worker would read it
    assert _referred(client) == "15"


def test_only_one_worker_refreshes_a_scope_at_a_time(board_app):
    now = dt.datetime.now(dt.UTC)
    with board_app.app_context():
        uptake.refresh(None)
        assert uptake._claim("all", now)
        assert not uptake._claim("all", now)
        # A refresh whose worker died is taken over after ABANDONED.
        assert uptake._claim("all", now + uptake.ABANDONED + dt.timedelta(seconds=1))
        uptake.refresh(None)
        assert db.session.get(UptakeSnapshot, "all").refreshing_since is None


def test_a_cache_age_of_zero_works_the_figures_out_each_time(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    _referred(client)
    _age_and_alter_the_snapshot(board_app, 999)
    board_app.config["FINDER_UPTAKE_CACHE_SECONDS"] = 0
    try:
        assert _referred(client) == "15"
    finally:
        board_app.config["FINDER_UPTAKE_CACHE_SECONDS"] = 300
        with board_app.app_context():
            uptake.refresh(None)


def test_long_breakdowns_show_the_largest_on_the_page_and_all_in_the_csv(board_app, monkeypatch):
    monkeypatch.setattr(uptake, "SHOWN", 1)
    client = sign_in(board_app.test_client(), "commissioner")
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    practices = soup.select("[data-dimension=practice] tbody tr")
    # DEMO01 has 12 referrals, DEMO02 3.
    assert [row["data-key"] for row in practices] == ["Riverside Medical Practice (demo)"]
    assert "of 2" in soup.select_one("[data-shown=practice]").get_text()
    assert soup.select_one("[data-shown=month]") is None
    assert sum(row[0] == "practice" for row in uptake_csv(client)) == 2
