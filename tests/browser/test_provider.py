"""A course team in the browser, with and without JavaScript: its inbox, and the link that
opens one referral without signing in; axe finds nothing on either page (with JavaScript on:
axe runs in the page)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_staff import sign_in
from tests.providers.test_provider_side import new_link


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_course_team_accepts_and_books_from_its_inbox(open_page, make_referral, javascript):
    ref = make_referral(programme="desmond", name="Inbox Example")
    page = open_page("/en/staff/inbox", javascript=javascript)
    sign_in(page, "provider@demo.invalid")
    page.get_by_role("link", name=ref).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral {ref}")
    if javascript:  # axe runs in the page: with JavaScript off it would wait for ever
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".app-flash")).to_contain_text("You accepted the referral")
    page.get_by_label("Course date").select_option(index=1)
    page.get_by_role("button", name="Book").click()
    expect(page.locator(".nhsuk-tag")).to_have_text("Booked")


def test_a_course_team_without_an_account_declines_by_its_link(app, open_page, make_referral):
    ref = make_referral(programme="desmond", name="Link Example")
    page = open_page(new_link(app, ref))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral {ref}")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_label("We could not reach the person").check()
    page.get_by_role("button", name="Decline").click()
    expect(page.locator(".app-flash")).to_contain_text("You declined the referral")
    expect(page.locator(".nhsuk-tag")).to_have_text("Declined")
