"""The patient journey in a real browser, with JavaScript on and off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(
    ("lang", "javascript"),
    [("en", True), ("en", False), ("ar", True), ("bn", True), ("bn", False)],
    ids=["en-js", "en-no-js", "ar-js", "bn-js", "bn-no-js"],
)
def test_start_questions_results_programme(open_page, words, lang, javascript):
    _ = words(lang)
    page = open_page(f"/{lang}/", javascript=javascript)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_role("button", name=_("Start now")).click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(_("Which type of diabetes do you have?"))
    page.get_by_label(_("Type 2 diabetes")).check()
    page.get_by_role("button", name=_("Continue")).click()

    page.get_by_label(_("No, longer ago")).check()
    page.get_by_role("button", name=_("Continue")).click()

    expect(heading).to_have_text(_("Can you go to a course on a weekday, during the day?"))
    page.get_by_label(_("No"), exact=True).check()
    page.get_by_role("button", name=_("Continue")).click()

    # Skip the next questions, then answer the computer question.
    for _skipped in range(4):
        page.get_by_role("button", name=_("Continue")).click()
    expect(heading).to_have_text(
        _("Are you happy using the internet on a phone, tablet or computer?")
    )
    page.get_by_label(_("Yes, I use it on my own")).check()
    page.get_by_role("button", name=_("Continue")).click()

    # Go back one question, and the answer given is still there.
    page.get_by_role("link", name=_("Back")).click()
    expect(page.get_by_label(_("Yes, I use it on my own"))).to_be_checked()
    page.get_by_role("button", name=_("Continue")).click()

    for _skipped in range(5):
        page.get_by_role("button", name=_("Continue")).click()
    expect(heading).to_have_text(_("Check your answers"))
    expect(page.locator(".nhsuk-summary-list")).to_contain_text(_("Type 2 diabetes"))
    page.get_by_role("button", name=_("See your options")).click()

    expect(heading).to_have_text(_("Your options"))
    # Group education first (NICE NG28 1.2.4): X-PERT's evening course fits their times.
    first = page.locator("[data-programme][data-fit]").first
    expect(first).to_have_attribute("data-programme", "x-pert")
    expect(first).to_have_attribute("data-fit", "good")
    online = page.locator("[data-programme=help-diabetes]")
    expect(online).to_have_attribute("data-fit", "good")
    online.get_by_role("link").first.click()

    expect(page).to_have_url(re.compile(rf"/{lang}/programmes/help-diabetes$"))
    expect(page.locator("[data-programme=help-diabetes] h1")).to_be_visible()


def test_switching_language_keeps_the_place(open_page, words):
    page = open_page("/en/results?diabetes=type2&daytime=no")
    page.locator(".app-language-switcher").get_by_role("link", name="العربية").click()
    expect(page).to_have_url(re.compile(r"/ar/results\?diabetes=type2&daytime=no$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("ar")("Your options"))


def test_keyboard_only_answering(open_page):
    page = open_page("/en/find/diabetes")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".nhsuk-skip-link")).to_be_focused()
    page.get_by_label("Type 2 diabetes").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Continue")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/find/diagnosed\?diabetes=type2$"))


def test_a_bad_answer_in_a_link_is_asked_again_with_the_error_summary_focused(open_page):
    page = open_page("/en/results?diabetes=type7")
    expect(page).to_have_title(re.compile("^Error:"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link").click()
    expect(page.get_by_label("Type 2 diabetes")).to_be_focused()


def test_not_eligible_options_open_when_asked(open_page):
    page = open_page("/en/results?diabetes=type1")
    hidden = page.locator("details [data-programme=desmond]")
    expect(hidden).to_be_hidden()
    page.get_by_text("3 courses are not for you").click()
    expect(hidden).to_be_visible()
