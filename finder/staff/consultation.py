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
from finder.commissioning import uptake
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
    rows = directory.all_programmes()
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
        error_list=form.error_list(),
        answer_days=uptake.usual_answer_days() if found else {},
    )
