"""S15 SQL injection, active scan [slow]: sqlmap against the production stack (gunicorn with
gunicorn.conf.py on a migrated, seeded SQLite database with demo referrals) on 127.0.0.1. The
public pages and the API are scanned as anyone, the staff pages with a signed-in clinician's
cookie. Pass: no injectable parameter, every listed parameter tested, and no 5xx answer.

The row's second scanner, wapiti, is not run: no wapiti3 release installs beside this project on
Python 3.11. 3.0.4 to 3.2.3 pin what the project has outgrown (MarkupSafe 1.1 or 2.0, Flask < 3.1
through mitmproxy, SQLAlchemy 2.0.28), later ones need Python 3.12, and 3.0.3 fails to start.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import migrated_app, skip_or_fail
from tests.security.servers import BIN, gunicorn

pytestmark = [pytest.mark.stack, pytest.mark.commits]  # servers and workers on the database

# migrated_app seeds every demo account with this password.
DEMO_PASSWORD = "test-password"
SQLMAP_SECONDS = 180
# sqlmap runs going at once: more only queue for the CPU (sqlmap compares every page it gets).
PARALLEL = 4
URI = "#1*"  # sqlmap's name for the place marked with * in a URL's path


@dataclass(frozen=True)
class Scan:
    """One sqlmap run: a URL (``{ref}`` is a referral of the clinician's practice) and the
    parameters it must test. Runs are separate so that they go in parallel."""

    path: str
    parameters: tuple[str, ...]
    staff: bool = False


REFERRALS = (
    "/en/staff/referrals?status=referred&programme=desmond&since=2020-01-01&until=2099-12-31"
    "&overdue=1&page=1"
)
SCANS = [
    Scan(
        "/en/results?diabetes=type2&daytime=no&language=bn&area=islington",
        ("diabetes", "daytime", "language", "area"),
    ),
    Scan(
        "/en/find/daytime?diabetes=type2&return=check&continue=1",
        ("diabetes", "return", "continue"),
    ),
    Scan("/en/programmes/desmond*", (URI,)),
    Scan(
        "/api/v1/match?diabetes=type2&evenings=yes&language=bn&area=islington&lang=en",
        ("diabetes", "evenings", "language", "area", "lang"),
    ),
    Scan("/api/v1/programmes?lang=bn", ("lang",)),
    Scan(REFERRALS, ("status", "programme"), staff=True),
    Scan(REFERRALS, ("since", "until"), staff=True),
    Scan(REFERRALS, ("overdue", "page"), staff=True),
    Scan("/en/staff/referrals/{ref}*", (URI,), staff=True),
    Scan("/en/staff/letter?ref={ref}", ("ref",), staff=True),
]


@dataclass(frozen=True)
class Stack:
    base: str
    access_log: Path
    reference: str  # a demo referral of the clinician's practice


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """gunicorn logging every request to a file, on a database with demo referrals (so that a
    filter that let SQL through would change what the list shows)."""
    from finder.demo import seed_referrals
    from finder.extensions import db
    from finder.models import Practice, Referral

    database = tmp_path / "scan.db"
    app = migrated_app(f"sqlite:///{database}")
    with app.app_context():
        seed_referrals(dt.datetime.now(dt.UTC))
        reference = db.session.scalar(
            select(Referral.reference).join(Practice).where(Practice.code == "DEMO01").limit(1)
        )
        db.engine.dispose()
    access_log = tmp_path / "access.log"
    settings = {
        "FINDER_DEMO_PASSWORD": DEMO_PASSWORD,
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESS_LOG": str(access_log),
    }
    with gunicorn(f"sqlite:///{database}", **settings) as (base, _):
        yield Stack(base, access_log, str(reference))


def staff_cookie(base: str) -> str:
    """Sign in as the demo clinician through the form, with its CSRF token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/en/staff/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"email": "clinician@demo.invalid", "password": DEMO_PASSWORD, "csrf_token": token}
    opener.open(base + "/en/staff/login", urllib.parse.urlencode(form).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def warm(url: str, cookie: str | None) -> None:
    """Fetch a page once before its scan: a cold worker is slow to render under load. (Its
    status is checked with all the others, in the access log.)"""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        urllib.request.urlopen(request, timeout=30).close()
    except urllib.error.HTTPError as answer:
        answer.close()


def signed_in(base: str, cookie: str) -> bool:
    request = urllib.request.Request(base + "/en/staff/referrals", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        landed: str = response.url
        return urllib.parse.urlsplit(landed).path == "/en/staff/referrals"


@dataclass(frozen=True)
class Report:
    url: str
    output: str
    injectable: list[dict[str, str]]  # rows of sqlmap's CSV results: URL, place, parameter

    @property
    def not_injectable(self) -> set[str]:
        """The parameters sqlmap tested and found not injectable."""
        return set(re.findall(r"parameter '([^']+)' does not seem to be injectable", self.output))

    @property
    def injection_points(self) -> str:
        """sqlmap's account of the injection points it found; empty if none."""
        found = re.search(
            r"sqlmap identified the following injection point.*?\n---\n.*?\n---",
            self.output,
            re.DOTALL,
        )
        return found.group(0) if found else ""

    @property
    def server_errors(self) -> list[str]:
        """sqlmap's own count of its 5xx answers, as "500 (Internal Server Error) - 3 times"."""
        return re.findall(r"^5\d\d \(.*\) - \d+ times$", self.output, re.MULTILINE)


def sqlmap(
    url: str, parameters: tuple[str, ...], out: Path, cookie: str | None, deadline: float
) -> Report:
    out.mkdir(parents=True)
    (out / "targets.txt").write_text(url + "\n")
    command: list[str | Path] = [
        BIN / "sqlmap", "-m", out / "targets.txt", "-p", ",".join(parameters),
        "--batch", "--flush-session", "--disable-coloring",
        "--output-dir", out, "--results-file", out / "results.csv",
        "--level", "2", "--risk", "1", "--dbms", "SQLite", "--time-sec", "2",
        "--timeout", "30", "--retries", "1",
    ]  # fmt: skip
    if cookie:
        # One signed-in session throughout: ignore the refreshed cookie each answer sets.
        command += ["--cookie", cookie, "--drop-set-cookie"]
    try:
        done = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=max(1, deadline - time.monotonic()),
        )
    except subprocess.TimeoutExpired as late:
        pytest.fail(f"sqlmap did not finish {url} in {SQLMAP_SECONDS}s:\n{late.output}")
    results = out / "results.csv"
    rows = list(csv.DictReader(results.read_text().splitlines())) if results.exists() else []
    return Report(url, done.stdout, rows)


def access_lines(access_log: Path, status: str) -> list[str]:
    """Access-log lines (gunicorn.conf.py: host "method path" status ...) with a status that
    matches the pattern."""
    return [
        line
        for line in access_log.read_text().splitlines()
        if re.search(rf'" {status} \S+ \S+ms$', line)
    ]


def test_s15_sqlmap_finds_no_injectable_parameter(stack: Stack, tmp_path: Path) -> None:
    if not (BIN / "sqlmap").exists():
        skip_or_fail("sqlmap is not installed (pip install -e '.[test]')")
    cookie = staff_cookie(stack.base)
    assert signed_in(stack.base, cookie)
    started = time.monotonic()

    def run(scan: Scan) -> Report:
        url = stack.base + scan.path.format(ref=stack.reference)
        staff = cookie if scan.staff else None
        warm(url.replace("*", ""), staff)
        out = tmp_path / f"sqlmap-{SCANS.index(scan)}"
        return sqlmap(url, scan.parameters, out, staff, started + SQLMAP_SECONDS)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        reports = list(zip(SCANS, pool.map(run, SCANS), strict=True))
    requests = len(stack.access_log.read_text().splitlines())
    took = time.monotonic() - started
    print(f"S15: sqlmap sent {requests} requests to {len(SCANS)} URLs in {took:.0f}s")

    for scan, found in reports:
        message = (
            f"sqlmap found an injectable parameter in {found.url}: {found.injectable}\n"
            + found.injection_points
        )
        assert not found.injectable, message
        assert not found.injection_points, message
        untested = set(scan.parameters) - found.not_injectable
        assert not untested, (
            f"sqlmap did not test {untested} of {found.url}\n{found.output[-3000:]}"
        )
    assert signed_in(stack.base, cookie), "the staff scans ran signed in throughout"
    sent_to_sign_in = [
        line for line in access_lines(stack.access_log, "302") if '"GET /en/staff/' in line
    ]
    assert not sent_to_sign_in, f"staff requests sent to sign in: {sent_to_sign_in[:5]}"
    errors = access_lines(stack.access_log, r"5\d\d")
    by_scan = {
        (scan.path, scan.parameters): found.server_errors
        for scan, found in reports
        if found.server_errors
    }
    assert not errors, f"{len(errors)} server errors: {errors[:5]}; sqlmap saw {by_scan}"
