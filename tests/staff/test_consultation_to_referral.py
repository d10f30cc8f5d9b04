"""Consultation to referral in one go: what was answered fills the referral form, and the
referral page shows the answers it was made with and a way back to the options they give."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import Tag

from tests.conftest import check_page, one
from tests.staff.conftest import unique_surname


def test_the_answers_fill_the_form_and_stay_on_the_referral(signed_in):
    client = signed_in("clinician")
    consult = check_page(
        client.get(
            "/en/staff/consult?diabetes=type2&companion=yes&language=bn&daytime=no"
        ).get_data(as_text=True)
    )
    refer = str(one(consult, "[data-guide-for=desmond] a[href*='/referrals/new']")["href"])
    blank = check_page(client.get(refer).get_data(as_text=True))
    runs = [o["value"] for o in blank.select("select[name=course_run] option") if o["value"]]
    assert runs, "DESMOND has a course date to choose"
    form = check_page(client.get(f"{refer}&run={runs[-1]}").get_data(as_text=True))
    assert one(form, "select[name=preferred_language] option[selected]")["value"] == "bn"
    assert one(form, "input[name=companion_coming]").has_attr("checked")
    assert one(form, "select[name=course_run] option[selected]")["value"] == runs[-1]

    data = {
        el["name"]: el.get("value", "")
        for el in form.select("main form input[name]")
        if el.get("type") not in ("checkbox", "radio")
    }
    data.update(
        name=f"Rahima {unique_surname()}",
        date_of_birth="02/02/1962",
        phone="020 7946 0555",
        preferred_language="bn",
        contact_method="phone",
        companion_coming="y",
        course_run=runs[-1],
    )
    made = client.post(one(form, "main form")["action"], data=data)
    assert made.status_code == 302
    page = check_page(client.get(made.location).get_data(as_text=True))
    answers = {
        one(row, "dt").get_text(strip=True): one(row, "dd").get_text(strip=True)
        for row in page.select(".app-circumstances .nhsuk-summary-list__row")
    }
    assert answers["Which type of diabetes do you have?"] == "Type 2 diabetes"
    assert answers["Would you like to bring a relative, friend or carer with you?"] == "Yes"
    link = page.find("a", string=lambda s: s is not None and s.startswith("See the options"))
    assert isinstance(link, Tag), "a link back to the options"
    assert parse_qs(urlsplit(str(link["href"])).query) == {
        "diabetes": ["type2"],
        "daytime": ["no"],
        "language": ["bn"],
        "companion": ["yes"],
    }
