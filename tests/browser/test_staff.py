"""Staff in the browser: consultation to referral to handout; explainers print on one A4 page."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.conftest import ROOT

SHOTS = ROOT / "test-results" / "screenshots"


def sign_in(page, email="clinician@demo.invalid"):
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("test-password")
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_consultation_refer_and_print_a_handout(open_page, javascript):
    page = open_page("/en/staff/consult", javascript=javascript)
    expect(page).to_have_url(re.compile(r"/en/staff/login\?next="))
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation")

    form = page.locator("form.app-consult-form")
    form.get_by_role("group", name="Which type of diabetes do you have?").get_by_label(
        "Type 2 diabetes"
    ).check()
    form.get_by_role(
        "group", name="Would being in a group make you feel worried or anxious?"
    ).get_by_label("Yes").check()
    form.get_by_label("Which language would you like the course to be in?").select_option("bn")
    form.get_by_role("button", name="Show options").click()

    guide = page.locator("[data-guide-for=desmond]")
    expect(guide).to_contain_text("Groups are small, nobody has to speak")
    page.screenshot(path=str(SHOTS / "staff-consult.png"), full_page=True)
    guide.get_by_role("link", name=re.compile("^Refer to DESMOND")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Refer to DESMOND")
    expect(page.get_by_label("Preferred language")).to_have_value("bn")
    page.get_by_label("Full name").fill("Rahima Example")
    page.get_by_label("Date of birth").fill("02/09/1961")
    page.get_by_label("NHS number (optional)").fill("943 476 591")  # one digit short
    page.get_by_label("Phone number").fill("020 7946 0001")
    page.get_by_role("button", name="Create referral").click()

    expect(page).to_have_title(re.compile("^Error:"))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter a valid 10-digit NHS number"
    )
    expect(page.get_by_label("Full name")).to_have_value("Rahima Example")
    page.get_by_label("NHS number (optional)").fill("943 476 5919")
    page.get_by_label("Relative or carer will come with them", exact=False).check()
    page.get_by_role("button", name="Create referral").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Referral DE-"))
    expect(page.locator("main")).to_contain_text("943 476 5919")
    page.get_by_role("link", name="Print a handout in the patient's language").click()

    expect(page.locator("html")).to_have_attribute("lang", "bn")
    expect(page.locator(".app-handout__qr svg")).to_be_visible()
    reference = page.locator(".app-handout__reference")
    expect(reference).to_contain_text(re.compile(r"DE-[0-9A-Z]{4}-[0-9A-Z]{4}"))
    page.screenshot(path=str(SHOTS / "staff-handout-bn.png"), full_page=True)


EXPLAINERS = [
    "/en/explainer",
    "/en/programmes/help-diabetes/explainer",
    "/en/programmes/desmond/explainer",
    "/en/programmes/dsmp/explainer",
    "/en/programmes/x-pert/explainer",
]


@pytest.mark.parametrize("path", EXPLAINERS)
def test_each_explainer_prints_on_one_a4_page(open_page, path):
    page = open_page(path)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages == 1, f"{path} prints on {pages} pages"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"explainer-{path.strip('/').replace('/', '-')}.pdf").write_bytes(pdf)
