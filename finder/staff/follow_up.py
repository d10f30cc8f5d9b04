"""Follow-up: the worklist of people to contact, contacts logged, attendance for a run."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from finder import audit, clock
from finder.access import staff
from finder.policy import PRACTICE_ROLES
from finder.referrals import operations, queries, worklist
from finder.staff.forms import (
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    ContactForm,
)
from finder.staff.referrals import practice_referral, run_label
from finder.staff.signin import safe_next

REASON_LABELS = {
    "did_not_attend": _l("Did not attend"),
    "run_cancelled": _l("Course cancelled"),
    "not_booked": _l("Not booked yet"),
    "awaiting_reply": _l("Waiting for an answer"),
}


@staff(*PRACTICE_ROLES)
def follow_up() -> ResponseReturnValue:
    items = worklist.for_practice(
        current_user.practice_id,
        clock.now(),
        current_app.config["FINDER_NOT_BOOKED_DAYS"],
    )
    audit.record_read("worklist.view", None, count=len(items))
    return render_template(
        "staff/follow_up.jinja",
        items=items,
        channel_labels=CHANNEL_LABELS,
        outcome_labels=OUTCOME_LABELS,
        reason_labels=REASON_LABELS,
    )


@staff(*PRACTICE_ROLES)
def log_contact(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    form = ContactForm()
    if form.validate_on_submit():
        operations.log_contact(item, form.channel.data, form.outcome.data)
        flash(_("Contact with %(reference)s recorded.", reference=item.reference))
    else:
        flash(_("Choose how you made contact and what happened."), "error")
    return redirect(safe_next(request.args.get("next")) or url_for(".follow_up"))


@staff(*PRACTICE_ROLES)
def attendance() -> ResponseReturnValue:
    """Record a provider's attendance list for one course run at once."""
    runs = queries.runs_with_bookings(current_user.practice_id)
    run = next((r for r in runs if str(r.id) == request.values.get("run")), None)
    booked = queries.booked_on(current_user.practice_id, run) if run else []
    if run and request.method == "POST":
        outcomes = {
            r: request.form[f"outcome-{r.reference}"]
            for r in booked
            if request.form.get(f"outcome-{r.reference}") in operations.ATTENDANCE_PATHS
        }
        count = operations.record_attendance(outcomes, run)
        flash(ngettext("%(num)d attendance recorded.", "%(num)d attendances recorded.", count))
        return redirect(url_for(".attendance", run=run.id))
    return render_template(
        "staff/attendance.jinja", runs=runs, run=run, booked=booked, run_label=run_label
    )
