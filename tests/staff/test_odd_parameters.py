"""Odd query values and ids in URLs: an empty result, a message or a 404, never a server error."""

from __future__ import annotations

import pytest

from tests.conftest import check_page
from tests.staff.conftest import csrf_token

ODD_FILTERS = {
    "page": ["99999999999999999999", "-5", "0", "1e9", "", "x", "٣"],
    "since": ["9999-12-31", "0001-01-01", "2026-02-30", "x", "99999-01-01"],
    "until": ["9999-12-31", "0001-01-01", "", "2026-13-01"],
    "programme": ["p" * 300, "desmond", "' OR 1=1 --", "nope"],
    "status": ["bogus", "s" * 300, "referred"],
    "overdue": ["1", "yes", "9" * 40],
}


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in ODD_FILTERS.items() for value in values]
)
def test_odd_referral_filters_never_give_a_server_error(signed_in, name, value):
    response = signed_in("clinician").get("/en/staff/referrals", query_string={name: value})
    assert response.status_code == 200, (name, value, response.status_code)
    check_page(response.get_data(as_text=True))


def test_odd_filters_together_give_an_empty_page_not_an_error(signed_in):
    response = signed_in("clinician").get(
        "/en/staff/referrals",
        query_string={
            "page": "99999999999999999999",
            "since": "9999-12-31",
            "until": "0001-01-01",
            "programme": "p" * 300,
            "status": "bogus",
        },
    )
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    assert not page.select("[data-reference]")


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("commissioner", "get", "/en/staff/directory/runs/99999999999999999999999"),
        ("commissioner", "get", "/en/staff/directory/runs/2147483648"),
        ("commissioner", "post", "/en/staff/directory/runs/99999999999999999999999/delete"),
        ("commissioner", "post", "/en/staff/feedback/99999999999999999999999"),
    ],
)
def test_ids_too_big_for_the_database_are_not_found(signed_in, role, method, path):
    client = signed_in(role)
    if method == "post":
        token = csrf_token(client, "/en/staff/directory/")
        response = client.post(path, data={"csrf_token": token, "decision": "approved"})
    else:
        response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
