"""A course provider's answer to a referral, from its inbox or its link: one form, one path.

The changes it may make are ``statuses.PROVIDER_CHANGES``; each is an operation of the
referral record (finder/referrals/operations.py), so the practice's record and worklist move
at once, with the history event (who, role "provider", when, reason, code) and the audit row.
"""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField

from finder import clock, directory
from finder.forms import BaseForm, NHSRadioField, NHSSelectField, choices, seen_version
from finder.models import CourseRun, Referral
from finder.policy import PROVIDER_ROLE
from finder.referrals import operations, statuses

CHANGED_MEANWHILE = _l(
    "This referral changed while you were looking at it. Nothing was changed: check it and "
    "try again."
)
DONE = {
    "accepted": _l("You accepted the referral. The practice can see it now."),
    "declined": _l("You declined the referral. The practice can see it now."),
    "booked": _l("The booking is saved. The practice can see it now."),
    "attended": _l("Saved: attended. The practice can see it now."),
    "did_not_attend": _l("Saved: did not attend. The practice can see it now."),
    "completed": _l("Saved: completed the course. The practice can see it now."),
}
ACTION_LABELS = {
    "accepted": _l("Accept"),
    "declined": _l("Decline"),
    "booked": _l("Book"),
    "attended": _l("Attended"),
    "did_not_attend": _l("Did not attend"),
    "completed": _l("Completed the course"),
}
PROVIDER_ACTIONS = {s for changes in statuses.PROVIDER_CHANGES.values() for s in changes}
assert set(DONE) == set(ACTION_LABELS) == PROVIDER_ACTIONS  # noqa: S101


class AnswerForm(BaseForm):
    action = HiddenField()
    reason = NHSRadioField(
        _l("Why are you declining?"),
        choices=choices(statuses.DECLINE_LABELS.items()),
        validate_choice=False,
    )
    run = NHSSelectField(_l("Course date"), choices=[], validate_choice=False)
    version = HiddenField()


def runs_for(referral: Referral) -> list[CourseRun]:
    """The runs a provider may book the referral onto: its programme's, from today."""
    return directory.upcoming_runs(referral.programme, clock.today())


def form_for(referral: Referral, run_label: dict[int, str]) -> AnswerForm:
    form = AnswerForm()
    form.run.choices = choices(
        [("", _l("Choose a date")), *((str(k), v) for k, v in run_label.items())]
    )
    if referral.course_run_id and not form.run.data:
        form.run.data = str(referral.course_run_id)
    return form


def actions(referral: Referral) -> list[str]:
    """What the provider may do now, in the order of the referral's path."""
    allowed = statuses.allowed_changes(PROVIDER_ROLE, referral.status)
    return [s for s in ACTION_LABELS if s in allowed]


def answer(referral: Referral, form: AnswerForm) -> None:
    """Apply the posted answer; the outcome is flashed (saved, or why nothing was)."""
    action = form.action.data
    version = seen_version(form.version.data)
    try:
        if action not in actions(referral):
            raise operations.InvalidTransition(str(action))
        if action == "declined":
            if form.reason.data not in statuses.DECLINE_LABELS:
                flash(_("Nothing was changed. Choose why you are declining."), "error")
                return
            operations.decline(referral, form.reason.data, version)
        elif action == "booked":
            run = next((r for r in runs_for(referral) if str(r.id) == form.run.data), None)
            if run is None and referral.programme.delivery != "online":
                flash(_("Nothing was changed. Choose a course date."), "error")
                return
            operations.book(referral, run, version)
        else:
            operations.change_status(referral, action, None, version)
    except operations.Conflict:
        flash(CHANGED_MEANWHILE, "error")
    except operations.InvalidTransition:
        flash(_("That cannot be done to this referral now. Nothing was changed."), "error")
    else:
        flash(DONE[action])
