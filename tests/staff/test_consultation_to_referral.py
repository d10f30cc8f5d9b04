"""Consultation to referral in one go: what was answered fills the referral form, and the
referral page shows the answers it was made with and a way back to the options they give."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.conftest import check_page
from tests.staff.conftest import unique_surname


def test_the_answers_fill_the_form_and_stay_on_the_referral(signed_in):
    client = signed_in("clinician")
    consult = check_page(
        client.get(
            "/en/staff/consult?diabetes=type2&companion=yes&language=bn&daytime=no"
        ).get_data(as_text=True)
    )
    refer = consult.select_one("[data-guide-for=desmond] a[href*='/referrals/new']")["href"]
    blank = check_page(client.get(refer).get_data(as_text=True))
    runs = [o["value"] for o in blank.select("select[name=course_run] option") if o["value"]]
    assert runs, "DESMOND has a course date to choose"
    form = check_page(client.get(f"{refer}&run={runs[-1]}").get_data(as_text=True))
    assert form.select_one("select[name=preferred_language] option[selected]")["value"] == "bn"
    assert form.select_one("input[name=companion_coming]").has_attr("checked")
    assert form.select_one("select[name=course_run] option[selected]")["value"] == runs[-1]

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
    made = client.post(form.select_one("main form")["action"], data=data)
    assert made.status_code == 302
    page = check_page(client.get(made.location).get_data(as_text=True))
    answers = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
        for row in page.select(".app-circumstances .nhsuk-summary-list__row")
    }
    assert answers["Which type of diabetes do you have?"] == "Type 2 diabetes"
    assert answers["Would you like to bring a relative, friend or carer with you?"] == "Yes"
    back = page.find("a", string=lambda s: s and s.startswith("See the options"))["href"]
    assert parse_qs(urlsplit(back).query) == {
        "diabetes": ["type2"],
        "daytime": ["no"],
        "language": ["bn"],
        "companion": ["yes"],
    }
