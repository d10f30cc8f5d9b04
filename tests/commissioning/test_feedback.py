"""Graduate feedback: no personal data asked; shown only once a commissioner approves it."""

from __future__ import annotations

import itertools

from bs4 import BeautifulSoup

from tests.conftest import check_page, one
from tests.staff.conftest import csrf_token, sign_in

ADDRESSES = itertools.count(1)


def patient(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"203.0.113.{next(ADDRESSES)}"
    return client


def give(client, slug, **data):
    path = f"/bn/feedback/{slug}"
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_the_form_asks_for_no_personal_data(fetch):
    soup = fetch("/en/feedback/dsmp")
    names = {i["name"] for i in soup.select("form [name]")}
    assert names == {"csrf_token", "submission", "rating", "comment"}


def test_bad_feedback_is_named_and_not_stored(app):
    client = patient(app)
    soup = check_page(give(client, "dsmp", rating="9", comment="x" * 501).get_data(as_text=True))
    links = soup.select(".nhsuk-error-summary a")
    assert [a["href"] for a in links] == ["#rating", "#comment"]
    assert one(soup, "textarea").get_text() == "x" * 501, "what was typed is kept"


def test_feedback_is_shown_only_after_approval_with_a_count_and_average(app):
    client = patient(app)
    assert give(client, "dsmp", rating="5", comment="খুব ভালো কোর্স <b>!</b>").status_code == 302
    assert give(client, "dsmp", rating="3", comment="").status_code == 302
    programme_page = "/en/programmes/dsmp"
    assert "খুব ভালো কোর্স" not in app.test_client().get(programme_page).get_data(as_text=True)

    commissioner = sign_in(app.test_client(), "commissioner")
    soup = BeautifulSoup(commissioner.get("/en/staff/feedback").data, "html5lib")
    pending = [
        s
        for s in soup.select("[data-feedback][data-status=pending]")
        if "খুব ভালো" in s.get_text() or "3 out of 5" in s.get_text()
    ]
    assert len(pending) >= 2
    token = csrf_token(commissioner, "/en/staff/")
    for section in pending:
        commissioner.post(
            f"/en/staff/feedback/{section['data-feedback']}",
            data={"decision": "approved", "csrf_token": token},
        )

    shown = check_page(app.test_client().get(programme_page).get_data(as_text=True))
    quote = one(shown, ".app-quote p")
    assert quote["lang"] == "bn"
    assert "খুব ভালো কোর্স <b>!</b>" in quote.get_text()
    assert "<b>!</b>" not in str(quote), "comments are escaped"
    summary = one(shown, ".app-reviews-summary").get_text()
    assert "rated this course" in summary
    assert "out of 5" in summary
    explainer = app.test_client().get("/en/programmes/dsmp/explainer").get_data(as_text=True)
    assert "খুব ভালো কোর্স" in explainer


def test_rejected_feedback_is_never_shown(app):
    client = patient(app)
    give(client, "x-pert", rating="1", comment="Rejected words here")
    commissioner = sign_in(app.test_client(), "commissioner")
    soup = BeautifulSoup(commissioner.get("/en/staff/feedback").data, "html5lib")
    item = next(s for s in soup.select("[data-feedback]") if "Rejected words here" in s.get_text())
    commissioner.post(
        f"/en/staff/feedback/{item['data-feedback']}",
        data={"decision": "rejected", "csrf_token": csrf_token(commissioner, "/en/staff/")},
    )
    assert "Rejected words here" not in app.test_client().get("/en/programmes/x-pert").get_data(
        as_text=True
    )
