"""The menu in a real browser, in English and Bengali: the card shows the run that fits, and a
self-referral keeps the run the person chose and says only what happens next."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_the_card_shows_the_run_that_fits(open_page, words, lang):
    _ = words(lang)
    page = open_page(f"/{lang}/results?diabetes=type2&language=bn&evenings=no&weekends=no")
    desmond = page.locator("[data-programme=desmond]")
    expect(page.locator("[data-programme][data-fit]").first).to_have_attribute(
        "data-programme", "desmond"
    )
    run = desmond.locator(".app-run")
    expect(run).to_have_attribute("data-run", "desmond-islington-bengali")
    expect(run.locator(".app-run__where")).to_contain_text("ZZ1 2BB")
    expect(run.locator(".app-run__where")).to_contain_text(_("Step-free access."))
    # The key to the labels opens and says what "Good fit" means.
    page.get_by_text(_("What the labels mean")).click()
    expect(page.locator(".app-fit-key")).to_contain_text(
        _("Nothing you told us stands in the way.")
    )
    # Printing is offered when JavaScript can print.
    expect(page.get_by_role("button", name=_("Print this page"))).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_self_referral_keeps_the_chosen_run(open_page, words, lang):
    _ = words(lang)
    page = open_page(f"/{lang}/results?diabetes=type2&daytime=no")
    xpert = page.locator("[data-programme=x-pert]")
    xpert.get_by_role("link", name=re.compile("X-PERT")).last.click()
    expect(page).to_have_url(re.compile(rf"/{lang}/self-refer/x-pert\?"))
    # The run at a time they can come is chosen for them; they pick the other one.
    expect(page.locator("input[name=course_run][value=x-pert-islington-evening]")).to_be_checked()
    page.locator("input[name=course_run][value=x-pert-camden-weekday]").check()
    page.get_by_label(_("Your full name")).fill("Sam Sample")
    page.get_by_label(_("Your date of birth")).fill("01/01/1960")
    page.get_by_label(_("Phone number")).fill("020 7946 0111")
    page.get_by_label(_("Your GP practice")).select_option("DEMO02")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name=_("Send")).click()
    expect(page).to_have_url(re.compile(rf"/{lang}/self-refer/x-pert/done$"))
    expect(page.locator(".app-chosen-run")).to_contain_text("13:30")
    not_booked = _(
        "Your place is not booked yet. They will tell you if they can book you on this course."
    )
    expect(page.locator("main")).to_contain_text(not_booked)
