"""The course provider's side, through the real app: its inbox (role ``provider``) and its
link to one referral (``/r/<token>``). Oracles: the codes in shared/reference/codes.md, the
state diagram in DESIGN.md (who may make each change), and what a provider may see (only
what it needs to contact and book the person)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from bs4 import BeautifulSoup
from sqlalchemy import select

from finder import clock
from finder.extensions import db
from finder.models import AuditEvent, CourseRun, Programme, ProviderLink, Referral, ReferralEvent
from tests.conftest import check_page, one
from tests.forms import hidden_fields
from tests.staff.conftest import csrf_token, referral, sign_in

# shared/reference/codes.md
DESMOND_REFERRAL = "306741000000104"
DECLINED = "306591000000103"
ATTENDED = "413597006"
COMPLETED = "755491000000100"


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return check_page(response.get_data(as_text=True))


def answer_form(client, path: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's answer form for ``action``."""
    found = page(client.get(path)).select_one(f"form.app-answer[data-action={action}]")
    assert found is not None, f"no {action} form on {path}"
    return hidden_fields(found)


def answer(client, path: str, action: str, **extra: str):
    data = {**answer_form(client, path, action), **extra}
    return client.post(path if path.startswith("/r/") else f"{path}/answer", data=data)


def events(app, reference: str) -> list[ReferralEvent]:
    return [e for e in referral(app, reference).events if e.kind == "status"]


def audit_rows(app, reference: str, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_ref == reference, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )


def a_run(app, slug: str = "desmond") -> CourseRun:
    with app.app_context():
        programme: Programme | None = db.session.scalar(select(Programme).filter_by(slug=slug))
        assert programme is not None, slug
        run = next(r for r in programme.runs if r.start_date >= clock.today())
        db.session.expunge(run)
        return run


def new_link(app, reference: str, by: str = "clinician") -> str:
    """A link made by the practice, as a clinician does it: the token read off the page."""
    client = sign_in(app.test_client(), by)
    token = csrf_token(client, f"/en/staff/referrals/{reference}")
    response = client.post(
        f"/en/staff/referrals/{reference}/provider-link", data={"csrf_token": token}
    )
    link = one(page(response), ".app-provider-link code").get_text(strip=True)
    assert "/r/" in link
    return "/r/" + link.rsplit("/r/", 1)[1]


# Isolation -----------------------------------------------------------------------------------


def test_a_provider_sees_the_referrals_to_its_programmes_from_every_practice_and_no_other(
    app, make_referral, signed_in
):
    ours_1 = make_referral(by="clinician", programme="desmond")
    ours_2 = make_referral(by="clinician2", programme="desmond")
    theirs = make_referral(by="clinician", programme="x-pert")
    desmond, xpert = signed_in("provider"), signed_in("provider_xpert")
    listed = {
        row["data-reference"]
        for row in page(desmond.get("/en/staff/inbox?view=new")).select("tr[data-reference]")
    }
    assert listed == {ours_1, ours_2}
    assert theirs not in listed
    assert desmond.get(f"/en/staff/inbox/{theirs}").status_code == 404
    denied = audit_rows(app, theirs, "referral.access")
    assert denied[-1].outcome == "denied"
    assert denied[-1].actor_role == "provider"
    assert xpert.get(f"/en/staff/inbox/{theirs}").status_code == 200
    assert xpert.get(f"/en/staff/inbox/{ours_1}").status_code == 404
    # Nor the practice's pages, nor another's answer.
    assert desmond.get(f"/en/staff/referrals/{ours_1}").status_code == 403
    assert desmond.get("/en/staff/follow-up").status_code == 403
    response = answer(xpert, f"/en/staff/inbox/{theirs}", "accepted")
    token = csrf_token(xpert, "/en/staff/inbox")
    assert (
        xpert.post(
            f"/en/staff/inbox/{ours_1}/answer", data={"csrf_token": token, "action": "accepted"}
        ).status_code
        == 404
    )
    assert response.status_code == 302
    assert referral(app, ours_1).status == "referred"


def test_a_provider_sees_only_what_it_needs_never_the_practice_notes_nor_the_audit(
    app, make_referral, signed_in
):
    ref = make_referral(
        programme="desmond",
        nhs_number="9995800004",
        name="Nadia Providerview",
        email="nadia@example.org",
        preferred_language="bn",
        interpreter_needed=True,
    )
    with app.app_context():
        found = db.session.scalar(select(Referral).filter_by(reference=ref))
        assert found is not None
        found.circumstances = {"diabetes": "type2", "reading": "spoken", "group_worry": "yes"}
        db.session.commit()
    clinician = signed_in("clinician")
    token = csrf_token(clinician, f"/en/staff/referrals/{ref}")
    clinician.post(
        f"/en/staff/referrals/{ref}/notes",
        data={"csrf_token": token, "text": "Practice-only note: lives with her son"},
    )
    shown = page(signed_in("provider").get(f"/en/staff/inbox/{ref}"))
    text = shown.get_text(" ", strip=True)
    for needed in ("Nadia Providerview", "020 7946 0123", "nadia@example.org", "Bengali"):
        assert needed in text, needed
    assert "I'd rather listen or talk" in text or "listen" in text  # reading: spoken
    for private in (
        "Practice-only note",
        "999 580 0004",
        "9995800004",
        "1 May 1960",  # date of birth
        "Who has seen or changed this referral",
        "group",  # a worry about groups is the practice's to know
    ):
        assert private not in text, private


# The provider's path, and who may make each change ----------------------------------------


def test_accept_book_attend_complete_each_coded_and_seen_by_the_practice_at_once(
    app, make_referral, signed_in
):
    ref = make_referral(programme="desmond")
    provider = signed_in("provider")
    path = f"/en/staff/inbox/{ref}"
    assert answer(provider, path, "accepted").status_code == 302
    run = a_run(app)
    assert answer(provider, path, "booked", run=str(run.id)).status_code == 302
    answer(provider, path, "attended")
    answer(provider, path, "completed")
    history = events(app, ref)
    assert [(e.from_status, e.to_status, e.snomed_code) for e in history] == [
        (None, "referred", DESMOND_REFERRAL),
        ("referred", "accepted", DESMOND_REFERRAL),  # still a referral, for the NDA
        ("accepted", "booked", None),
        ("booked", "attended", ATTENDED),
        ("attended", "completed", COMPLETED),
    ]
    assert all(e.actor_role == "provider" and e.actor_id for e in history[1:])
    done = referral(app, ref)
    assert done.course_run_id == run.id
    assert done.provider_answered_at == history[1].at
    assert done.accepted_at
    assert done.booked_at
    assert done.attended_at
    assert done.completed_at
    practice_view = page(signed_in("clinician").get(f"/en/staff/referrals/{ref}"))
    assert one(practice_view, ".nhsuk-tag")["data-status"] == "completed"
    answered = practice_view.get_text(" ", strip=True)
    assert f"First answered by the course team {history[1].at:%-d %b %Y %H:%M} UTC" in answered


def test_a_provider_declines_with_a_reason_from_the_list_only(app, make_referral, signed_in):
    ref = make_referral(programme="desmond")
    provider = signed_in("provider")
    path = f"/en/staff/inbox/{ref}"
    answer(provider, path, "declined")  # no reason
    answer(provider, path, "declined", reason="because")  # not on the list
    assert referral(app, ref).status == "referred"
    notice = page(provider.get(path)).select_one(".app-flash")
    answer(provider, path, "declined", reason="out_of_area")
    last = events(app, ref)[-1]
    assert (last.to_status, last.snomed_code, last.actor_role) == ("declined", DECLINED, "provider")
    assert last.reason == "The person lives outside the area we cover"
    assert notice is None or "Nothing was changed" in notice.get_text()
    assert audit_rows(app, ref, "referral.status")[-1].detail["decline_reason"] == "out_of_area"


def test_the_practice_cannot_accept_and_the_provider_cannot_withdraw(app, make_referral, signed_in):
    ref = make_referral(programme="desmond")
    clinician = signed_in("clinician")
    choices = {
        o["value"]
        for o in page(clinician.get(f"/en/staff/referrals/{ref}")).select("#status option")
    }
    assert "accepted" not in choices
    assert "booked" in choices
    token = csrf_token(clinician, f"/en/staff/referrals/{ref}")
    clinician.post(
        f"/en/staff/referrals/{ref}/status", data={"csrf_token": token, "status": "accepted"}
    )
    provider = signed_in("provider")
    token = csrf_token(provider, "/en/staff/inbox")
    for action in ("withdrawn", "unsuitable", "completed", "referred"):
        provider.post(f"/en/staff/inbox/{ref}/answer", data={"csrf_token": token, "action": action})
    assert [e.to_status for e in events(app, ref)] == ["referred"]


def test_a_run_of_another_programme_cannot_be_booked(app, make_referral, signed_in):
    ref = make_referral(programme="desmond")
    provider = signed_in("provider")
    other = a_run(app, "x-pert")
    answer(provider, f"/en/staff/inbox/{ref}", "booked", run=str(other.id))
    assert referral(app, ref).status == "referred"


# The link ----------------------------------------------------------------------------------


def test_a_link_opens_one_referral_without_signing_in_and_every_use_is_audited(app, make_referral):
    ref = make_referral(programme="desmond")
    link = new_link(app, ref)
    token = link.removeprefix("/r/")
    with app.app_context():
        stored = db.session.scalars(
            select(ProviderLink).join(Referral).where(Referral.reference == ref)
        ).all()
        # Only the hash of the token is kept.
        assert hashlib.sha256(token.encode()).hexdigest() in {s.token_hash for s in stored}
        assert all(token not in s.token_hash for s in stored)
    anyone = app.test_client()
    response = anyone.get(link)
    assert response.headers["Cache-Control"] == "no-store"
    assert one(page(response), "h1").get_text(strip=True) == f"Referral {ref}"
    anyone.get(link)  # a second use: audited too
    opened = audit_rows(app, ref, "provider_link.open")
    assert len(opened) == 2
    assert all(
        (a.actor_role, a.actor_id, a.outcome, a.detail.get("via"))
        == ("provider", None, "ok", "link")
        for a in opened
    )
    assert answer(anyone, link, "accepted").status_code == 302
    accepted = events(app, ref)[-1]
    assert (accepted.to_status, accepted.actor_role, accepted.actor_id, accepted.channel) == (
        "accepted",
        "provider",
        None,
        "link",
    )
    assert audit_rows(app, ref, "referral.status")[-1].detail["via"] == "link"
    run = a_run(app)
    answer(anyone, link, "booked", run=str(run.id))
    assert referral(app, ref).status == "booked"
    # The practice sees when it was opened and answered.
    clinician = sign_in(app.test_client(), "clinician")
    seen = page(clinician.get(f"/en/staff/referrals/{ref}")).get_text(" ", strip=True)
    assert "First opened by the course team Not yet" not in seen
    assert "First answered by the course team Not yet" not in seen
    assert "the course team, by its link" in seen


def test_a_wrong_token_opens_nothing_and_is_audited(app):
    client = app.test_client()
    with app.app_context():
        before = db.session.scalar(
            select(db.func.count()).where(
                AuditEvent.action == "provider_link.open", AuditEvent.outcome == "denied"
            )
        )
    assert before is not None
    response = client.get("/r/" + "x" * 43)
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    assert client.post("/r/nothing", data={"action": "accepted"}).status_code in (400, 404)
    with app.app_context():
        after = db.session.scalar(
            select(db.func.count()).where(
                AuditEvent.action == "provider_link.open", AuditEvent.outcome == "denied"
            )
        )
    assert after == before + 1


def test_a_link_expires_after_its_days(app, make_referral):
    ref = make_referral(programme="desmond")
    link = new_link(app, ref)
    client = app.test_client()
    with time_machine.travel(clock.now() + dt.timedelta(days=29, hours=23), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(clock.now() + dt.timedelta(days=30, minutes=1), tick=False):
        response = client.get(link)
        assert response.status_code == 410
        assert "expired or has been withdrawn" in response.get_data(as_text=True)
    assert audit_rows(app, ref, "provider_link.open")[-1].detail["why"] == "expired"


def test_a_commissioner_revokes_a_link_and_a_new_link_replaces_the_old(
    app, make_referral, signed_in
):
    ref = make_referral(programme="desmond")
    first = new_link(app, ref)
    second = new_link(app, ref)
    client = app.test_client()
    assert client.get(first).status_code == 410  # replaced
    assert client.get(second).status_code == 200
    commissioner = signed_in("commissioner")
    listed = page(commissioner.get("/en/staff/provider-links"))
    rows = listed.select(f"tr[data-reference={ref}]")
    usable = [r for r in rows if r.select_one("form")]
    assert len(usable) == 1
    form = one(usable[0], "form")
    token = one(form, "input[name=csrf_token]")["value"]
    assert commissioner.post(form["action"], data={"csrf_token": token}).status_code == 302
    assert client.get(second).status_code == 410
    assert answer_form_missing(client, second)
    assert audit_rows(app, ref, "provider_link.revoke")[-1].actor_role == "commissioner"
    assert audit_rows(app, ref, "provider_link.open")[-1].detail["why"] == "revoked"


def answer_form_missing(client, link: str) -> bool:
    return "app-answer" not in client.get(link).get_data(as_text=True)


@pytest.mark.parametrize("who", ["clinician", "support", "admin", "provider"])
def test_only_a_commissioner_revokes(app, signed_in, who):
    assert signed_in(who).get("/en/staff/provider-links").status_code == 403


def worklist_reasons(client, reference: str) -> str | None:
    item = page(client.get("/en/staff/follow-up")).select_one(
        f".app-work-item[data-reference={reference}]"
    )
    return str(item["data-reasons"]) if item else None


def test_the_providers_answer_moves_the_practices_worklist_at_once(app, make_referral, signed_in):
    with time_machine.travel(clock.now() - dt.timedelta(days=20), tick=False):
        waiting = make_referral(programme="desmond")
        accepted = make_referral(programme="desmond")
        provider = signed_in("provider")
        answer(provider, f"/en/staff/inbox/{accepted}", "accepted")
    clinician = signed_in("clinician")
    # Not booked 14 days after the referral, or after the course team accepted it.
    assert worklist_reasons(clinician, waiting) == "not_booked"
    assert worklist_reasons(clinician, accepted) == "not_booked"
    provider = signed_in("provider")
    answer(provider, f"/en/staff/inbox/{waiting}", "booked", run=str(a_run(app).id))
    answer(provider, f"/en/staff/inbox/{accepted}", "declined", reason="could_not_contact")
    assert worklist_reasons(clinician, waiting) is None
    assert worklist_reasons(clinician, accepted) is None
