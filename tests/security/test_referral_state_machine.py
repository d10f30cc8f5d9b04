"""S20 and S21 (shared/reference/security.md) as a Hypothesis state machine over the real app.

Staff change one fresh referral's status through the staff pages, along allowed paths and
refused ones, with any reason and any date a client might post (the status form asks for no
date: the time of a stage is the moment it is recorded). A model of the allowed changes is
the oracle. After every step the database must match the model: each change adds exactly one
audit row (who, role, when in UTC, old and new status) and one history event (who, role, when,
old and new status, reason), and nothing else; a refused change (a forbidden status, none,
or too long a reason) shows a clear message and writes nothing; the database refuses to
rewrite the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from finder import clock
from finder.extensions import db
from finder.models import AuditEvent, Referral, ReferralEvent, User
from tests.staff.conftest import ACCOUNTS, csrf_token

pytestmark = pytest.mark.slow

# The model: the changes the service allows (kept here, not read from the app, so that a
# change to the app's table fails this test until the policy is agreed).
ALLOWED = {
    "referred": {"booked", "declined", "unsuitable", "withdrawn"},
    "booked": {"attended", "did_not_attend", "declined", "withdrawn", "unsuitable"},
    "attended": {"completed", "withdrawn"},
    "did_not_attend": {"booked", "declined", "withdrawn", "unsuitable"},
    "declined": {"referred"},
    "completed": set(),
    "unsuitable": set(),
    "withdrawn": set(),
}
# Posted values that are no status at all are refused too.
NOT_A_STATUS = ("deleted", "REFERRED", "")
MAX_REASON = 1000
# Allowed changes that lead from a new referral to each status, to start walks anywhere.
ROUTES = {
    "referred": (),
    "booked": ("booked",),
    "attended": ("booked", "attended"),
    "completed": ("booked", "attended", "completed"),
    "did_not_attend": ("booked", "did_not_attend"),
    "declined": ("declined",),
    "unsuitable": ("unsuitable",),
    "withdrawn": ("withdrawn",),
}
# The column that records when a referral first reached a stage of the funnel.
STAGE_COLUMNS = {
    "booked": "booked_at",
    "attended": "attended_at",
    "completed": "completed_at",
    "did_not_attend": "did_not_attend_at",
    "declined": "declined_at",
}
CHANGED_BY_A_STATUS_CHANGE = {"status", "status_changed_at", "version", *STAGE_COLUMNS.values()}
# Attempts to rewrite this referral's trail; the database must refuse each one.
REWRITES = (
    "UPDATE audit_event SET actor_role = 'admin' WHERE object_ref = :ref",
    "DELETE FROM audit_event WHERE object_ref = :ref",
    "UPDATE referral_event SET reason = 'rewritten'"
    " WHERE referral_id = (SELECT id FROM referral WHERE reference = :ref)",
)

TODAY = clock.today()
STAFF = st.sampled_from(["clinician", "support"])
REASONS = st.one_of(
    st.just(""),
    st.sampled_from(["Booked by phone", "  Asked to stop\nby letter  ", "r" * 1000]),
    # Control characters are the fuzz tests' business (S28, test_fuzz.py).
    st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=60),
)
DATES = st.one_of(
    st.none(),
    st.dates(TODAY - dt.timedelta(days=3650), TODAY + dt.timedelta(days=365)).map(
        lambda day: day.strftime("%d/%m/%Y")
    ),
)


@dataclass(frozen=True)
class Staff:
    client: FlaskClient
    csrf_token: str
    user_id: int
    role: str


@dataclass(frozen=True)
class Change:
    """A change the model expects to find in the trail."""

    by: Staff
    from_status: str
    to_status: str
    reason: str | None
    started: dt.datetime
    finished: dt.datetime


@dataclass(frozen=True)
class Trail:
    """Everything stored for one referral: its row, its history and its audit rows."""

    referral: dict[str, Any]
    events: list[Any]
    audits: list[Any]


def words(status: str) -> str:
    """A status as the page names it in a sentence."""
    return status.replace("_", " ").lower()


class ReferralStatusMachine(RuleBasedStateMachine):
    def __init__(
        self, app: Flask, staff: dict[str, Staff], make_referral: Callable[[], str]
    ) -> None:
        super().__init__()
        self.app = app
        self.staff = staff
        self.reference = make_referral()
        self.status = "referred"
        self.changes: list[Change] = []

    def trail(self) -> Trail:
        with self.app.app_context():
            referral = (
                db.session.execute(
                    select(Referral.__table__).where(Referral.reference == self.reference)
                )
                .one()
                ._asdict()
            )
            events = db.session.execute(
                select(ReferralEvent.__table__)
                .where(ReferralEvent.referral_id == referral["id"])
                .order_by(ReferralEvent.id)
            ).all()
            audits = db.session.execute(
                select(AuditEvent.__table__)
                .where(AuditEvent.object_ref == self.reference)
                .order_by(AuditEvent.id)
            ).all()
            return Trail(referral, list(events), list(audits))

    def post_change(self, account: str, to_status: str, reason: str, date: str | None) -> None:
        """Post the status form, check what it wrote and the message it shows."""
        by = self.staff[account]
        before = self.trail()
        data = {"status": to_status, "reason": reason, "csrf_token": by.csrf_token}
        if date is not None:
            data["date"] = date
        started = dt.datetime.now(dt.UTC)
        response = by.client.post(f"/en/staff/referrals/{self.reference}/status", data=data)
        finished = dt.datetime.now(dt.UTC)
        after = self.trail()
        assert response.status_code == 302
        # Open the page before any check can fail: a message left unread in the signed-in
        # client's session would show up in the next example.
        page = BeautifulSoup(by.client.get(response.location).data, "html.parser")
        shown = [
            (message["role"], message.get_text(strip=True)) for message in page.select(".app-flash")
        ]
        if to_status in ALLOWED[self.status] and len(reason) <= MAX_REASON:
            self.check_one_change_was_added(before, after, to_status, started, finished)
            assert shown == [("status", f"Status changed to {words(to_status).capitalize()}.")]
            self.changes.append(
                Change(by, self.status, to_status, reason.strip() or None, started, finished)
            )
            self.status = to_status
        else:
            assert after == before, "a refused change must write nothing"
            if not to_status:
                message = "Nothing was changed. Choose the new status"
            elif len(reason) > MAX_REASON:
                message = "Nothing was changed. Give a reason of 1,000 characters or fewer"
            else:
                message = (
                    f"A referral that is {words(self.status)} cannot become {words(to_status)}."
                    " Nothing was changed."
                )
            assert shown == [("alert", message)]

    @staticmethod
    def check_one_change_was_added(
        before: Trail, after: Trail, to_status: str, started: dt.datetime, finished: dt.datetime
    ) -> None:
        assert len(after.events) == len(before.events) + 1, "one history event per change"
        assert len(after.audits) == len(before.audits) + 1, "one audit row per change"
        assert (after.events[:-1], after.audits[:-1]) == (before.events, before.audits)
        changed = {key for key in after.referral if after.referral[key] != before.referral[key]}
        assert changed <= CHANGED_BY_A_STATUS_CHANGE
        assert after.referral["status"] == to_status
        assert started <= after.referral["status_changed_at"] <= finished
        # A stage is dated when it is recorded: never missing, never in the past, whatever
        # date the client posted; a stage reached before keeps its first date.
        if column := STAGE_COLUMNS.get(to_status):
            first, reached = before.referral[column], after.referral[column]
            if first is None:
                assert reached is not None, f"{to_status} without a date"
                assert started <= reached <= finished
            else:
                assert reached == first

    @initialize(start=st.sampled_from(sorted(ROUTES)), data=st.data())
    def walk_to_a_starting_status(self, start: str, data: st.DataObject) -> None:
        for to_status in ROUTES[start]:
            account, reason, date = data.draw(st.tuples(STAFF, REASONS, DATES), label=to_status)
            self.post_change(account, to_status, reason, date)

    @precondition(lambda self: bool(ALLOWED[self.status]))
    @rule(data=st.data(), account=STAFF, reason=REASONS, date=DATES)
    def make_an_allowed_change(
        self, data: st.DataObject, account: str, reason: str, date: str | None
    ) -> None:
        to_status = data.draw(st.sampled_from(sorted(ALLOWED[self.status])), label="to_status")
        self.post_change(account, to_status, reason, date)

    @rule(data=st.data(), account=STAFF, reason=REASONS, date=DATES)
    def try_a_refused_change(
        self, data: st.DataObject, account: str, reason: str, date: str | None
    ) -> None:
        refused = sorted({*ALLOWED, *NOT_A_STATUS} - ALLOWED[self.status])
        to_status = data.draw(st.sampled_from(refused), label="to_status")
        self.post_change(account, to_status, reason, date)

    @rule(data=st.data(), account=STAFF)
    def try_a_change_with_too_long_a_reason(self, data: st.DataObject, account: str) -> None:
        to_status = data.draw(st.sampled_from(sorted(ALLOWED)), label="to_status")
        self.post_change(account, to_status, "r" * (MAX_REASON + 1), None)

    @invariant()
    def the_trail_cannot_be_rewritten(self) -> None:
        with self.app.app_context():
            for statement in REWRITES:
                with pytest.raises(DatabaseError, match="append-only"):
                    db.session.execute(text(statement), {"ref": self.reference})
                db.session.rollback()

    @invariant()
    def the_trail_matches_the_model(self) -> None:
        """The model's status, and exactly one complete audit row and event per change."""
        trail = self.trail()
        assert trail.referral["status"] == self.status
        audits = [row for row in trail.audits if row.action == "referral.status"]
        # The first status event is the referral's creation, not a change.
        events = [row for row in trail.events if row.kind == "status"][1:]
        assert len(audits) == len(events) == len(self.changes)
        for change, audit, event in zip(self.changes, audits, events, strict=True):
            assert (audit.actor_id, audit.actor_role, audit.outcome) == (
                change.by.user_id,
                change.by.role,
                "ok",
            )
            assert audit.detail["from_status"] == change.from_status
            assert audit.detail["to_status"] == change.to_status
            assert (event.actor_id, event.actor_role) == (change.by.user_id, change.by.role)
            assert (event.from_status, event.to_status, event.reason) == (
                change.from_status,
                change.to_status,
                change.reason,
            )
            for at in (audit.at, event.at):
                assert at.tzinfo is not None, "times are stored as moments in UTC"
                assert change.started <= at <= change.finished


def test_s20_s21_status_changes_are_audited_and_invalid_ones_refused(app, signed_in, make_referral):
    staff: dict[str, Staff] = {}
    for account in ("clinician", "support"):
        client = signed_in(account)
        with app.app_context():
            user = db.session.execute(
                select(User.id, User.role).filter_by(email=ACCOUNTS[account])
            ).one()
        staff[account] = Staff(client, csrf_token(client, "/en/staff/"), user.id, user.role)
    run_state_machine_as_test(
        # Hypothesis takes any factory of machines; its annotation asks for the class itself.
        lambda: ReferralStatusMachine(app, staff, make_referral),  # type: ignore[arg-type]
        settings=settings(max_examples=25, stateful_step_count=6, deadline=None),
    )
