"""The uptake dashboard against hand-computed figures; suppression; no patient identity."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
import re
from collections import defaultdict

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from finder import policy
from finder.commissioning import uptake
from finder.extensions import db
from finder.models import Patient, Practice, Programme, Referral, UptakeSnapshot
from finder.referrals.operations import mark_stage, new_reference
from tests.conftest import check_page, migrated_app, one, own_database
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
    yield from app_with(FIXTURE, own_database("uptake", tmp_path_factory))


def app_with(fixture, database_url):
    """An app of its own holding only the fixture's referrals, each made `i` days after the
    first (on PostgreSQL the dashboard's own SQL, percentile_cont and intervals, is tested)."""
    app = migrated_app(database_url)
    with app.app_context():
        practices = {p.code: p for p in db.session.scalars(select(Practice))}
        programmes = {p.slug: p for p in db.session.scalars(select(Programme))}
        for i, (code, slug, language, born, diagnosed, path, attend) in enumerate(fixture):
            created = NOW - dt.timedelta(days=60 - i)
            patient = Patient(
                practice=practices[code],
                name=f"Fixture Person {i}",
                date_of_birth=dt.date(born, 3, 1),
                nhs_number=None,
                phone=f"020 7946 0{i:03d}",
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


def funnel(soup: BeautifulSoup) -> dict[str, tuple[str, str]]:
    return {
        str(row["data-stage"]): (
            one(row, ".app-count").get_text(strip=True),
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
    # DM014 counts the register (tests/staff/test_register.py): neither practice has one.
    assert measure(soup, "dm014") == (
        "Needs the register: 2 practices have not imported one and are not counted."
    )
    by_practice = one(soup, "table[data-dimension=practice]")
    hillview = one(by_practice, "tr[data-key*=Hillview]")
    assert one(hillview, "[data-stage=referred]").get_text() == "<5"
    by_language = one(soup, "table[data-dimension=language]")
    assert one(by_language, "tr[data-key=en] [data-stage=referred]").get_text() == "11"
    by_age = one(soup, "table[data-dimension=age]")
    assert one(by_age, "tr[data-key='75+'] [data-stage=referred]").get_text() == "6"
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
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_uptake_csv_suppresses_small_counts(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    body = client.get("/en/staff/uptake.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    # Read as a spreadsheet does: quoted cells are text, unquoted ones numbers.
    cells = csv.reader(io.StringIO(body.decode("utf-8-sig")), quoting=csv.QUOTE_NONNUMERIC)
    assert list(cells)[1] == ["all", "all", 15, 14, 9, "<5", "<5", "<5", 60.0]
    rows = uptake_csv(client)
    hillview = next(row for row in rows if row[:2] == ["practice", "Hillview Surgery (demo)"])
    assert hillview[2] == "<5"
    assert hillview[-1] == ""


def test_an_empty_dashboard_still_renders(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'empty.db'}")
    client = sign_in(app.test_client(), "commissioner")
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    assert funnel(soup)["referred"] == ("0", "–")
    with app.app_context():
        db.engine.dispose()


def _referred(client) -> str:
    return funnel(check_page(client.get("/en/staff/uptake").get_data(as_text=True)))["referred"][0]


def _age_and_alter_the_snapshot(app, factor: int) -> None:
    """Make the stored figures six minutes old and wrong, as no refresh would leave them: every
    count `factor` times what it is (so they still add up, as suppression expects)."""
    with app.app_context():
        snapshot = db.session.get(UptakeSnapshot, "all")
        assert snapshot is not None
        figures = copy.deepcopy(snapshot.figures)
        for row in [figures["totals"], *itertools.chain(*figures["breakdowns"].values())]:
            row["counts"] = {stage: n * factor for stage, n in row["counts"].items()}
        snapshot.figures = figures
        snapshot.made_at -= dt.timedelta(minutes=6)
        db.session.commit()
    app.extensions["finder_uptake"].clear()


def test_stale_figures_are_served_at_once_then_worked_out_again_by_a_job(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    assert _referred(client) == "15"
    _age_and_alter_the_snapshot(board_app, 100)
    # Served as stored; the refresh job (run at once in tests) stored new figures meanwhile.
    assert _referred(client) == "1500"
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
        snapshot = db.session.get(UptakeSnapshot, "all")
        assert snapshot is not None
        assert snapshot.refreshing_since is None


def test_a_cache_age_of_zero_works_the_figures_out_each_time(board_app):
    client = sign_in(board_app.test_client(), "commissioner")
    _referred(client)
    _age_and_alter_the_snapshot(board_app, 100)
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
    assert "of 2" in one(soup, "[data-shown=practice]").get_text()
    assert soup.select_one("[data-shown=month]") is None
    assert sum(row[0] == "practice" for row in uptake_csv(client)) == 2


# Secondary suppression. Bengali has 4 referrals and every other language many, so "<5" alone
# in its column would be the total minus the rest; dsmp (2) is the only small programme, and
# help-diabetes, the smallest other one, is the only online programme, so hiding it would be
# undone by the "online" row of the format breakdown. Did not attend: Bengali 2, English 5 and
# Polish 5, so hiding English beside Bengali would leave "*" no room but 5 while Polish shows 5.
# Declined: 5 in Arabic and 1 in Polish (6 splits as "<5" + "*" only as 1 + 5), which only
# hiding the total itself protects.
SECONDARY = (
    [("DEMO01", "desmond", "en", 1950, 100, ["booked", "attended", "completed"], 10)] * 12
    + [("DEMO01", "help-diabetes", "en", 1980, 200, ["booked"], None)] * 7
    + [("DEMO02", "x-pert", "ar", 1960, 50, ["booked", "attended"], 20)] * 8
    + [("DEMO02", "desmond", "pl", 1970, 30, ["booked", "did_not_attend"], None)] * 5
    + [("DEMO01", "dsmp", "bn", 1955, 300, ["booked", "attended", "completed"], 15)] * 2
    + [("DEMO02", "x-pert", "ar", 1985, None, ["declined"], None)] * 5
    + [("DEMO02", "desmond", "pl", 1990, None, ["declined"], None)]
    + [("DEMO01", "desmond", "en", 1965, 80, ["booked", "did_not_attend"], None)] * 5
    + [("DEMO02", "desmond", "bn", 1975, 60, ["booked", "did_not_attend"], None)] * 2
)
# From DESIGN.md's table of programmes: the seed's formats.
DELIVERY = {"desmond": "group", "dsmp": "group", "x-pert": "group", "help-diabetes": "online"}
PRACTICE = {"DEMO01": "Riverside Medical Practice (demo)", "DEMO02": "Hillview Surgery (demo)"}


@pytest.fixture(scope="module")
def secondary_app(tmp_path_factory):
    yield from app_with(SECONDARY, own_database("uptake_secondary", tmp_path_factory))


def truth(stage: str, practice: str | None = None) -> dict[tuple[str, str], int]:
    """Each published count of a stage, counted by hand from SECONDARY."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for i, (code, slug, language, born, _diagnosed, path, _attend) in enumerate(SECONDARY):
        if practice not in (None, code) or (stage != "referred" and stage not in path):
            continue
        created = NOW - dt.timedelta(days=60 - i)
        age = created.year - born
        band = "18-39" if age < 40 else "40-59" if age < 60 else "60-74" if age < 75 else "75+"
        for cell in [
            ("all", "all"), ("month", f"{created:%Y-%m}"), ("practice", PRACTICE[code]),
            ("programme", slug), ("format", DELIVERY[slug]), ("language", language), ("age", band),
        ]:  # fmt: skip
            counts[cell] += 1
    return counts


def splits(total: int, ranges: list[range]):
    """Every way to give each range one of its values so that they add up to `total`."""
    if not ranges:
        if total == 0:
            yield ()
        return
    for value in ranges[0]:
        if value <= total:
            yield from ((value, *rest) for rest in splits(total - value, ranges[1:]))


def attack(rows: list[list[str]], stage: str) -> dict[tuple[str, str], set[int]]:
    """What someone with the CSV can tell of each count of a stage: every value it could have.
    They know what the marks mean (see _ranges), that each breakdown adds up to the total, and
    that the programmes of a format add up to the format's row."""
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows[1:]:
        table[row[0]][row[1]] = row[2 + policy.UPTAKE_STAGES.index(stage)]
    most = int(rows[1][2])  # no count is more than the referrals (shown here)
    total = table.pop("all")
    programmes = table.pop("programme")

    def within(form: str) -> dict[str, str]:
        return {slug: shown for slug, shown in programmes.items() if DELIVERY[slug] == form}

    possible: dict[tuple[str, str], set[int]] = defaultdict(set)
    for everyone in _ranges(total, most)["all"]:
        found = {name: _solve(cells, everyone, most) for name, cells in table.items()}
        found["format"] = [
            formats
            for formats in found["format"]
            if all(_solve(within(form), n, most) for form, n in formats.items())
        ]
        if not all(found.values()):
            continue
        possible["all", "all"].add(everyone)
        found["programme"] = [
            world
            for formats in found["format"]
            for form, n in formats.items()
            for world in _solve(within(form), n, most)
        ]
        for name, worlds in found.items():
            for world in worlds:
                for key, value in world.items():
                    possible[name, key].add(value)
    return possible


def _ranges(cells: dict[str, str], most: int) -> dict[str, range]:
    """The values each cell of a column can have: a number is itself, "<5" is 1 to 4, and "*"
    is 5 up to the smallest count still shown in its column (it was the next smallest)."""
    least = min((int(v) for v in cells.values() if v.isdigit() and v != "0"), default=most)
    marks = {"<5": range(1, 5), "*": range(5, least + 1)}
    return {k: range(int(v), int(v) + 1) if v.isdigit() else marks[v] for k, v in cells.items()}


def _solve(cells: dict[str, str], total: int, most: int) -> list[dict[str, int]]:
    """Every way the column's cells can add up to `total`."""
    ranges = _ranges(cells, most)
    return [dict(zip(ranges, values, strict=True)) for values in splits(total, [*ranges.values()])]


def test_no_hidden_count_can_be_worked_out_from_the_others(secondary_app):
    client = sign_in(secondary_app.test_client(), "commissioner")
    rows = uptake_csv(client)
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    page = {(t["data-dimension"], tr["data-key"], td["data-stage"]): td.get_text()
            for t in soup.select("table[data-dimension]") for tr in t.select("tr[data-key]")
            for td in tr.select("td[data-stage]")}  # fmt: skip
    assert page == {(r[0], r[1], s): r[2 + i] for r in rows[2:]
                    for i, s in enumerate(policy.UPTAKE_STAGES)}  # fmt: skip
    assert {stage: shown for stage, (shown, _rate) in funnel(soup).items()} == dict(
        zip(policy.UPTAKE_STAGES, rows[1][2:-1], strict=True)
    )
    hidden_anywhere = set()
    for stage in policy.UPTAKE_STAGES:
        true = truth(stage)
        possible = attack(rows, stage)
        for name, key, *cells in rows[1:]:
            shown = cells[policy.UPTAKE_STAGES.index(stage)]
            if shown.isdigit():
                assert int(shown) == true[name, key], (stage, name, key)
            else:
                hidden_anywhere.add((stage, name, key))
                assert true[name, key] in possible[name, key], (stage, name, key)
                assert len(possible[name, key]) >= 2, (stage, name, key, possible[name, key])
    # The small counts are hidden, and so is what they could be worked out from.
    assert {("referred", "language", "bn"), ("referred", "language", "pl")} <= hidden_anywhere
    assert {("did_not_attend", "language", k) for k in ("bn", "en", "pl")} <= hidden_anywhere
    assert ("referred", "programme", "help-diabetes") not in hidden_anywhere
    assert ("referred", "programme", "x-pert") in hidden_anywhere
    assert ("declined", "all", "all") in hidden_anywhere
    assert funnel(soup)["declined"] == ("*", "–")


def test_no_rate_is_built_on_a_hidden_count(secondary_app):
    client = sign_in(secondary_app.test_client(), "commissioner")
    for name, key, referred, *counts in uptake_csv(client)[1:]:
        attended, rate = counts[policy.UPTAKE_STAGES.index("attended") - 1], counts[-1]
        if referred.isdigit() and attended.isdigit():
            assert rate == str(round(100 * int(attended) / int(referred), 1)), (name, key)
        else:
            assert rate == "", (name, key)
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    bengali = one(soup, "#by-language-desc").get_text()
    assert "bn: –." in bengali


def test_a_practice_sees_its_own_counts_in_full(secondary_app):
    for account, code in (("clinician", "DEMO01"), ("clinician2", "DEMO02")):
        client = sign_in(secondary_app.test_client(), account)
        rows = uptake_csv(client)
        for stage in policy.UPTAKE_STAGES:
            true = truth(stage, code)
            column = 2 + policy.UPTAKE_STAGES.index(stage)
            assert {(r[0], r[1]): int(r[column]) for r in rows[1:] if r[column] != "0"} == true
        soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
        assert "These are your practice's own figures, in full" in soup.get_text()
        assert not soup.find(string=re.compile(r"^(<5|\*)$"))
    # The small ones are shown as they are: Bengali's 2 referrals at Riverside.
    riverside = uptake_csv(sign_in(secondary_app.test_client(), "clinician"))
    assert ["language", "bn", "2", "2", "2", "2", "0", "0", "100.0"] in riverside


def test_the_stored_figures_are_published_the_same_way(secondary_app):
    client = sign_in(secondary_app.test_client(), "commissioner")
    first = uptake_csv(client)
    secondary_app.extensions["finder_uptake"].clear()  # read back from the snapshot
    assert uptake_csv(client) == first
    with secondary_app.app_context():
        snapshot = db.session.get(UptakeSnapshot, "all")
        assert snapshot is not None
        snapshot.figures = {k: v for k, v in snapshot.figures.items() if k != "version"}
        db.session.commit()
    secondary_app.extensions["finder_uptake"].clear()
    assert uptake_csv(client) == first  # figures of an older shape are worked out again
