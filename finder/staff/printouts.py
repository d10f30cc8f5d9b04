"""Printouts given to the patient: the handout, the letter and the sign-up steps."""

from __future__ import annotations

from flask import (
    abort,
    g,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from finder import audit, clock, dates, directory, links, next_steps
from finder.access import staff
from finder.policy import PRACTICE_ROLES
from finder.staff.referrals import practice_referral


@staff(*PRACTICE_ROLES)
def handout() -> ResponseReturnValue:
    """A printable handout in the page's language: the chosen programme and what happens next."""
    ref = request.args.get("ref")
    item = practice_referral(ref) if ref else None
    programme = item.programme if item else directory.programme(request.args.get("programme"))
    if programme is None:
        abort(404)
    if item:
        audit.record_read("referral.handout", item.reference, language=g.lang)
    target = links.absolute("public.programme", slug=programme.slug)
    return render_template(
        "public/handout.jinja",
        referral=item,
        programme=programme,
        runs=directory.upcoming_runs(programme, clock.today())[:3],
        call_by=dates.call_by(
            item.created_at.astimezone(clock.LONDON).date(),
            item.course_run.start_date if item.course_run else None,
            next_steps.for_programme(programme, item).chase_days,
        )
        if item
        else None,
        qr_svg=links.qr_svg(target, scale=3),
        qr_target=target,
        steps=next_steps.for_programme(programme, item) if item else None,
    )


@staff(*PRACTICE_ROLES)
def letter() -> ResponseReturnValue:
    item = practice_referral(request.args.get("ref", ""))
    audit.record_read("referral.letter", item.reference, language=g.lang)
    return render_template(
        "public/letter.jinja", referral=item, today=clock.today(), programme=item.programme
    )


@staff(*PRACTICE_ROLES)
def sign_up_steps() -> ResponseReturnValue:
    item = practice_referral(request.args.get("ref", ""))
    audit.record_read("referral.sign_up_steps", item.reference, language=g.lang)
    return render_template(
        "public/sign_up_steps.jinja",
        referral=item,
        programme=item.programme,
        steps=next_steps.for_programme(item.programme, item),
    )
