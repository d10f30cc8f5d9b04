"""Consultation mode: the staff home page and the menu shown with the patient."""

from __future__ import annotations

from flask import (
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from finder import directory, guide, menu
from finder.access import staff
from finder.circumstances import parse
from finder.policy import PRACTICE_ROLES
from finder.staff.forms import (
    consult_form,
)


@staff()
def home() -> ResponseReturnValue:
    return render_template("staff/home.jinja")


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
    )
