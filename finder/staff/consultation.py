"""Consultation mode: the staff home page and the menu shown with the patient."""

from __future__ import annotations

from flask import (
    current_app,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from finder import clock, directory, guide, menu
from finder.access import staff
from finder.circumstances import parse
from finder.commissioning import uptake
from finder.policy import PRACTICE_ROLES
from finder.referrals import worklist
from finder.staff.follow_up import REASON_LABELS
from finder.staff.forms import (
    consult_form,
)


@staff()
def home() -> ResponseReturnValue:
    counts = None
    if current_user.role in PRACTICE_ROLES:
        items = worklist.for_practice(
            current_user.practice_id, clock.now(), current_app.config["FINDER_NOT_BOOKED_DAYS"]
        )
        counts = {"total": len(items), **worklist.counts(items)}
    return render_template("staff/home.jinja", counts=counts, reason_labels=REASON_LABELS)


@staff(*PRACTICE_ROLES)
def consult() -> ResponseReturnValue:
    areas = directory.area_names()
    form = consult_form(areas, request.args)
    person, errors = parse(request.args, areas)
    for name in errors:
        getattr(form, name).errors = [_("Select an answer from the list")]
    rows = directory.shown_programmes()  # the worker's snapshot: this page writes nothing
    found = menu.for_person(person, rows) if request.args and not errors else None
    return render_template(
        "staff/consult.jinja",
        form=form,
        menu=found,
        programmes={p.slug: p for p in rows},
        answers=person.answered(),
        person=person,
        guide=guide,
        has_error=bool(errors),
        # A person from the register's "not yet referred" list: their details fill the referral.
        register=request.args.get("register", type=int),
        error_list=form.error_list(),
        answer_days=uptake.usual_answer_days() if found else {},
    )
