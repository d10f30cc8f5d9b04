"""Error pages never need the database (finder/errors.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import check_page


@pytest.mark.parametrize("endpoint", ["staff.referral", "staff.referrals"])
def test_a_database_error_while_signed_in_gets_the_nhs_error_page(app, make_referral, endpoint):
    """The query fails after the page has written its audit row (so the signed-in user's
    details are expired): the error page must still not need the database."""
    from finder import directory
    from finder.extensions import db
    from finder.referrals import queries
    from tests.staff.conftest import sign_in

    ref = make_referral()
    client = sign_in(app.test_client(), "clinician")
    url = {"staff.referral": f"/en/staff/referrals/{ref}", "staff.referrals": "/en/staff/referrals"}
    broken = "SELECT no_such_column FROM no_such_table"

    def fail(*_args, **_kwargs):
        db.session.execute(text(broken))

    module, name = (
        (queries, "audit_history")
        if endpoint == "staff.referral"
        else (directory, "shown_programmes")
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, name, fail)
        response = client.get(url[endpoint])
    assert response.status_code in (500, 503), response.status_code
    assert response.mimetype == "text/html"
    page = check_page(response.get_data(as_text=True))
    assert response.headers["X-Request-Id"] in page.get_text()
    assert "'sha256-" in response.headers["Content-Security-Policy"]
    assert page.select_one(".nhsuk-header"), "the NHS.UK page, not the server's bare 500"
