"""Requests fired at once, as two people (or one double click) would: on SQLite and, with
FINDER_TEST_DATABASE_URL, on PostgreSQL. One wins; the other is refused or shown what the
first made. The history never holds two changes out of one status, and nothing is made twice.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from finder.extensions import db
from finder.models import Feedback, Patient, Referral, ReferralEvent
from tests.forms import hidden_fields
from tests.staff.conftest import sign_in

# Requests at once from threads, each on a connection of its own, and a second connection
# holding the lock: they meet only in what is committed.
pytestmark = pytest.mark.commits

ROUNDS = 8


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def hidden_fields_on(client: FlaskClient, path: str, holding: str = "submission") -> dict[str, str]:
    """The hidden fields of the page's first form that has a field named ``holding``."""
    page = BeautifulSoup(client.get(path).data, "html5lib")
    found = next(f for f in page.select("form[method=post]") if f.select(f"[name={holding}]"))
    return hidden_fields(found)


def twin(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another client in the same browser session (the second click of a double click)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    other.set_cookie("session", cookie.value)
    other.environ_base.update(client.environ_base)
    return other


def post(client: FlaskClient, path: str, data: dict[str, str]) -> Callable[[], Any]:
    return lambda: client.post(path, data=data)


def status_events(app: Flask, reference: str) -> list[tuple[str | None, str | None]]:
    with app.app_context():
        return [
            (e.from_status, e.to_status)
            for e in db.session.scalars(
                select(ReferralEvent)
                .join(Referral)
                .where(Referral.reference == reference, ReferralEvent.kind == "status")
                .order_by(ReferralEvent.id)
            )
        ]


def flashes(client: FlaskClient, reference: str) -> str:
    page = BeautifulSoup(client.get(f"/en/staff/referrals/{reference}").data, "html5lib")
    return " ".join(f.get_text(" ", strip=True) for f in page.select(".app-flash"))


def test_two_status_changes_at_once_one_wins_and_the_other_is_told(app, make_referral):
    nurse, receptionist = (
        sign_in(app.test_client(), "clinician"),
        sign_in(app.test_client(), "support"),
    )
    outcomes = {"changed": 0, "refused": 0}
    for _ in range(ROUNDS):
        ref = make_referral()
        path = f"/en/staff/referrals/{ref}"
        forms = [hidden_fields_on(c, path, holding="version") for c in (nurse, receptionist)]
        assert forms[0]["version"] == forms[1]["version"]

        responses = at_once(
            post(nurse, f"{path}/status", {**forms[0], "status": "booked"}),
            post(receptionist, f"{path}/status", {**forms[1], "status": "declined"}),
        )
        assert [r.status_code for r in responses] == [302, 302]
        events = status_events(app, ref)
        assert events[0] == (None, "referred")
        assert len(events) == 2, f"exactly one change was made: {events}"
        assert events[1][0] == "referred"
        said = [flashes(c, ref) for c in (nurse, receptionist)]
        changed = [s for s in said if "Status changed to" in s]
        refused = [s for s in said if "changed while you were looking at it" in s]
        assert (len(changed), len(refused)) == (1, 1), said
        outcomes["changed"] += 1
        outcomes["refused"] += 1
    print(f"\nstatus races: {ROUNDS} x 2 requests at once -> {outcomes}")


def test_a_change_from_a_page_shown_before_another_change_is_refused(app, make_referral):
    nurse = sign_in(app.test_client(), "clinician")
    ref = make_referral()
    path = f"/en/staff/referrals/{ref}"
    old = hidden_fields_on(nurse, path, holding="version")
    assert nurse.post(f"{path}/status", data={**old, "status": "booked"}).status_code == 302
    nurse.get(path)  # the flash of the first change is read
    nurse.post(f"{path}/status", data={**old, "status": "declined"})
    assert "changed while you were looking at it" in flashes(nurse, ref)
    assert status_events(app, ref) == [(None, "referred"), ("referred", "booked")]


def count_patients(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Patient.name == name)) or 0


def double_click(app: Flask, client: FlaskClient, path: str, data: dict[str, str]) -> list[Any]:
    """The same form sent twice at once from one browser session."""
    form = {**hidden_fields_on(client, path), **data}
    second = twin(app, client)
    return at_once(post(client, path, form), post(second, path, form))


PATIENT = {
    "date_of_birth": "02/03/1961",
    "nhs_number": "",
    "phone": "020 7946 0222",
    "preferred_language": "en",
    "contact_method": "phone",
    "diagnosis_date": "",
    "course_run": "",
}


def test_a_double_click_on_new_referral_makes_one(app):
    nurse = sign_in(app.test_client(), "clinician")
    for _ in range(ROUNDS):
        name = f"Double Click {uuid.uuid4().hex[:8]}"
        responses = double_click(
            app, nurse, "/en/staff/referrals/new?programme=desmond", {**PATIENT, "name": name}
        )
        assert [r.status_code for r in responses] == [302, 302]
        assert responses[0].location == responses[1].location, "both show the one referral"
        assert count_patients(app, name) == 1


def test_a_double_click_on_register_online_makes_one_booking(app):
    desk = sign_in(app.test_client(), "support")
    name = f"Front Desk {uuid.uuid4().hex[:8]}"
    data = {**PATIENT, "name": name, "email": "p@example.org", "has_device": "y"}
    responses = double_click(app, desk, "/en/staff/register-online?computer=confident", data)
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].location == responses[1].location
    assert count_patients(app, name) == 1
    ref = responses[0].location.rsplit("/", 1)[-1]
    assert status_events(app, ref) == [(None, "referred"), ("referred", "booked")]


def test_a_double_click_on_another_format_makes_one_referral(app, make_referral):
    nurse = sign_in(app.test_client(), "clinician")
    name = f"Other Format {uuid.uuid4().hex[:8]}"
    ref = make_referral(name=name)
    responses = double_click(
        app, nurse, f"/en/staff/referrals/{ref}/another-format", {"programme": "help-diabetes"}
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].location == responses[1].location
    with app.app_context():
        made = db.session.scalar(
            select(func.count()).select_from(Referral).join(Patient).where(Patient.name == name)
        )
    assert made == 2, "the original and one new referral"
    assert status_events(app, ref)[-1] == ("referred", "withdrawn")
    assert len(status_events(app, ref)) == 2


def test_a_double_click_on_self_referral_makes_one(app):
    patient = app.test_client()
    patient.environ_base["REMOTE_ADDR"] = "198.51.100.201"
    name = f"Self Referrer {uuid.uuid4().hex[:8]}"
    data = {
        "name": name,
        "date_of_birth": "01/01/1960",
        "nhs_number": "",
        "phone": "020 7946 0111",
        "email": "",
        "practice": "DEMO02",
        "preferred_language": "so",
        "consent": "y",
    }
    responses = double_click(app, patient, "/en/self-refer/x-pert?diabetes=type2", data)
    assert [r.status_code for r in responses] == [302, 302]
    assert count_patients(app, name) == 1


def test_a_double_click_on_feedback_stores_it_once(app):
    patient = app.test_client()
    patient.environ_base["REMOTE_ADDR"] = "198.51.100.202"
    comment = f"Once only {uuid.uuid4().hex[:8]}"
    responses = double_click(app, patient, "/en/feedback/dsmp", {"rating": "4", "comment": comment})
    assert [r.status_code for r in responses] == [302, 302]
    with app.app_context():
        stored = db.session.scalar(
            select(func.count()).select_from(Feedback).where(Feedback.comment == comment)
        )
    assert stored == 1


def test_a_staff_page_holds_no_write_lock_while_it_renders(app, make_referral):
    """Another writer gets in while a staff page is being made: on SQLite the page's audit row
    went in its own short transaction (no database lock held); on PostgreSQL the page holds no
    lock on the referral's row."""
    import sqlite3

    import pytest
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from finder.referrals import queries  # what the referral page calls

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    sqlite = url.startswith("sqlite")
    ref = make_referral()
    nurse = sign_in(app.test_client(), "clinician")
    got_in = []
    history = queries.audit_history
    engine = create_engine(url)

    def write_lock_free() -> bool:
        if sqlite:  # a plain connection that waits for nothing
            other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                other.close()
        with engine.connect() as conn:
            try:
                conn.execute(
                    text("SELECT id FROM referral WHERE reference = :r FOR UPDATE NOWAIT"),
                    {"r": ref},
                )
                return True
            except OperationalError:
                return False

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        got_in.append(write_lock_free())
        return history(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries, "audit_history", meanwhile)
        assert nurse.get(f"/en/staff/referrals/{ref}").status_code == 200
    engine.dispose()
    assert got_in == [True], "another writer was kept waiting by a page being read"


def test_a_double_click_on_the_directory_import_imports_once(app):
    from finder.models import AuditEvent

    commissioner = sign_in(app.test_client(), "commissioner")
    exported = commissioner.get("/en/staff/directory/export.json").get_data(as_text=True)

    def imports() -> int:
        with app.app_context():
            return (
                db.session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "directory.import")
                )
                or 0
            )

    before = imports()
    responses = double_click(app, commissioner, "/en/staff/directory/import", {"json": exported})
    assert [r.status_code for r in responses] == [302, 302]
    assert imports() == before + 1
