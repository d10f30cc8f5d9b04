"""An invited person on an old phone (360 px, no JavaScript) who reads Bengali: the personal
link from the practice's text message opens the finder in Bengali, and the self-referral made
after it is attached to their place on the practice register (QOF DM014 counts it)."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from playwright.sync_api import expect
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import Invitation, Practice, Referral, RegisterEntry
from finder.register.invitations import token_hash
from tests.staff.conftest import new_nhs_number, unique_surname

PHONE = {"viewport": {"width": 360, "height": 640}}


def invited(app, language: str) -> tuple[str, int, str]:
    """Someone newly on Riverside's register, sent invitation 1: the personal link's path,
    the register entry's id and the person's name."""
    name = f"Rahima {unique_surname()}"
    with app.app_context():
        practice = db.session.scalar(select(Practice).filter_by(code="DEMO01"))
        assert practice is not None
        entry = RegisterEntry(
            practice_id=practice.id,
            nhs_number=new_nhs_number(),
            name=name,
            date_of_birth=dt.date(1961, 9, 2),
            diagnosis_date=clock.today() - dt.timedelta(days=60),
            preferred_language=language,
            interpreter_needed=False,
            imported_at=clock.now(),
        )
        db.session.add(entry)
        db.session.flush()
        token = secrets.token_urlsafe(12)
        db.session.add(
            Invitation(
                register_entry_id=entry.id,
                practice_id=practice.id,
                number=1,
                token_hash=token_hash(token),
                channel="sms",
                created_at=clock.now(),
                expires_at=clock.now() + dt.timedelta(days=90),
            )
        )
        db.session.commit()
        return f"/{language}/my/{token}", entry.id, name


def test_an_invited_person_refers_themselves_in_bengali_without_javascript(app, open_page):
    link, entry_id, name = invited(app, "bn")
    page = open_page(link, javascript=False, **PHONE)
    expect(page).to_have_url(re.compile(r"/bn/find/diabetes\?language=bn$"))
    expect(page.locator("html")).to_have_attribute("lang", "bn")
    # Their answers, as they would give them: type 2; then the menu.
    page.goto(page.url.split("/bn/")[0] + "/bn/results?diabetes=type2&language=bn")
    card = page.locator("li.app-option[data-programme='x-pert']")
    card.locator("a[href*='/self-refer/x-pert']").click()
    # The practice knows who they are: the form asks for nothing the register holds.
    expect(page.locator("input[name=name]")).to_have_count(0)
    expect(page.locator("input[name=nhs_number]")).to_have_count(0)
    assert name not in page.content()  # the link may have been forwarded
    page.locator("input[name=consent]").check()
    page.locator("main form[method=post] button[type=submit]").click()
    reference = page.locator(".app-reference").inner_text().strip()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with app.app_context():
        referral = db.session.scalar(select(Referral).filter_by(reference=reference))
        invitation = db.session.scalar(select(Invitation).filter_by(register_entry_id=entry_id))
        assert referral is not None
        assert invitation is not None
        assert invitation.referral_id == referral.id
        assert referral.patient.name == name
        assert referral.patient.preferred_language == "bn"
        assert referral.self_referral
