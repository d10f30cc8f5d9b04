"""A commissioner adds an evening course run, and a patient's results change; pauses a
programme, and patients are told."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.dates import format_date
from playwright.sync_api import expect
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import CourseRun
from tests.browser.test_staff import SHOTS, sign_in

RESULTS = "/en/results?diabetes=type2&daytime=no&evenings=yes&weekends=no&language=tr"


@pytest.fixture
def restore_runs(app):
    """This test adds a run to the shared directory: take it away again afterwards."""
    with app.app_context():
        keys = set(db.session.scalars(select(CourseRun.key)))
    yield
    with app.app_context():
        for run in db.session.scalars(select(CourseRun).where(CourseRun.key.not_in(keys))):
            db.session.delete(run)
        db.session.commit()


def test_a_new_evening_run_changes_a_patients_results(open_page, restore_runs):
    patient = open_page(RESULTS)
    dsmp = patient.locator("[data-programme=dsmp]")
    expect(dsmp).not_to_contain_text("There is a course in Türkçe")

    page = open_page("/en/staff/directory/runs/new")
    sign_in(page, "commissioner@demo.invalid")
    expect(page.get_by_role("heading", level=1)).to_have_text("Course run")
    page.get_by_label("Programme").select_option("dsmp")
    page.get_by_label("Venue").select_option("canal-health-centre")
    soon = clock.today() + dt.timedelta(days=10)
    wednesday = soon + dt.timedelta(days=(2 - soon.weekday()) % 7)
    page.get_by_label("First session").fill(wednesday.strftime("%d/%m/%Y"))
    page.get_by_label("Starts at").fill("18:30")
    page.get_by_label("Ends at").fill("21:30")
    page.get_by_label("Language code").fill("tr")
    page.get_by_label("Places left").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".app-flash")).to_contain_text("Saved the course run")

    patient.reload()
    dsmp = patient.locator("[data-programme=dsmp]")
    expect(dsmp).to_have_attribute("data-fit", re.compile("good|possible"))
    expect(dsmp.locator(".app-reasons")).to_contain_text("There is a course in Turkish")
    expect(dsmp.locator(".app-reasons")).to_contain_text("There is an evening course starting on")


def test_the_uptake_dashboard_in_a_browser(open_page):
    page = open_page("/en/staff/uptake")
    sign_in(page, "commissioner@demo.invalid")
    expect(page.locator(".app-funnel")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "uptake.png"), full_page=True)


def test_a_commissioner_pauses_a_programme_in_a_browser_and_patients_are_told(open_page):
    """The facts page with the keyboard-and-label route a person takes, checked by axe."""
    page = open_page("/en/staff/directory/programmes/help-diabetes/facts")
    sign_in(page, "commissioner@demo.invalid")
    expect(page.get_by_role("heading", level=1)).to_have_text("Facts of help-diabetes")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    until = clock.today() + dt.timedelta(days=14)
    try:
        page.get_by_label("Paused: no new referrals until a date").check()
        page.get_by_label("Paused until (when paused)").fill(until.strftime("%d/%m/%Y"))
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".app-flash")).to_contain_text("Saved the facts of help-diabetes")
        expect(page.locator(".app-programme-state")).to_contain_text("Paused until")
        latest = page.locator(".app-history tbody tr").first
        expect(latest).to_contain_text("state")
        expect(latest).to_contain_text("paused_until")

        patient = open_page("/en/programmes/help-diabetes", javascript=False)
        expect(patient.locator(".app-paused")).to_have_text(
            f"This course is not taking anyone new until {format_date(until, 'd MMMM yyyy', locale='en')}."
        )
        expect(patient.get_by_role("link", name=re.compile("Sign up"))).to_have_count(0)
    finally:
        page.goto(page.url.split("/en/")[0] + "/en/staff/directory/programmes/help-diabetes/facts")
        page.get_by_label("Open: taking referrals").check()
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".app-programme-state")).to_contain_text("Open to referrals")
