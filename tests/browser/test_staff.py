"""Staff in the browser: consultation to referral to handout; explainers print on one A4 page."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from playwright.sync_api import expect
from pypdf import PdfReader

from finder import clock
from finder.policy import NOT_BOOKED_DAYS
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
    expect(guide).to_contain_text("Groups give support from other people with diabetes")
    page.screenshot(path=str(SHOTS / "staff-consult.png"), full_page=True)
    guide.get_by_role("link", name=re.compile("^Refer to DESMOND")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Refer to DESMOND")
    expect(page.get_by_label("Preferred language")).to_have_value("bn")
    page.get_by_label("Full name").fill("Rahima Example")
    page.get_by_label("Date of birth").fill("02/09/1961")
    page.get_by_label("NHS number (optional)").fill("401 023 213")  # one digit short
    page.get_by_label("Phone number").fill("020 7946 0001")
    page.get_by_role("button", name="Create referral").click()

    expect(page).to_have_title(re.compile("^Error:"))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter a valid 10-digit NHS number"
    )
    expect(page.get_by_label("Full name")).to_have_value("Rahima Example")
    page.get_by_label("NHS number (optional)").fill("401 023 2137")
    page.get_by_label("Relative or carer will come with them", exact=False).check()
    page.get_by_role("button", name="Create referral").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Referral DE-"))
    expect(page.locator("main")).to_contain_text("401 023 2137")
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


def test_receptionist_registers_a_patient_for_the_online_programme(open_page):
    page = open_page("/en/staff/register-online")
    sign_in(page, "support@demo.invalid")
    page.get_by_label("Yes, with some help").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("They needed help to register")).to_be_checked()
    page.get_by_label("Full name").fill("Desk Example")
    page.get_by_label("Date of birth").fill("12/12/1955")
    page.get_by_label("Email address").fill("desk@example.org")
    page.get_by_label("Preferred language").select_option("ur")
    page.get_by_label("They have a phone, tablet or computer they can use").check()
    page.get_by_role("button", name="Register").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "booked")
    page.get_by_role("link", name="Print the sign-up steps in the patient's language").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("main")).to_contain_text("desk@example.org")


def test_working_one_item_off_the_follow_up_list(open_page, make_referral):
    # Referred long enough ago to be "not booked yet".
    with time_machine.travel(clock.now() - dt.timedelta(days=NOT_BOOKED_DAYS + 1)):
        ref = make_referral(by="support", name="Follow Example")
    page = open_page("/en/staff/follow-up")
    sign_in(page, "support@demo.invalid")
    item = page.locator(f"[data-reference='{ref}']")
    expect(item).to_have_attribute("data-reasons", "not_booked")
    item.get_by_label("How").select_option("phone")
    item.get_by_role("button", name="No answer").click()
    item = page.locator(f"[data-reference='{ref}']")
    expect(item).to_have_attribute("data-reasons", "not_booked awaiting_reply")
    item.get_by_role("button", name="Spoke to them").click()
    page.locator(f"[data-reference='{ref}']").get_by_role("link", name="Follow Example").click()
    page.get_by_label("New status").select_option("booked")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".app-flash")).to_contain_text("Status changed to Booked")
    page.get_by_role("link", name="Follow-up").click()
    expect(page.locator(f"[data-reference='{ref}']")).to_have_count(0)


def test_the_outbox_and_a_referrals_messages_pass_axe(open_page, app, make_referral):
    """A referral with a message (recorded, not sent: the browser tests have no Notify key),
    on its page and in the outbox, as its practice's clinician sees them."""
    from axe_playwright_python.sync_playwright import Axe
    from sqlalchemy import select

    from finder.database import writes
    from finder.extensions import db
    from finder.models import Referral
    from finder.outbox import send
    from tests.outbox.fake_notify import confirmation

    ref = make_referral(email="pat@example.com")
    with app.app_context(), writes():
        send(
            channel="email",
            to="pat@example.com",
            template="self_referral_confirmation",
            language="en",
            personalisation=confirmation(ref),
            referral=db.session.scalar(select(Referral).filter_by(reference=ref)),
            recipient="patient",
            key=f"{ref}:browser",
        )
    page = open_page(f"/en/staff/referrals/{ref}")
    sign_in(page)
    row = page.locator(f"tr[data-key='{ref}:browser']")
    expect(row).to_contain_text("Not sent: no key")
    assert Axe().run(page).violations_count == 0
    page.goto(page.url.split("/en/")[0] + "/en/staff/outbox")
    expect(page.locator(f"tr[data-key='{ref}:browser']")).to_contain_text("pat@example.com")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
