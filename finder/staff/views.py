"""Staff views: thin, over forms, referral queries and operations."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import select

from finder import directory, fhir, guide, menu, nhs_number, security, throttle
from finder import mfa as mfa_codes
from finder.access import public, staff
from finder.circumstances import parse
from finder.extensions import db
from finder.forms import choices
from finder.models import CourseRun, Referral, User
from finder.passwords import verify
from finder.referrals import operations, queries, statuses, worklist
from finder.staff.forms import (
    CHANNEL_LABELS,
    CONTACT_METHODS,
    OUTCOME_LABELS,
    CodeForm,
    ContactForm,
    LoginForm,
    NoteForm,
    ReferralForm,
    RegistrationForm,
    StatusForm,
    consult_form,
)

PRACTICE_ROLES = ("clinician", "support")
REASON_LABELS = {
    "dm014": _l("DM014 date soon"),
    "did_not_attend": _l("Did not attend"),
    "not_booked": _l("Not booked yet"),
    "awaiting_reply": _l("Waiting for an answer"),
}


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) may be a redirect target."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@public
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        at = operations.now()
        wait = throttle.wait_seconds(email, at)
        if wait:
            operations.audit_now("staff.login", None, outcome="throttled")
            form.email.errors = [
                _("Too many attempts. Wait %(minutes)d minutes, then try again.",
                  minutes=-(-wait // 60))
            ]  # fmt: skip
            return render_template("staff/login.jinja", form=form, has_error=True), 429
        user = db.session.scalar(select(User).filter_by(email=email))
        if user and user.active and verify(user.password_hash, form.password.data):
            throttle.clear(email)
            session.clear()  # a new session on sign-in
            if user.totp_secret or current_app.config["FINDER_REQUIRE_MFA"]:
                session["pending_user"] = user.id
                session["pending_since"] = at.timestamp()
                session["next"] = _safe_next(request.args.get("next"))
                step = ".mfa" if user.totp_secret else ".mfa_enrol"
                return redirect(url_for(step))
            return _complete_sign_in(user, _safe_next(request.args.get("next")))
        throttle.record_failure(email, at)
        operations.audit("staff.login", None, outcome="denied")
        db.session.commit()
        form.email.errors = [_("Enter a correct email address and password")]
    return render_template("staff/login.jinja", form=form, has_error=bool(form.errors))


def _complete_sign_in(user: User, target: str | None) -> ResponseReturnValue:
    session.clear()
    login_user(user)
    session["epoch"] = user.session_epoch
    security.start_session()
    operations.audit_now("staff.login")
    return redirect(target or url_for(".home"))


PENDING_FOR = dt.timedelta(minutes=5)


def _pending_user() -> User | None:
    """Who has given the right password and now owes the second step, for five minutes."""
    since = session.get("pending_since")
    if not since or operations.now().timestamp() - since > PENDING_FOR.total_seconds():
        return None
    return db.session.get(User, session.get("pending_user", 0))


@public
def mfa() -> ResponseReturnValue:
    """Second step: a code from the authenticator app, or a one-time recovery code."""
    user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        at = operations.now()
        if throttle.wait_seconds(user.email, at):
            form.code.errors = [_("Too many attempts. Wait 15 minutes, then try again.")]
        elif mfa_codes.verify_code(user, form.code.data) or mfa_codes.use_recovery_code(
            user, form.code.data
        ):
            db.session.commit()
            return _complete_sign_in(user, session.get("next"))
        else:
            throttle.record_failure(user.email, at)
            operations.audit("staff.login.second_step", None, outcome="denied")
            db.session.commit()
            form.code.errors = [_("Enter the 6-digit code your authenticator app shows now")]
    return render_template("staff/mfa.jinja", form=form, has_error=bool(form.errors))


@public
def mfa_enrol() -> ResponseReturnValue:
    """Set up two-step sign-in: scan a QR code, confirm with a code, keep the recovery codes."""
    user = _pending_user() or (current_user if current_user.is_authenticated else None)
    if user is None:
        return redirect(url_for(".login"))
    secret = session.get("enrol_secret") or mfa_codes.new_secret()
    session["enrol_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        if mfa_codes.check_enrolment(secret, form.code.data):
            user.totp_secret = secret
            mfa_codes.verify_code(user, form.code.data)  # this code is now used
            codes = mfa_codes.new_recovery_codes(user)
            operations.audit("staff.mfa_enrolled", None)
            db.session.commit()
            target = session.get("next")
            if not current_user.is_authenticated:
                _complete_sign_in(user, target)
            session.pop("enrol_secret", None)
            return render_template("staff/mfa_codes.jinja", codes=codes, target=target)
        form.code.errors = [_("Enter the 6-digit code your authenticator app shows now")]
    return render_template(
        "staff/mfa_enrol.jinja",
        form=form,
        secret=secret,
        qr=mfa_codes.qr_svg(secret, user.email),
        has_error=bool(form.errors),
    )


@staff()
def logout() -> ResponseReturnValue:
    """Sign out everywhere: every session of this user ends (the epoch moves on)."""
    current_user.session_epoch += 1
    operations.audit("staff.logout")
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for(".login"))


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
    )


def _practice_referral(ref: str) -> Referral:
    """The referral, if it belongs to the signed-in user's practice; 404 (and audited) if not."""
    referral = queries.by_reference(ref)
    if referral is None or referral.practice_id != current_user.practice_id:
        operations.audit_now("referral.access", ref, outcome="denied", endpoint=request.endpoint)
        abort(404)
    return referral


@staff(*PRACTICE_ROLES)
def new_referral() -> ResponseReturnValue:
    programme = directory.programme(request.args.get("programme"))
    if programme is None:
        abort(404)
    person, _errors = parse(request.args, directory.area_names())
    form = ReferralForm()
    runs = directory.upcoming_runs(programme, menu.today())
    form.course_run.choices = choices(
        [("", _("Not chosen yet")), *((str(r.id), run_label(r)) for r in runs)]
    )
    if request.method == "GET" and person.language:
        form.preferred_language.data = person.language
    if form.validate_on_submit():
        run = next((r for r in runs if str(r.id) == form.course_run.data), None)
        details = operations.PatientDetails.from_form(form)
        referral, created = operations.create_referral(
            current_user.practice, programme, details, person.answered(), course_run=run
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
        return redirect(url_for(".referral", ref=referral.reference))
    return render_template(
        "staff/new_referral.jinja",
        form=form,
        programme=programme,
        answers=person.answered(),
        has_error=bool(form.errors),
    )


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
    operations.audit_now("referrals.list", None, count=len(page.items))
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
    item = _practice_referral(ref)
    operations.audit_now("referral.view", item.reference)
    status_form = StatusForm()
    status_form.set_choices(sorted(statuses.TRANSITIONS[item.status]))
    return render_template(
        "staff/referral.jinja",
        referral=item,
        status_form=status_form,
        note_form=NoteForm(),
        statuses=statuses,
        dm014=queries.dm014_date(item.patient.diagnosis_date),
        audit=queries.audit_history(item.reference),
        contact_labels=CONTACT_METHODS,
        channel_labels=CHANNEL_LABELS,
        outcome_labels=OUTCOME_LABELS,
        nhs_number_display=nhs_number.display,
    )


@staff(*PRACTICE_ROLES)
def change_status(ref: str) -> ResponseReturnValue:
    item = _practice_referral(ref)
    form = StatusForm()
    form.set_choices(list(statuses.STATUSES))
    if form.validate_on_submit():
        try:
            operations.change_status(item, form.status.data, form.reason.data)
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
        for message in (m for messages in form.errors.values() for m in messages):
            flash(_("Nothing was changed. %(problem)s", problem=message), "error")
    return redirect(url_for(".referral", ref=item.reference))


@staff(*PRACTICE_ROLES)
def add_note(ref: str) -> ResponseReturnValue:
    item = _practice_referral(ref)
    form = NoteForm()
    if form.validate_on_submit():
        operations.add_note(item, form.text.data)
        flash(_("Note added."))
    else:
        flash(_("Enter a note"), "error")
    return redirect(url_for(".referral", ref=item.reference))


@staff(*PRACTICE_ROLES)
def fhir_resource(ref: str) -> ResponseReturnValue:
    item = _practice_referral(ref)
    operations.audit_now("referral.fhir", item.reference)
    return current_app.response_class(
        fhir.json_dumps(fhir.service_request(item)), mimetype="application/fhir+json"
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
    operations.audit_now("referrals.export", None, count=len(rows))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        p = r.patient
        dm014 = queries.dm014_date(p.diagnosis_date)
        writer.writerow(
            [
                r.reference,
                r.created_at.date().isoformat(),
                r.status,
                r.programme.slug,
                *(_cell(v) for v in (p.name, p.date_of_birth.isoformat(), p.nhs_number or "")),
                *(_cell(v) for v in (p.phone or "", p.email or "", p.preferred_language)),
                p.interpreter_needed,
                p.companion_coming,
                p.diagnosis_date.isoformat() if p.diagnosis_date else "",
                dm014.isoformat() if dm014 else "",
                r.self_referral,
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=referrals.csv"},
    )


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@staff(*PRACTICE_ROLES)
def handout() -> ResponseReturnValue:
    """A printable handout in the page's language: the chosen programme and what happens next."""
    ref = request.args.get("ref")
    item = _practice_referral(ref) if ref else None
    programme = item.programme if item else directory.programme(request.args.get("programme"))
    if programme is None:
        abort(404)
    if item:
        operations.audit_now("referral.handout", item.reference, language=g.lang)
    target = url_for("public.programme", slug=programme.slug, _external=True)
    # segno writes the SVG itself from the URL's bits: no outside text goes in unescaped.
    svg = segno.make(target, error="m").svg_inline(scale=3)
    qr_svg = Markup(svg)  # noqa: S704  # nosec B704
    return render_template(
        "public/handout.jinja",
        referral=item,
        programme=programme,
        runs=directory.upcoming_runs(programme, menu.today())[:3],
        qr_svg=qr_svg,
        qr_target=target,
    )


@staff(*PRACTICE_ROLES)
def follow_up() -> ResponseReturnValue:
    items = worklist.for_practice(
        current_user.practice_id,
        operations.now(),
        current_app.config["FINDER_NOT_BOOKED_DAYS"],
    )
    operations.audit_now("worklist.view", None, count=len(items))
    return render_template(
        "staff/follow_up.jinja",
        items=items,
        channel_labels=CHANNEL_LABELS,
        outcome_labels=OUTCOME_LABELS,
        dm014_date=queries.dm014_date,
        reason_labels=REASON_LABELS,
    )


@staff(*PRACTICE_ROLES)
def log_contact(ref: str) -> ResponseReturnValue:
    item = _practice_referral(ref)
    form = ContactForm()
    if form.validate_on_submit():
        operations.log_contact(item, form.channel.data, form.outcome.data)
        flash(_("Contact with %(reference)s recorded.", reference=item.reference))
    else:
        flash(_("Choose how you made contact and what happened."), "error")
    return redirect(_safe_next(request.args.get("next")) or url_for(".follow_up"))


@staff(*PRACTICE_ROLES)
def letter() -> ResponseReturnValue:
    item = _practice_referral(request.args.get("ref", ""))
    operations.audit_now("referral.letter", item.reference, language=g.lang)
    return render_template(
        "public/letter.jinja", referral=item, today=menu.today(), programme=item.programme
    )


@staff(*PRACTICE_ROLES)
def another_format(ref: str) -> ResponseReturnValue:
    """Re-run the match on the stored answers, leaving out the format that did not work."""
    item = _practice_referral(ref)
    rows = [p for p in directory.all_programmes() if p.delivery != item.programme.delivery]
    person, _bad = parse(item.circumstances, directory.area_names())
    options = [o for o in menu.for_person(person, rows).options if o.fit != "not_eligible"]
    if request.method == "POST":
        chosen = next((p for p in rows if p.slug == request.form.get("programme")), None)
        if chosen is None or item.status not in statuses.OPEN:
            flash(_("Choose one of the options shown."), "error")
            return redirect(url_for(".another_format", ref=item.reference))
        linked = operations.offer_another_format(item, chosen)
        flash(_("Referral %(reference)s created.", reference=linked.reference))
        return redirect(url_for(".referral", ref=linked.reference))
    return render_template(
        "staff/another_format.jinja",
        referral=item,
        options=options,
        programmes={p.slug: p for p in rows},
        answers={},
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
        referral, created = operations.create_referral(
            current_user.practice,
            online,
            operations.PatientDetails.from_form(form),
            {"computer": computer},
        )
        if referral.status == "referred":
            operations.register_online(referral, form.has_device.data, form.needed_help.data)
        if created:
            flash(_("Registered. Referral %(reference)s is booked.", reference=referral.reference))
        return redirect(url_for(".referral", ref=referral.reference))
    return render_template(
        "staff/register_online.jinja",
        step="form",
        online=online,
        form=form,
        computer=computer,
        has_error=bool(form.errors),
    )


@staff(*PRACTICE_ROLES)
def sign_up_steps() -> ResponseReturnValue:
    item = _practice_referral(request.args.get("ref", ""))
    operations.audit_now("referral.sign_up_steps", item.reference, language=g.lang)
    return render_template("public/sign_up_steps.jinja", referral=item, programme=item.programme)


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
