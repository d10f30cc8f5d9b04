"""S18: the log check (the autouse fixture ``app_logs`` in conftest.py) sees what it must."""

from __future__ import annotations

import json

from tests.conftest import personal_data_in


def test_the_check_finds_each_kind_of_personal_data():
    def line(message: str) -> str:
        return json.dumps({"message": message, "request_id": "0123456789"})

    assert personal_data_in([line("seen 943 476 5919")]) == ["NHS number"]
    assert personal_data_in([line("to pat@example.org")]) == ["email"]
    assert personal_data_in([line("rang 07700 900123")]) == ["phone"]
    assert personal_data_in([line("GET /en/results?diabetes=type2")]) == ["query string"]
    assert personal_data_in([line("referral DE-2345-6789 viewed")]) == []


def test_an_error_on_a_page_of_personal_data_logs_none_of_it(app, app_logs, make_referral):
    import pytest

    from finder.referrals import queries
    from tests.staff.conftest import sign_in

    ref = make_referral(nhs_number="4505577104", email="pat@example.org")
    nurse = sign_in(app.test_client(), "clinician")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the history could not be read")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries, "audit_history", broken)
        assert nurse.get(f"/en/staff/referrals/{ref}?tab=history").status_code == 500
    assert app_logs.lines, "the error is logged (and the fixture checks those lines)"
    assert personal_data_in(app_logs.lines) == []
