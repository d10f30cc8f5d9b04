"""The practice register: import it from the clinical system, and see who on it is not yet
referred (QOF DM014), nearest deadline first."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from finder import audit, clock, csvfile, nhs_number
from finder.access import staff
from finder.models import Invitation, RegisterEntry
from finder.outbox.sending import DELIVERED, FAILED, NOT_SENT
from finder.policy import (
    NO_RESPONSE_INVITATIONS,
    PRACTICE_ROLES,
    REGISTER_EXCEPTIONS,
    REGISTER_LIST_LIMIT,
)
from finder.register import importing, invitations, operations, queries
from finder.staff.forms import listed_problems
from finder.submissions import new_key, redirect_once

EXCEPTION_LABELS = {
    "declined": _l("Chose not to have structured education"),
    "unsuitable": _l("Education is unsuitable for them"),
    "unavailable": _l("No service available to them"),
    "no_response": _l("No response to two invitations"),
}
# Fictional people for the sample file: NHS numbers in the 999 test range, Ofcom's drama
# mobile range, example.com addresses.
SAMPLE_ROWS = (
    ("999 000 0018", "Alex Example", "31/01/1960", "15/03/2026", "English", "no",
     "07700 900 101", "alex@example.com", "1 Sample Street, London, E1 1AA", "no"),
    ("999 000 0026", "Nur Sample", "02/07/1971", "01/09/2026", "Bengali", "yes",
     "07700 900 102", "", "2 Demo Road, London, E2 2BB", "yes"),
)  # fmt: skip


@staff(*PRACTICE_ROLES)
def register() -> ResponseReturnValue:
    practice_id = current_user.practice_id
    entries, total = queries.not_yet_referred(practice_id, REGISTER_LIST_LIMIT)
    audit.record_read("register.view", None, count=len(entries))
    today = clock.today()
    return render_template(
        "staff/register.jinja",
        entries=entries,
        total=total,
        sent=invitations.by_entry(e.id for e in entries),
        proposed=invitations.proposed(practice_id),
        most=NO_RESPONSE_INVITATIONS,
        new_key=new_key,
        has_register=bool(entries) or queries.has_register(practice_id),
        deadline=queries.deadline,
        days_left=lambda entry: (queries.deadline(entry) - today).days,
        exception_labels=EXCEPTION_LABELS,
        nhs_number_display=nhs_number.display,
    )


@staff(*PRACTICE_ROLES)
def register_exception(entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(entry_id)
    reason = request.form.get("reason")
    if reason not in REGISTER_EXCEPTIONS:
        flash(_("Choose why this person is an exception."), "error")
    else:
        operations.record_exception(entry, reason)
        flash(_("Exception recorded: %(reason)s.", reason=EXCEPTION_LABELS[reason]))
    return redirect(url_for(".register"))


CHANNEL_LABELS = {"sms": _l("text message"), "email": _l("email"), "letter": _l("letter")}
MESSAGE_LABELS = {
    DELIVERED: _l("delivered"),
    FAILED: _l("not delivered"),
    NOT_SENT: _l("not sent: no GOV.UK Notify key on this site"),
}


def _entry_or_404(entry_id: int) -> RegisterEntry:
    entry = queries.entry(current_user.practice_id, entry_id)
    if entry is None:
        audit.record_read("register.access", str(entry_id), outcome="denied")
        abort(404)
    return entry


@staff(*PRACTICE_ROLES)
def register_invite() -> ResponseReturnValue:
    """Invite the people chosen (one, or a selection): each gets their next invitation."""
    chosen = [int(i) for i in request.form.getlist("entry") if i.isdigit()][:REGISTER_LIST_LIMIT]
    if not chosen:
        flash(_("Choose who to invite."), "error")
        return redirect(url_for(".register"))
    entries = [_entry_or_404(i) for i in dict.fromkeys(chosen)]

    def send_all() -> str:
        sent: list[str] = []
        phone: list[str] = []
        for entry in entries:
            number = invitations.next_number(entry.id)
            if number is None:
                continue
            if invitations.invite(entry.id, number) is None:
                phone.append(entry.name)
            else:
                sent.append(entry.name)
        if sent:
            flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(sent)))
        if phone:
            flash(
                _(
                    "We cannot write to these people: no mobile number or email, and no letter "
                    "in their language. Phone them: %(names)s.",
                    names="; ".join(phone),
                ),
                "error",
            )
        return url_for(".register")

    return redirect_once(request.form.get("submission"), send_all)


def _timeline(entry: RegisterEntry, sent: list[Invitation]) -> list[tuple[dt.datetime, str]]:
    """What happened, oldest first: each invitation, its message's fate, the link opened, the
    self-referral made."""
    events: list[tuple[dt.datetime, str]] = []
    for invitation in sent:
        who = invitation.sent_by.name if invitation.sent_by else _("automatically")
        events.append(
            (
                invitation.created_at,
                _(
                    "Invitation %(number)d sent by %(channel)s (%(who)s)",
                    number=invitation.number,
                    channel=CHANNEL_LABELS[invitation.channel],
                    who=who,
                ),
            )
        )
        message = invitation.message
        if message is not None and message.status in MESSAGE_LABELS:
            events.append(
                (
                    message.updated_at,
                    _(
                        "Invitation %(number)d: %(status)s",
                        number=invitation.number,
                        status=MESSAGE_LABELS[message.status],
                    ),
                )
            )
        if invitation.opened_at:
            events.append(
                (
                    invitation.opened_at,
                    _("Link in invitation %(number)d opened", number=invitation.number),
                )
            )
        if invitation.referral is not None:
            events.append(
                (
                    invitation.referral.created_at,
                    _(
                        "Self-referral made through the link: %(reference)s",
                        reference=invitation.referral.reference,
                    ),
                )
            )
    if entry.exception_at and entry.exception:
        events.append(
            (
                entry.exception_at,
                _("QOF exception recorded: %(reason)s", reason=EXCEPTION_LABELS[entry.exception]),
            )
        )
    return sorted(events, key=lambda event: event[0])


@staff(*PRACTICE_ROLES)
def register_history(entry_id: int) -> ResponseReturnValue:
    entry = _entry_or_404(entry_id)
    audit.record_read("register.history", str(entry.id))
    sent = invitations.by_entry([entry.id]).get(entry.id, [])
    return render_template(
        "staff/register_history.jinja",
        entry=entry,
        events=_timeline(entry, sent),
        nhs_number_display=nhs_number.display,
    )


@staff(*PRACTICE_ROLES)
def register_import() -> ResponseReturnValue:
    problems: list[str] = []
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        try:
            if not data.strip():
                raise importing.RegisterErrors([_("Choose the CSV file your search saved.")])
            practice_id = current_user.practice_id
            rows = importing.read(
                importing.decode(data), clock.today(), queries.known_births(practice_id)
            )

            def store() -> str:
                done = operations.import_register(practice_id, rows)
                flash(
                    _(
                        "Register imported: %(added)d added, %(updated)d updated, "
                        "%(unchanged)d unchanged.",
                        added=done.added,
                        updated=done.updated,
                        unchanged=done.unchanged,
                    )
                )
                return url_for(".register")

            return redirect_once(request.form.get("submission"), store)
        except importing.RegisterErrors as exc:
            problems = exc.problems
    listed = listed_problems(problems)
    return render_template(
        "staff/register_import.jinja",
        problems=listed,
        error_list=[{"text": str(p), "href": "#file"} for p in listed],
        columns=importing.PUBLISHED,
        submission=request.form.get("submission") or new_key(),
    )


@staff(*PRACTICE_ROLES)
def register_sample() -> ResponseReturnValue:
    return csvfile.response("register-sample.csv", importing.PUBLISHED, SAMPLE_ROWS)
