"""The provider side's pages: the inbox of a provider's staff, and the page a provider's link
opens. Both show a referral the same way (``_referral_page``) and answer it through
``answering.answer``: a provider sees only what it needs to contact and book the person."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from finder import audit
from finder.access import public, staff
from finder.forms import CONTACT_METHODS
from finder.models import CourseRun, Referral
from finder.policy import PROVIDER_CIRCUMSTANCES, PROVIDER_ROLE
from finder.providers import answering, links, queries
from finder.public.questions import QUESTIONS
from finder.referrals import statuses

INBOX_VIEWS = {
    "new": _l("New"),
    "accepted": _l("Accepted"),
    "booked": _l("Booked, and attendance"),
    "closed": _l("Closed"),
}


def _run_label(run: CourseRun) -> str:
    venue = run.venue.name if run.venue else _("Online")
    return f"{format_date(run.start_date, 'EEE d MMM yyyy')} {run.start_time:%H:%M}, {venue}"


def _referral_page(item: Referral, action_url: str, back_url: str | None) -> str:
    runs = answering.runs_for(item)
    labels = {run.id: _run_label(run) for run in runs}
    access_needs = [
        (QUESTIONS[name].title, QUESTIONS[name].labels[item.circumstances[name]])
        for name in PROVIDER_CIRCUMSTANCES
        if item.circumstances.get(name) in QUESTIONS[name].labels
    ]
    return render_template(
        "providers/referral.jinja",
        referral=item,
        form=answering.form_for(item, labels),
        actions=answering.actions(item),
        action_labels=answering.ACTION_LABELS,
        action_url=action_url,
        back_url=back_url,
        statuses=statuses,
        access_needs=access_needs,
        contact_labels=CONTACT_METHODS,
        run_label=_run_label(item.course_run) if item.course_run else None,
        # The history a provider sees: status changes; the reasons only of its own.
        history=[e for e in item.events if e.kind == "status"],
        provider_role=PROVIDER_ROLE,
    )


def _own_referral(ref: str) -> Referral:
    """The referral, if it is to one of the signed-in provider's programmes; 404 (audited)."""
    item = queries.of_provider(ref, current_user.provider_id)
    if item is None:
        audit.record_read("referral.access", ref, outcome="denied", endpoint=request.endpoint)
        abort(404)
    return item


@staff(PROVIDER_ROLE)
def inbox() -> ResponseReturnValue:
    view = request.args.get("view", "new")
    if view not in INBOX_VIEWS:
        view = "new"
    items = queries.inbox(current_user.provider_id, view)
    audit.record_read("inbox.view", None, count=len(items), view=view)
    return render_template(
        "providers/inbox.jinja",
        items=items,
        view=view,
        views=INBOX_VIEWS,
        statuses=statuses,
        limit=queries.INBOX_LIMIT,
    )


@staff(PROVIDER_ROLE)
def inbox_referral(ref: str) -> ResponseReturnValue:
    item = _own_referral(ref)
    audit.record_read("referral.view", item.reference)
    return _referral_page(item, url_for(".inbox_answer", ref=item.reference), url_for(".inbox"))


@staff(PROVIDER_ROLE)
def inbox_answer(ref: str) -> ResponseReturnValue:
    item = _own_referral(ref)
    form = answering.AnswerForm()
    if form.validate_on_submit():
        answering.answer(item, form)
    else:
        flash(_("Nothing was changed. Try again."), "error")
    return redirect(url_for(".inbox_referral", ref=item.reference))


@public
def open_link(token: str) -> ResponseReturnValue:
    """A provider's link: the one referral, to answer without signing in."""
    audit.act_as(audit.PROVIDER_BY_LINK)
    try:
        item = links.open_link(token)
    except links.LinkRefused as refused:
        status = 404 if refused.reason == "unknown" else 410
        return render_template("providers/link_refused.jinja", reason=refused.reason), status
    if request.method == "POST":
        form = answering.AnswerForm()
        if form.validate_on_submit():
            answering.answer(item, form)
        else:
            flash(_("Nothing was changed. Try again."), "error")
        return redirect(url_for(".open_link", token=token))
    return _referral_page(item, url_for(".open_link", token=token), None)
