"""Responsiveness (how soon each course provider answers) against hand-computed figures, on a
database of its own: the uptake dashboard's per-provider rows, with small numbers hidden
across practices; the clinician's programme card; and what the patient is told."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from finder.extensions import db
from finder.models import Patient, Practice, Programme, Referral, User
from finder.referrals.operations import new_reference
from tests.conftest import check_page, migrated_app, own_database
from tests.staff.conftest import sign_in

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# (programme, days to the provider's first answer or None, accepted, days to booking or None,
#  contact method)
Case = tuple[str, int | None, bool, int | None, str]
DESMOND: list[Case] = (
    [("desmond", d, True, 10, "phone") for d in (1, 1, 2, 2, 3, 3)]  # booked within 14 days
    + [("desmond", d, True, 20 if d == 4 else None, "phone") for d in (4, 5)]
    + [("desmond", d, False, None, "phone") for d in (6, 8)]  # declined
    + [("desmond", None, False, None, "email")] * 2  # not answered yet
)
XPERT: list[Case] = [("x-pert", 1, True, None, "phone"), ("x-pert", 2, True, None, "phone")]
XPERT += [("x-pert", None, False, None, "phone")]
ONLINE_AND_DSMP: list[Case] = [
    ("help-diabetes", None, False, None, "phone"),
    ("dsmp", None, False, None, "letter"),
]


@pytest.fixture(scope="module")
def figures_app(tmp_path_factory):
    app = migrated_app(own_database("responsiveness", tmp_path_factory))
    with app.app_context():
        practice = db.session.scalar(select(Practice).filter_by(code="DEMO01"))
        programmes = {p.slug: p for p in db.session.scalars(select(Programme))}
        for i, (slug, answered, accepted, booked, how) in enumerate(
            DESMOND + XPERT + ONLINE_AND_DSMP
        ):
            created = NOW - dt.timedelta(days=40, minutes=i)
            day = dt.timedelta(days=1)
            answered_at = created + answered * day if answered else None
            db.session.add(
                Referral(
                    reference=new_reference(),
                    patient=Patient(
                        practice=practice,
                        name=f"Answered Person {i}",
                        date_of_birth=dt.date(1960, 1, 1),
                        phone="020 7946 0111",
                        email="answered@example.org",
                        preferred_language="en",
                        contact_method=how,
                    ),
                    practice=practice,
                    programme=programmes[slug],
                    circumstances={},
                    status="booked" if booked else "accepted" if accepted else "referred",
                    created_at=created,
                    status_changed_at=created,
                    provider_answered_at=answered_at,
                    accepted_at=answered_at if accepted else None,
                    booked_at=created + booked * day if booked else None,
                )
            )
        # Whittington's course team has no account that can sign in: it gets no referrals.
        db.session.execute(
            update(User).where(User.email == "provider-dsmp@demo.invalid").values(active=False)
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def provider_rows(client):
    soup = check_page(client.get("/en/staff/uptake").get_data(as_text=True))
    return {
        row["data-provider"]: {
            cell["data-figure"]: cell.get_text(strip=True) for cell in row.select("td")
        }
        for row in soup.select(".app-responsiveness tr[data-provider]")
    }


def test_the_commissioner_sees_each_providers_responsiveness_small_numbers_hidden(figures_app):
    rows = provider_rows(sign_in(figures_app.test_client(), "commissioner"))
    # DESMOND: 12 referred; answered after 1,1,2,2,3,3,4,5,6,8 days -> median (3+3)/2 = 3;
    # answered 10/12 = 83%; accepted 8/12 = 67%; booked within 14 days 6/12 = 50%.
    assert rows["leicester-diabetes-centre"] == {
        "median_days": "3",
        "answered": "83%",
        "accepted": "67%",
        "booked_within": "50%",
    }
    # X-PERT: 3 referred, 2 answered: every figure rests on fewer than 5.
    assert rows["x-pert-health"] == dict.fromkeys(
        ("median_days", "answered", "accepted", "booked_within"), "–"
    )


def test_the_practice_sees_its_own_figures_in_full(figures_app):
    rows = provider_rows(sign_in(figures_app.test_client(), "clinician"))
    # X-PERT at the practice: answered after 1 and 2 days -> median 1.5 (shown "2");
    # answered 2/3 = 67%, accepted 2/3 = 67%, booked within 14 days 0/3 = 0%.
    assert rows["x-pert-health"] == {
        "median_days": "2",
        "answered": "67%",
        "accepted": "67%",
        "booked_within": "0%",
    }


def card_days(client, programme: str) -> str | None:
    soup = check_page(client.get("/en/staff/consult?diabetes=type2").get_data(as_text=True))
    guide = soup.select_one(f"[data-guide-for={programme}]")
    line = guide.select_one("[data-answer-days]") if guide else None
    return line.get_text(strip=True) if line else None


def test_a_programme_card_says_how_soon_the_course_team_answers_once_there_is_enough(
    figures_app,
):
    client = sign_in(figures_app.test_client(), "clinician")
    # DESMOND: 10 answered (the threshold), median 3 days. X-PERT: only 2 answered.
    assert card_days(client, "desmond") == (
        "The course team usually answers a referral within 3 days."
    )
    assert card_days(client, "x-pert") is None


def handout_next_steps(client, reference: str) -> str:
    soup = check_page(client.get(f"/en/staff/handout?ref={reference}").get_data(as_text=True))
    heading = next(h for h in soup.select("h3") if h.get_text(strip=True) == "What happens next")
    texts = []
    for sibling in heading.find_next_siblings():
        if sibling.name != "p" or "app-handout__qr" in (sibling.get("class") or []):
            break
        texts.append(sibling.get_text(" ", strip=True))
    return " ".join(" ".join(texts).split())


def reference_of(app, programme: str, how: str) -> str:
    with app.app_context():
        reference = db.session.scalar(
            select(Referral.reference)
            .join(Referral.programme)
            .join(Referral.patient)
            .where(Programme.slug == programme, Patient.contact_method == how)
            .limit(1)
        )
        assert reference is not None, (programme, how)
        return reference


def test_the_patient_is_told_who_will_contact_them_how_and_by_when(figures_app):
    client = sign_in(figures_app.test_client(), "clinician")
    said = handout_next_steps(client, reference_of(figures_app, "desmond", "email"))
    assert re.fullmatch(
        r"The DESMOND team has your referral\. They will email you to book a place\. "
        r"They usually reply within 3 days\. "
        r"If you have not heard from them by \w+ \d+ \w+, call your GP practice\.",
        said,
    ), said
    # X-PERT's team gets it, but has no figures yet.
    said = handout_next_steps(client, reference_of(figures_app, "x-pert", "phone"))
    assert said.startswith("The X-PERT Programme team has your referral. They will phone you")
    assert "usually" not in said
    # The Whittington team has no inbox, but its referral contact is emailed each link.
    dsmp = reference_of(figures_app, "dsmp", "letter")
    said = handout_next_steps(client, dsmp)
    assert said.startswith("The Diabetes Self-Management Programme team has your referral.")
    # With only a phone number for it, nothing reaches it: the practice will be in touch.
    with figures_app.app_context():
        programme = db.session.scalar(select(Programme).filter_by(slug="dsmp"))
        assert programme is not None
        contact, programme.referral_contact = programme.referral_contact, "020 7946 0999"
        db.session.commit()
    try:
        said = handout_next_steps(client, dsmp)
    finally:
        with figures_app.app_context():
            programme = db.session.scalar(select(Programme).filter_by(slug="dsmp"))
            assert programme is not None
            programme.referral_contact = contact
            db.session.commit()
    assert said.startswith(
        "Your GP practice has your referral. They will send you a letter to book a place."
    )
    # An online course needs no booking.
    said = handout_next_steps(client, reference_of(figures_app, "help-diabetes", "phone"))
    assert said.startswith("Nobody will contact you to book a place.")
