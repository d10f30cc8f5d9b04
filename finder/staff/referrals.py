"""The referral record: making, listing, reading and changing a practice's referrals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from finder import audit, clock, csvfile, directory, fhir, menu, nhs_number
from finder.access import staff
from finder.circumstances import parse
from finder.forms import CONTACT_METHODS, choices, required, seen_version
from finder.i18n import native_name
from finder.models import CourseRun, Patient, Referral
from finder.policy import PRACTICE_ROLES
from finder.providers import links as provider_links
from finder.public.questions import QUESTIONS
from finder.referrals import operations, queries, statuses
from finder.referrals import search as finding
from finder.register import queries as register_queries
from finder.staff import outbox
from finder.staff.forms import (
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    CorrectionForm,
    CourseRunForm,
    NoteForm,
    ReferralForm,
    RegistrationForm,
    StatusForm,
)
from finder.submissions import already_sent, new_key, redirect_once

# The names of what a "change" event changed, as its history shows them.
FIELD_LABELS = {
    "name": _l("Name"),
    "date_of_birth": _l("Date of birth"),
    "nhs_number": _l("NHS number"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "contact_method": _l("Contact by"),
    "preferred_language": _l("Preferred language"),
    "interpreter_needed": _l("Interpreter needed"),
    "companion_coming": _l("Relative or carer coming"),
    "access_needs": _l("Access needs"),
    "diagnosis_date": _l("Date of diagnosis"),
    "course_run": _l("Course date"),
}
CHANGED_MEANWHILE = _l(
    "This referral changed while you were looking at it. Nothing was changed: check it and "
    "try again."
)


def practice_referral(ref: str) -> Referral:
    """The referral, if it belongs to the signed-in user's practice; 404 (and audited) if not."""
    referral = queries.by_reference(ref)
    if referral is None or referral.practice_id != current_user.practice_id:
        audit.record_read("referral.access", ref, outcome="denied", endpoint=request.endpoint)
        abort(404)
    return referral


@staff(*PRACTICE_ROLES)
def new_referral() -> ResponseReturnValue:
    programme = directory.programme(request.args.get("programme"))
    if programme is None:
        abort(404)
    if not programme.takes_referrals(clock.today()):
        flash(
            _(
                "%(name)s takes no new referrals until %(date)s.",
                name=programme.slug,
                date=format_date(programme.paused_until, "d MMMM yyyy"),
            )
            if programme.paused_on(clock.today())
            else _("%(name)s is retired: it takes no new referrals.", name=programme.slug),
            "error",
        )
        answers: dict[str, Any] = {k: v for k, v in request.args.items() if k != "programme"}
        return redirect(url_for(".consult", **answers))
    person, _errors = parse(request.args, directory.area_names())
    form = ReferralForm()
    runs = directory.upcoming_runs(programme, clock.today())
    form.course_run.choices = choices(
        [("", _("Not chosen yet")), *((str(r.id), run_label(r)) for r in runs)]
    )
    if request.method == "GET":
        # What was answered in the consultation fills the form (the staff member checks it).
        if person.language:
            form.preferred_language.data = person.language
        form.companion_coming.data = person.companion == "yes"
        chosen = request.args.get("run")
        if any(str(r.id) == chosen for r in runs):
            form.course_run.data = chosen
        _fill_from_register(form, request.args.get("register", type=int))
    identity = None
    if form.validate_on_submit():
        run = next((r for r in runs if str(r.id) == form.course_run.data), None)
        details = operations.PatientDetails.from_form(form)
        identity = check_identity(details, request.form.get("identity"))
        if identity.stops:
            sent = already_sent(form.submission.data)
            if sent is not None:  # what stops it is this form's own first sending
                return sent
            kind = "nhs_number" if identity.holder is not None else "likely_duplicate"
            audit.record_read("patient.identity_check", None, kind=kind)
            if identity.holder is not None:
                form.nhs_number.errors = [
                    _("This NHS number is on record for someone with another name or date of birth")
                ]
            return render_template(
                "staff/new_referral.jinja",
                form=form,
                programme=programme,
                answers=person.answered(),
                identity=identity,
                has_error=identity.holder is not None,
                statuses=statuses,
                nhs_number_display=nhs_number.display,
            )

        def refer() -> str:
            referral, created = operations.create_referral(
                current_user.practice,
                programme,
                details,
                person.answered(),
                course_run=run,
                same_patient=identity.holder if identity.same else None,
            )
            if created:
                flash(_("Referral %(reference)s created.", reference=referral.reference))
            else:
                flash(
                    _(
                        "This patient already has an open referral to this programme: "
                        "%(reference)s. It is shown here instead of making a second one.",
                        reference=referral.reference,
                    )
                )
            return url_for(".referral", ref=referral.reference)

        return redirect_once(form.submission.data, refer)
    return render_template(
        "staff/new_referral.jinja",
        form=form,
        programme=programme,
        answers=person.answered(),
        identity=identity,
        has_error=bool(form.errors),
        statuses=statuses,
        nhs_number_display=nhs_number.display,
    )


def _fill_from_register(form: ReferralForm, entry_id: int | None) -> None:
    """Fill the form with what the practice's register holds for this person (the "not yet
    referred" list links here through the consultation)."""
    entry = register_queries.entry(current_user.practice_id, entry_id) if entry_id else None
    if entry is None:
        return
    form.name.data = entry.name
    form.date_of_birth.data = entry.date_of_birth
    form.nhs_number.data = nhs_number.display(entry.nhs_number)
    form.phone.data = entry.mobile
    form.email.data = entry.email
    form.preferred_language.data = entry.preferred_language
    form.interpreter_needed.data = entry.interpreter_needed
    form.diagnosis_date.data = entry.diagnosis_date


@dataclass(frozen=True)
class Identity:
    """Who this might already be: ``holder`` has the NHS number typed but another name or date
    of birth; ``likely`` are open referrals of someone with the same name and date of birth
    (no NHS number typed). ``same``: staff said the holder is this person."""

    holder: Patient | None = None
    likely: tuple[Referral, ...] = ()
    same: bool = False

    @property
    def stops(self) -> bool:
        return (self.holder is not None and not self.same) or bool(self.likely)


def check_identity(details: operations.PatientDetails, answer: str | None) -> Identity:
    """Never a silent merge: a number on record for another name or birthday stops the form
    until staff say "same person"; a likely duplicate stops it until they say "another"."""
    practice = current_user.practice_id
    if details.nhs_number:
        holder = finding.holder_of(practice, details.nhs_number)
        if holder is None or (
            finding.same_name(holder.name, details.name)
            and holder.date_of_birth == details.date_of_birth
        ):
            return Identity()
        return Identity(holder=holder, same=answer == "same")
    if answer == "another":
        return Identity()
    likely = finding.likely_duplicates(practice, details.name, details.date_of_birth)
    return Identity(likely=tuple(likely))


def run_label(run: CourseRun) -> str:
    venue = run.venue.name if run.venue else _("Online")
    return f"{format_date(run.start_date, 'EEE d MMM yyyy')} {run.start_time:%H:%M}, {venue}"


def _filters() -> queries.Filters:
    args = request.args
    return queries.Filters(
        status=args.get("status") if args.get("status") in statuses.STATUSES else None,
        programme=args.get("programme") or None,
        since=_date_arg("since"),
        until=_date_arg("until"),
        overdue=args.get("overdue") == "1",
    )


def _date_arg(name: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    # The list counts to the day after ``until``, which the last date there is has not.
    return min(day, dt.date.max - dt.timedelta(days=1))


@staff(*PRACTICE_ROLES)
def referrals() -> ResponseReturnValue:
    try:
        page_number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_number = 1
    filters = _filters()
    page = queries.page_for_practice(
        current_user.practice_id,
        filters,
        page_number,
        per_page=25,
        overdue_days=current_app.config["FINDER_NOT_BOOKED_DAYS"],
    )
    audit.record_read("referrals.list", None, count=len(page.items))
    return render_template(
        "staff/referrals.jinja",
        page=page,
        filters=filters,
        # The programmes offered where the practice is (a national directory has 5,000).
        programmes=directory.shown_programmes(current_user.practice.area.slug),
        statuses=statuses,
        dm014_date=queries.dm014_date,
    )


@staff(*PRACTICE_ROLES)
def referral(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    audit.record_read("referral.view", item.reference)
    status_form = StatusForm()
    status_form.set_choices(sorted(statuses.allowed_changes(current_user.role, item.status)))
    return render_template(
        "staff/referral.jinja",
        referral=item,
        run_form=course_run_form(item),
        circumstances=circumstance_rows(item),
        field_labels=FIELD_LABELS,
        status_form=status_form,
        note_form=NoteForm(),
        statuses=statuses,
        dm014=queries.dm014_date(item.patient.diagnosis_date),
        audit=queries.audit_history(item.reference),
        contact_labels=CONTACT_METHODS,
        channel_labels=CHANNEL_LABELS,
        outcome_labels=OUTCOME_LABELS,
        nhs_number_display=nhs_number.display,
        **outbox.for_referral(item),
        reach=provider_links.reach(item),
    )


def circumstance_rows(item: Referral) -> list[tuple[str, str]]:
    """The answers the referral was made with, as the questions and answers read."""
    rows = []
    for name, value in item.circumstances.items():
        question = QUESTIONS.get(name)
        if question is None:
            continue
        if name == "language":
            shown = native_name(value)
        elif name == "area":
            shown = directory.area_names().get(value, value)
        else:
            shown = str(question.labels.get(value, value))
        rows.append((str(question.title), shown))
    return rows


def run_choices(item: Referral) -> list[CourseRun]:
    """The runs a referral can be put on: its programme's upcoming ones, and its own."""
    runs = directory.upcoming_runs(item.programme, clock.today())
    if item.course_run and all(r.id != item.course_run_id for r in runs):
        runs = [item.course_run, *runs]
    return runs


def course_run_form(item: Referral) -> CourseRunForm:
    form = CourseRunForm()
    form.course_run.choices = choices(
        [("", _("No course date")), *((str(r.id), run_label(r)) for r in run_choices(item))]
    )
    if request.method == "GET":
        form.course_run.data = str(item.course_run_id or "")
    return form


@staff(*PRACTICE_ROLES)
def correct(ref: str) -> ResponseReturnValue:
    """Correct the patient's details, with a reason; each change old -> new on the history."""
    item = practice_referral(ref)
    form = CorrectionForm(obj=item.patient if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(item.version)
        audit.record_read("referral.view", item.reference, page="correct")
    if form.validate_on_submit():
        details = operations.PatientDetails.from_form(form)
        try:
            changes = operations.update_patient(
                item, details, required(form.reason.data), seen_version(form.version.data)
            )
        except operations.Conflict:
            flash(CHANGED_MEANWHILE, "error")
        else:
            flash(
                ngettext("%(num)d detail changed.", "%(num)d details changed.", len(changes))
                if changes
                else _("Nothing was different: nothing was changed.")
            )
        return redirect(url_for(".referral", ref=item.reference))
    return render_template(
        "staff/correct.jinja", referral=item, form=form, has_error=bool(form.errors)
    )


@staff(*PRACTICE_ROLES)
def course_run(ref: str) -> ResponseReturnValue:
    """Choose or change the course date, at any time (operations.choose_course_run)."""
    item = practice_referral(ref)
    form = course_run_form(item)
    if form.validate_on_submit():
        run = next((r for r in run_choices(item) if str(r.id) == form.course_run.data), None)
        if form.course_run.data and run is None:
            flash(_("Choose one of the course dates shown."), "error")
            return redirect(url_for(".referral", ref=item.reference))
        try:
            changed = operations.choose_course_run(
                item, run, form.run_reason.data or None, seen_version(form.version.data)
            )
        except operations.Conflict:
            flash(CHANGED_MEANWHILE, "error")
        except operations.InvalidTransition:
            flash(_("This referral cannot be booked now. Nothing was changed."), "error")
        else:
            if changed:
                flash(_("Course date saved."))
    else:
        _nothing_changed(form)
    return redirect(url_for(".referral", ref=item.reference))


def _nothing_changed(form: Any) -> None:
    """A refused change form: each problem, saying nothing was changed."""
    for message in (m for messages in form.errors.values() for m in messages):
        flash(_("Nothing was changed. %(problem)s", problem=message), "error")


@staff(*PRACTICE_ROLES)
def change_status(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    form = StatusForm()
    form.set_choices(list(statuses.STATUSES))
    if form.validate_on_submit():
        try:
            operations.change_status(item, form.status.data, form.reason.data, form.seen_version())
        except operations.Conflict:
            flash(CHANGED_MEANWHILE, "error")
        except operations.InvalidTransition:
            flash(
                _(
                    "A referral that is %(current)s cannot become %(new)s. Nothing was changed.",
                    current=str(statuses.LABELS[item.status]).lower(),
                    new=str(statuses.LABELS.get(form.status.data, form.status.data)).lower(),
                ),
                "error",
            )
        else:
            flash(_("Status changed to %(status)s.", status=statuses.LABELS[item.status]))
    else:
        _nothing_changed(form)
    return redirect(url_for(".referral", ref=item.reference))


@staff(*PRACTICE_ROLES)
def new_provider_link(ref: str) -> ResponseReturnValue:
    """A new link for the course team, shown once on this page (earlier links stop working)."""
    item = practice_referral(ref)
    token = provider_links.replace(item)
    return render_template(
        "staff/provider_link.jinja", referral=item, link=provider_links.url(token)
    )


@staff(*PRACTICE_ROLES)
def add_note(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    form = NoteForm()
    if form.validate_on_submit():
        operations.add_note(item, required(form.text.data))
        flash(_("Note added."))
    else:
        flash(_("Enter a note"), "error")
    return redirect(url_for(".referral", ref=item.reference))


@staff(*PRACTICE_ROLES)
def fhir_resource(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    audit.record_read("referral.fhir", item.reference)
    return current_app.response_class(
        fhir.json_dumps(fhir.service_request(item)), mimetype="application/fhir+json"
    )


@staff(*PRACTICE_ROLES)
def fhir_task(ref: str) -> ResponseReturnValue:
    item = practice_referral(ref)
    audit.record_read("referral.fhir_task", item.reference)
    return current_app.response_class(
        fhir.json_dumps(fhir.task(item)), mimetype="application/fhir+json"
    )


CSV_COLUMNS = (
    "reference",
    "created",
    "status",
    "programme",
    "name",
    "date_of_birth",
    "nhs_number",
    "phone",
    "email",
    "preferred_language",
    "interpreter_needed",
    "companion_coming",
    "diagnosis_date",
    "dm014_date",
    "self_referral",
)


@staff(*PRACTICE_ROLES)
def referrals_csv() -> ResponseReturnValue:
    rows = queries.all_for_practice(current_user.practice_id)
    audit.record_read("referrals.export", None, count=len(rows))
    return csvfile.response("referrals.csv", CSV_COLUMNS, (_csv_row(r) for r in rows))


def _csv_row(r: Referral) -> list[csvfile.Cell]:
    p = r.patient
    dm014 = queries.dm014_date(p.diagnosis_date)
    return [
        r.reference,
        r.created_at.date().isoformat(),
        r.status,
        r.programme.slug,
        p.name,
        p.date_of_birth.isoformat(),
        p.nhs_number,
        p.phone,
        p.email,
        p.preferred_language,
        p.interpreter_needed,
        p.companion_coming,
        p.diagnosis_date.isoformat() if p.diagnosis_date else None,
        dm014.isoformat() if dm014 else None,
        r.self_referral,
    ]


@staff(*PRACTICE_ROLES)
def another_format(ref: str) -> ResponseReturnValue:
    """Re-run the match on the stored answers: the formats other than the one that did not
    work, and the other dates and times of the group courses the patient could go to."""
    item = practice_referral(ref)
    everything = directory.all_programmes()
    rows = [p for p in everything if p.delivery != item.programme.delivery]
    person, _bad = parse(item.circumstances, directory.area_names())
    options = [o for o in menu.for_person(person, rows).options if o.fit != "not_eligible"]
    same = [p for p in everything if p.delivery == "group" == item.programme.delivery]
    matched = menu.for_person(person, same).options
    could_go = {o.programme.slug for o in matched if o.fit != "not_eligible"}
    runs = [
        (p, r)
        for p in same
        if p.slug in could_go
        for r in directory.upcoming_runs(p, clock.today())
        if r.id != item.course_run_id
    ]
    if request.method == "POST":
        key = request.form.get("run")
        run = next((r for _p, r in runs if r.key == key), None) if key else None
        chosen = (
            next((p for p, r in runs if r is run), None)
            if run
            else next((p for p in rows if p.slug == request.form.get("programme")), None)
        )
        if chosen is None:
            flash(_("Choose one of the options shown."), "error")
            return redirect(url_for(".another_format", ref=item.reference))

        def offer() -> str:
            linked = operations.offer_another_format(
                item, chosen, seen_version(request.form.get("version")), course_run=run
            )
            flash(_("Referral %(reference)s created.", reference=linked.reference))
            return url_for(".referral", ref=linked.reference)

        try:
            return redirect_once(request.form.get("submission"), offer)
        except (operations.Conflict, operations.InvalidTransition):
            flash(CHANGED_MEANWHILE, "error")
            return redirect(url_for(".referral", ref=item.reference))
    return render_template(
        "staff/another_format.jinja",
        referral=item,
        options=options,
        runs=runs,
        programmes={p.slug: p for p in rows},
        answers={},
        submission=new_key(),
    )


@staff(*PRACTICE_ROLES)
def register_online() -> ResponseReturnValue:
    """Register a patient for the online programme, often with them at the front desk."""
    online = next((p for p in directory.all_programmes() if p.delivery == "online"), None)
    if online is None:
        abort(404)
    computer = request.values.get("computer")
    if computer not in ("confident", "with_help", "no"):
        return render_template("staff/register_online.jinja", step="ask", online=online)
    if computer == "no":
        person, _bad = parse({"computer": "no"}, {})
        rows = [p for p in directory.all_programmes() if p.delivery == "group"]
        return render_template(
            "staff/register_online.jinja",
            step="groups",
            online=online,
            menu=menu.for_person(person, rows),
            programmes={p.slug: p for p in rows},
            answers={"computer": "no"},
        )
    form = RegistrationForm()
    if request.method == "GET":
        form.needed_help.data = computer == "with_help"
    if form.validate_on_submit():
        details = operations.PatientDetails.from_form(form)

        def register() -> str:
            referral, _created = operations.create_referral(
                current_user.practice, online, details, {"computer": computer}
            )
            if referral.status == "referred":
                operations.register_online(referral, form.has_device.data, form.needed_help.data)
                flash(
                    _("Registered. Referral %(reference)s is booked.", reference=referral.reference)
                )
            return url_for(".referral", ref=referral.reference)

        return redirect_once(form.submission.data, register)
    return render_template(
        "staff/register_online.jinja",
        step="form",
        online=online,
        form=form,
        computer=computer,
        has_error=bool(form.errors),
    )
