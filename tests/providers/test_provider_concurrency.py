"""Two of a provider's people answering one referral at once (its account and its link, or
the provider and the practice): on SQLite and, with FINDER_TEST_DATABASE_URL, on PostgreSQL.
One answer wins; the other is told nothing was changed; the history holds one change."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.providers.test_provider_side import answer_form, new_link
from tests.security.test_concurrency import ROUNDS, at_once, hidden_fields_on, post, status_events
from tests.staff.conftest import sign_in

# Two answers at once from threads, each on a connection of its own.
pytestmark = pytest.mark.commits


def flash_text(client, path: str) -> str:
    shown = BeautifulSoup(client.get(path).data, "html5lib")
    return " ".join(f.get_text(" ", strip=True) for f in shown.select(".app-flash"))


def test_the_provider_by_account_and_by_link_at_once_one_answer_wins(app, make_referral):
    team = sign_in(app.test_client(), "provider")
    outsider = app.test_client()
    outcomes = {"accepted": 0, "declined": 0}
    for _ in range(ROUNDS):
        ref = make_referral(programme="desmond")
        link = new_link(app, ref)
        inbox = f"/en/staff/inbox/{ref}"
        accept = answer_form(team, inbox, "accepted")
        decline = {**answer_form(outsider, link, "declined"), "reason": "could_not_contact"}
        assert accept["version"] == decline["version"]
        responses = at_once(post(team, f"{inbox}/answer", accept), post(outsider, link, decline))
        assert [r.status_code for r in responses] == [302, 302]
        events = status_events(app, ref)
        assert len(events) == 2, f"exactly one answer was recorded: {events}"
        assert events[1][0] == "referred"
        assert events[1][1] in outcomes
        outcomes[events[1][1]] += 1
        said = [flash_text(team, inbox), flash_text(outsider, link)]
        refused = [s for s in said if "Nothing was changed" in s or "changed while" in s]
        assert len(refused) == 1, said
    print(f"\nprovider races: {ROUNDS} x 2 answers at once -> {outcomes}")


def test_the_provider_and_the_practice_at_once_one_change_wins(app, make_referral):
    team = sign_in(app.test_client(), "provider")
    nurse = sign_in(app.test_client(), "clinician")
    for _ in range(ROUNDS // 2):
        ref = make_referral(programme="desmond")
        inbox, record = f"/en/staff/inbox/{ref}", f"/en/staff/referrals/{ref}"
        accept = answer_form(team, inbox, "accepted")
        withdraw = {**hidden_fields_on(nurse, record, holding="version"), "status": "withdrawn"}
        at_once(post(team, f"{inbox}/answer", accept), post(nurse, f"{record}/status", withdraw))
        events = status_events(app, ref)
        assert len(events) == 2, events
