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
from finder.outbox import patients, sending
from finder.policy import PRACTICE_ROLES
from finder.referrals import operations, queries, statuses, worklist
from finder.register import queries as register
from finder.staff.forms import (
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    ContactForm,
    NextActionForm,
)
from finder.staff.referrals import practice_referral, run_label
from finder.staff.signin import safe_next

REASON_LABELS = {
    "did_not_attend": _l("Did not attend"),
    "run_cancelled": _l("Course cancelled"),
    "cannot_attend": _l("Cannot make the course date"),
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
    missed = [i.referral.patient for i in items if "did_not_attend" in i.reasons]
    return render_template(
        "staff/follow_up.jinja",
        items=items,
        postal=register.postal(current_user.practice_id, missed),
        channel_labels=CHANNEL_LABELS,
        outcome_labels=OUTCOME_LABELS,
        reason_labels=REASON_LABELS,
        next_action_form=NextActionForm,
        today=clock.today(),
    )


def card(ref: str) -> str:
    """Back to the worklist, at the card just acted on."""
    return url_for(".follow_up", _anchor=f"card-{ref}")


@staff(*PRACTICE_ROLES)
def next_action(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    form = NextActionForm()
    if form.validate_on_submit():
        operations.set_next_action(item, form.next_action_on.data)
        flash(_("Next action date for %(reference)s saved.", reference=item.reference))
    else:
        flash(_("Enter the date as day, month and year, like 14/02/2026."), "error")
    return redirect(safe_next(request.args.get("next")) or card(item.reference))


@staff(*PRACTICE_ROLES)
def log_contact(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    form = ContactForm()
    if form.validate_on_submit():
        operations.log_contact(item, form.channel.data, form.outcome.data)
        flash(_("Contact with %(reference)s recorded.", reference=item.reference))
    else:
        flash(_("Choose how you made contact and what happened."), "error")
    return redirect(safe_next(request.args.get("next")) or card(item.reference))


@staff(*PRACTICE_ROLES)
def missed_course_letter(ref: str) -> ResponseReturnValue:
    """Send (or, without a Notify key, record for printing) the letter to a person who missed
    their course, to their address on the practice register."""
    item = practice_referral(ref)
    found = register.postal(item.practice_id, [item.patient]).get(item.patient.id)
    if item.status != "did_not_attend":
        flash(_("%(reference)s did not miss a course.", reference=item.reference), "error")
    elif found is None:
        flash(
            _("No postal address is known for %(reference)s: the practice register has none.",
              reference=item.reference),
            "error",
        )  # fmt: skip
    else:
        message = patients.missed_course_letter(item, found.to, found.large_print)
        if message.status == sending.NOT_SENT:
            flash(
                _("The letter is recorded but not sent: there is no GOV.UK Notify key. Open it "
                  "under Messages sent, print it and post it.")
            )  # fmt: skip
        else:
            flash(_("The letter is on its way to GOV.UK Notify, which prints and posts it."))
        return redirect(url_for(".referral", ref=item.reference, _anchor="messages"))
    return redirect(card(item.reference))


@staff(*PRACTICE_ROLES)
def attendance() -> ResponseReturnValue:
    """Record a provider's attendance list for one course run at once."""
    runs = queries.runs_with_bookings(current_user.practice_id)
    run = next((r for r in runs if str(r.id) == request.values.get("run")), None)
    booked = queries.booked_on(current_user.practice_id, run) if run else []
    if run and request.method == "POST":
        # One choice for the whole run fills every row left at "No change".
        everyone = request.form.get("outcome-all")
        chosen = {r: request.form.get(f"outcome-{r.reference}") or everyone for r in booked}
        outcomes = {r: o for r, o in chosen.items() if o in operations.ATTENDANCE_PATHS}
        count = operations.record_attendance(outcomes, run)
        flash(ngettext("%(num)d attendance recorded.", "%(num)d attendances recorded.", count))
        return redirect(url_for(".attendance", run=run.id))
    return render_template(
        "staff/attendance.jinja",
        runs=runs,
        run=run,
        booked=booked,
        run_label=run_label,
        statuses=statuses,
    )
