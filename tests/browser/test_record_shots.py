"""The referral record in the browser: a follow-up card after a call, the likely-duplicate
warning and the NHS number comparison, with screenshots for a person to look at
(/work/shots/record/ when it exists, else test-results/screenshots/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import time_machine
from playwright.sync_api import expect

from finder import clock
from finder.policy import NOT_BOOKED_DAYS
from tests.browser.test_staff import SHOTS, sign_in
from tests.staff.conftest import new_nhs_number, unique_surname

RECORD_SHOTS = Path("/work/shots/record")


def shot(locator, name: str) -> None:
    folder = RECORD_SHOTS if RECORD_SHOTS.is_dir() else SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(folder / name))


def test_a_follow_up_card_after_a_call(open_page, make_referral):
    name = f"Card {unique_surname()}"
    with time_machine.travel(clock.now() - dt.timedelta(days=NOT_BOOKED_DAYS + 1)):
        ref = make_referral(by="support", name=name)  # not booked yet: on the list
    page = open_page("/en/staff/follow-up", viewport={"width": 1100, "height": 900})
    sign_in(page, "support@demo.invalid")
    card = page.locator(f"[data-reference='{ref}']")
    card.get_by_role("button", name="Left a message").click()
    card = page.locator(f"[data-reference='{ref}']")
    expect(card.locator("[data-field=last-contact]")).to_contain_text("Left a message")
    expect(card.locator("[data-field=last-contact]")).to_contain_text("Demo Receptionist")
    card.get_by_label("Next action on").fill("04/03/2030")
    card.get_by_role("button", name="Save date").click()
    card = page.locator(f"[data-reference='{ref}']")
    expect(card.locator("[data-field=next-action]")).to_contain_text("4 Mar 2030")
    shot(card, "follow-up-card.png")


def test_the_duplicate_warning_and_the_nhs_number_comparison(open_page, make_referral):
    surname = unique_surname()
    number = new_nhs_number()
    existing = make_referral(
        name=f"Dupe {surname}", date_of_birth=dt.date(1955, 5, 5), nhs_number=number
    )
    page = open_page(
        "/en/staff/referrals/new?programme=desmond&diabetes=type2",
        viewport={"width": 1100, "height": 900},
    )
    sign_in(page)
    page.get_by_label("Full name").fill(f"Dupe {surname}")
    page.get_by_label("Date of birth").fill("05/05/1955")
    page.get_by_label("Phone number").fill("020 7946 0333")
    page.get_by_role("button", name="Create referral").click()
    warning = page.locator(".app-duplicate")
    expect(warning).to_contain_text("This person may already have a referral")
    expect(warning.locator(f"[data-reference='{existing}']")).to_have_count(1)
    shot(warning, "duplicate-warning.png")

    # The same number typed for someone else: stopped, side by side.
    page.get_by_label("NHS number (optional)").fill(number)
    page.get_by_label("Full name").fill(f"Other {unique_surname()}")
    page.get_by_role("button", name="It is another person: create the referral").click()
    compare = page.locator(".app-identity")
    expect(compare).to_contain_text("Check this is the same person")
    expect(compare.locator("tr[data-field=name] td").first).to_have_text(f"Dupe {surname}")
    shot(compare, "nhs-number-comparison.png")
