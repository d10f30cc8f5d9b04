"""A receptionist's week, through the real app and only what the pages offer: find a patient
by the reference they read out over the phone, fix their number, book a course date, log three
calls, record attendance for the run (attended, then completed later for the whole run).

Each step's page time is printed (``-s``) for the closing note; nothing asserts a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup
from werkzeug.test import TestResponse

from tests.conftest import check_page, one
from tests.forms import form_values
from tests.staff.conftest import csrf_token, referral, unique_surname

STEPS: list[tuple[str, float]] = []


def step(label: str, call: Callable[..., TestResponse], *args: Any, **kwargs: Any) -> TestResponse:
    started = time.perf_counter()
    response = call(*args, **kwargs)
    STEPS.append((label, (time.perf_counter() - started) * 1000))
    assert response.status_code in (200, 302), (label, response.status_code)
    return response


def page(client, path, label):
    response = step(label, client.get, path)
    assert response.status_code == 200
    return check_page(response.get_data(as_text=True))


def submit(client, soup: BeautifulSoup, selector: str, label: str, **fields):
    """Submit a form as the browser would: its own fields, then what was typed or chosen."""
    form = soup.select_one(selector)
    assert form is not None, selector
    data = form_values(form)
    data.update(fields)
    return step(label, client.post, form["action"], data=data)


def history(client, ref) -> str:
    soup = check_page(client.get(f"/en/staff/referrals/{ref}").get_data(as_text=True))
    return " ".join(one(soup, ".app-timeline").get_text(" ").split())


def card(client, ref):
    soup = page(client, "/en/staff/follow-up", "follow-up list")
    return soup.select_one(f"#card-{ref}")


def test_a_receptionists_week(app, signed_in, make_referral):
    STEPS.clear()
    surname = unique_surname()
    ref = make_referral(by="support", name=f"Grace {surname}", phone="020 7946 0111")
    other = make_referral(by="support", name=f"Henry {surname}")
    client = signed_in("support")

    # Monday. Grace rings and reads her reference out: "d e, a b c d, 2 3 4 5".
    home = page(client, "/en/staff/", "home")
    heard = ref.replace("-", " ").lower()
    results = page(client, f"{home.select_one('header form')['action']}?q={heard}", "search")
    rows = results.select("tr[data-reference]")
    assert [r["data-reference"] for r in rows] == [ref]
    record = page(client, rows[0].select_one("a")["href"], "referral page")

    # Her phone number was wrong: fix it, with a reason.
    correct = page(client, record.find("a", string="Correct their details")["href"], "details")
    assert correct.select_one("input[name=phone]")["value"] == "020 7946 0111"
    saved = submit(
        client,
        correct,
        "main form",
        "save details",
        phone="020 7946 0999",
        reason="She gave a new number on the phone",
    )
    assert saved.location.endswith(f"/referrals/{ref}")
    assert "Phone: 020 7946 0111 → +442079460999" in history(client, ref)

    # She books a date: the first course date offered.
    record = page(client, f"/en/staff/referrals/{ref}", "referral page")
    choice = record.select("form.app-course-run select option[value!='']")[0]
    submit(client, record, "form.app-course-run", "save course date", course_run=choice["value"])
    booked = referral(app, ref)
    assert booked.status == "booked"
    assert str(booked.course_run_id) == choice["value"]
    assert "Course date: – →" in history(client, ref)

    # Tuesday to Thursday: three calls to Henry, each on his card at once.
    for outcome, shown in (
        ("no_answer", "No answer"),
        ("left_message", "Left a message"),
    ):
        worklist_page = page(client, "/en/staff/follow-up", "follow-up list")
        form = worklist_page.select_one(f"#card-{other} form.app-contact")
        if form is None:  # not on the list yet: the first call is logged from the record
            token = csrf_token(client, "/en/staff/")
            step(
                "log a call",
                client.post,
                f"/en/staff/referrals/{other}/contact",
                data={"csrf_token": token, "channel": "phone", "outcome": outcome},
            )
        else:
            submit(client, worklist_page, f"#card-{other} form.app-contact", "log a call",
                   outcome=outcome)  # fmt: skip
        last = card(client, other).select_one("[data-field=last-contact]").get_text(" ")
        assert f"Phone: {shown}" in " ".join(last.split())
        assert "by Demo Receptionist" in last
    # Call back on a chosen day.
    worklist_page = page(client, "/en/staff/follow-up", "follow-up list")
    submit(client, worklist_page, f"#card-{other} form.app-next-action", "save next action",
           next_action_on="04/03/2030")  # fmt: skip
    assert "4 Mar 2030" in card(client, other).select_one("[data-field=next-action]").text
    worklist_page = page(client, "/en/staff/follow-up", "follow-up list")
    submit(client, worklist_page, f"#card-{other} form.app-contact", "log a call",
           outcome="reached")  # fmt: skip
    assert card(client, other) is None  # spoke to him: nothing left to follow up
    calls = [e.outcome for e in referral(app, other).events if e.kind == "contact"]
    assert calls == ["no_answer", "left_message", "reached"]

    # Friday: the provider's list for Grace's run. Everyone booked on it is listed.
    run_id = str(booked.course_run_id)
    attendance = page(client, f"/en/staff/attendance?run={run_id}", "attendance")
    listed = {r["data-reference"] for r in attendance.select("tr[data-reference]")}
    assert ref in listed
    submit(client, attendance, "main form[method=post]", "save attendance",
           **{"outcome-all": "attended"})  # fmt: skip
    assert referral(app, ref).status == "attended"
    # Weeks later: completed, for the whole run in one save.
    attendance = page(client, f"/en/staff/attendance?run={run_id}", "attendance")
    assert ref in {r["data-reference"] for r in attendance.select("tr[data-reference]")}
    submit(client, attendance, "main form[method=post]", "save attendance",
           **{"outcome-all": "completed"})  # fmt: skip
    done = referral(app, ref)
    assert done.status == "completed"
    assert [e.to_status for e in done.events if e.kind == "status"][-3:] == [
        "booked",
        "attended",
        "completed",
    ]
    print("\nreceptionist's week, page times (ms):")
    for label, ms in STEPS:
        print(f"  {label}: {ms:.0f}")
