"""Search: a person's referrals within the practice, by reference, NHS number, name or date
of birth (finder/referrals/search.py). The terms never reach a log or the audit."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from finder import audit, nhs_number
from finder.access import staff
from finder.policy import PRACTICE_ROLES
from finder.referrals import search as finding
from finder.referrals import statuses


@staff(*PRACTICE_ROLES)
def search() -> ResponseReturnValue:
    text = request.args.get("q", "")
    query = finding.read(text)
    results = finding.search(current_user.practice_id, query) if text.strip() else []
    if text.strip():
        # What kind of search it was and how many it found: never what was typed.
        audit.record_read("referral.search", None, kind=query.kind, count=len(results))
    return render_template(
        "staff/search.jinja",
        text=text.strip()[:200],
        query=query,
        results=results,
        statuses=statuses,
        nhs_number_display=nhs_number.display,
        limit=finding.RESULTS,
    )
