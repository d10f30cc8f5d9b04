"""A commissioner adds an evening course run, and a patient's results change."""

from __future__ import annotations

import datetime as dt
import re

import pytest
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
