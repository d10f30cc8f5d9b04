"""The practice register: import it from the clinical system, and see who on it is not yet
referred (QOF DM014), nearest deadline first."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from finder import audit, clock, csvfile, nhs_number
from finder.access import staff
from finder.policy import PRACTICE_ROLES, REGISTER_EXCEPTIONS, REGISTER_LIST_LIMIT
from finder.register import importing, operations, queries
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
     "07700 900 101", "alex@example.com", "1 Sample Street, London, E1 1AA"),
    ("999 000 0026", "Nur Sample", "02/07/1971", "01/09/2026", "Bengali", "yes",
     "07700 900 102", "", "2 Demo Road, London, E2 2BB"),
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
        has_register=bool(entries) or queries.has_register(practice_id),
        deadline=queries.deadline,
        days_left=lambda entry: (queries.deadline(entry) - today).days,
        exception_labels=EXCEPTION_LABELS,
        nhs_number_display=nhs_number.display,
    )


@staff(*PRACTICE_ROLES)
def register_exception(entry_id: int) -> ResponseReturnValue:
    entry = queries.entry(current_user.practice_id, entry_id)
    if entry is None:
        audit.record_read("register.access", str(entry_id), outcome="denied")
        abort(404)
    reason = request.form.get("reason")
    if reason not in REGISTER_EXCEPTIONS:
        flash(_("Choose why this person is an exception."), "error")
    else:
        operations.record_exception(entry, reason)
        flash(_("Exception recorded: %(reason)s.", reason=EXCEPTION_LABELS[reason]))
    return redirect(url_for(".register"))


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
