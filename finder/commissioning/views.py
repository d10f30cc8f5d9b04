"""Commissioner views: the directory, uptake and feedback. Every change is audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from finder import audit, clock, csvfile, directory, policy
from finder.access import staff
from finder.commissioning import hsds, operations, uptake
from finder.commissioning.forms import (
    AreaForm,
    FactsForm,
    ProgrammeForm,
    RunForm,
    VenueForm,
    from_yes_no_unknown,
    language_list,
    yes_no_unknown,
)
from finder.extensions import db
from finder.forms import choices, required
from finder.i18n import native_name
from finder.models import Area, CourseRun, Feedback, Programme, Venue
from finder.openreferral import documents, tabular
from finder.providers import links as provider_link_ops
from finder.staff.forms import listed_problems
from finder.submissions import new_key, redirect_once


@staff("commissioner")
def directory_home() -> ResponseReturnValue:
    return render_template(
        "commissioning/directory.jinja",
        programmes=directory.all_programmes(),
        venues=db.session.scalars(select(Venue).order_by(Venue.name)).all(),
        areas=db.session.scalars(select(Area).order_by(Area.name)).all(),
        runs=db.session.scalars(select(CourseRun).order_by(CourseRun.start_date)).all(),
        stale_before=directory.stale_before(clock.today()),
        today=clock.today(),
        area_form=AreaForm(),
        pending=db.session.query(Feedback).filter_by(status="pending").count(),
    )


@staff("commissioner")
def edit_programme(slug: str) -> ResponseReturnValue:
    programme = directory.programme(slug)
    if programme is None:
        abort(404)
    language = request.args.get("text_lang", "en")
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    texts = {t.locale: t for t in programme.texts}
    form = ProgrammeForm(obj=texts.get(language))
    if form.validate_on_submit():
        change = operations.ProgrammeChange(
            language=language,
            texts={field: getattr(form, field).data for field in operations.TEXT_FIELDS},
            verified=form.verified.data,
        )
        text = operations.save_programme(programme, change)
        flash(_("Saved %(name)s.", name=text.name))
        return redirect(url_for(".programme", slug=slug, text_lang=language))
    return render_template(
        "commissioning/programme.jinja",
        programme=programme,
        form=form,
        language=language,
        texts=texts,
        text_languages=current_app.config["LANGUAGES"],
        native_name=native_name,
        stale=programme.last_verified < directory.stale_before(clock.today()),
        history=operations.history(programme),
        today=clock.today(),
        has_error=bool(form.errors),
    )


def _facts(programme: Programme) -> dict[str, Any]:
    """A programme's facts as FactsForm shows them."""
    return {
        **{f: getattr(programme, f) for f in operations.FACTS},
        "companion_welcome": yes_no_unknown(programme.companion_welcome),
        "content_languages": ", ".join(programme.content_languages),
        "areas": [a.slug for a in programme.areas],
        # The sources, and an empty row to add one.
        "sources": [
            *({"about": [], **source} for source in programme.sources),
            {"fact": "", "url": "", "unverified": False, "about": []},
        ],
    }


@staff("commissioner")
def edit_facts(slug: str) -> ResponseReturnValue:
    programme = directory.programme(slug)
    if programme is None:
        abort(404)
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    form = FactsForm(data=_facts(programme))
    form.areas.choices = choices((a.slug, a.name) for a in areas)
    if form.validate_on_submit():
        paused = form.state.data == "paused"
        facts = {
            "state": form.state.data,
            "paused_until": form.paused_until.data if paused else None,
            "delivery": form.delivery.data,
            "sessions": form.sessions.data,
            "session_hours": form.session_hours.data,
            "diabetes_types": form.diabetes_types.data,
            "stages": form.stages.data,
            "self_referral": form.self_referral.data,
            "companion_welcome": from_yes_no_unknown(form.companion_welcome.data),
            "covers_other_conditions": form.covers_other_conditions.data,
            "content_languages": language_list(form.content_languages.data),
            "join_url": form.join_url.data or None,
            "needs_email": bool(form.needs_email.data),
            "referral_contact": form.referral_contact.data or None,
            "sources": [
                {
                    "fact": row.fact.data,
                    "url": row.url.data,
                    "unverified": row.unverified.data,
                    "about": list(row.about.data or []),
                }
                for row in form.sources
                if row.fact.data
            ],
        }
        change = operations.FactsChange(
            facts=facts,
            areas=[a for a in areas if a.slug in (form.areas.data or [])],
            verified=form.verified.data,
        )
        changed = operations.save_facts(programme, change)
        flash(
            _("Saved the facts of %(name)s.", name=programme.slug)
            if changed or form.verified.data
            else _("Nothing changed.")
        )
        return redirect(url_for(".programme", slug=slug))
    return render_template(
        "commissioning/facts.jinja",
        programme=programme,
        form=form,
        has_error=bool(form.error_list()),
    )


@staff("commissioner")
def edit_run(run_id: int | None = None) -> ResponseReturnValue:
    run = db.session.get(CourseRun, run_id) if run_id else None
    if run_id and run is None:
        abort(404)
    form = RunForm(obj=run)
    programmes = [p for p in directory.all_programmes() if p.delivery == "group"]
    venues = db.session.scalars(select(Venue).order_by(Venue.name)).all()
    form.programme.choices = choices((p.slug, p.slug) for p in programmes)
    form.venue.choices = choices((v.slug, v.name) for v in venues)
    if request.method == "GET" and run:
        form.programme.data = run.programme.slug
        form.venue.data = run.venue.slug if run.venue else ""
        form.start_time.data = run.start_time.strftime("%H:%M")
        form.end_time.data = run.end_time.strftime("%H:%M")
    if form.validate_on_submit():
        change = operations.RunChange(
            programme=next(p for p in programmes if p.slug == form.programme.data),
            venue=next(v for v in venues if v.slug == form.venue.data),
            start_date=required(form.start_date.data),
            start_time=dt.time.fromisoformat(required(form.start_time.data).zfill(5)),
            end_time=dt.time.fromisoformat(required(form.end_time.data).zfill(5)),
            language=required(form.language.data).lower(),
            places_left=required(form.places_left.data),
            expected_wait_days=form.expected_wait_days.data,
        )
        operations.save_run(run, change)
        flash(_("Saved the course run."))
        return redirect(url_for(".directory"))
    return render_template(
        "commissioning/run.jinja", form=form, run=run, has_error=bool(form.errors)
    )


@staff("commissioner")
def delete_run(run_id: int) -> ResponseReturnValue:
    run = db.session.get(CourseRun, run_id)
    if run is None:
        abort(404)
    if operations.remove_run(run):
        flash(
            _(
                "This course has referrals, so it was cancelled instead of deleted: patients "
                "no longer see it, and its open referrals are on their practices' follow-up "
                "lists."
            )
        )
    else:
        flash(_("Deleted the course run."))
    return redirect(url_for(".directory"))


@staff("commissioner")
def edit_venue(slug: str | None = None) -> ResponseReturnValue:
    venue = db.session.scalar(select(Venue).filter_by(slug=slug)) if slug else None
    if slug and venue is None:
        abort(404)
    form = VenueForm(obj=venue)
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    form.area.choices = choices((a.slug, a.name) for a in areas)
    if request.method == "GET" and venue:
        form.area.data = venue.area.slug
        form.step_free.data = "yes" if venue.step_free else "no"
        form.parking.data = yes_no_unknown(venue.parking)
    if form.validate_on_submit():
        change = operations.VenueChange(
            slug=required(form.slug.data),
            name=required(form.name.data),
            address=required(form.address.data),
            postcode=required(form.postcode.data),
            area=next(a for a in areas if a.slug == form.area.data),
            step_free=form.step_free.data == "yes",
            parking=from_yes_no_unknown(form.parking.data),
        )
        try:
            saved = operations.save_venue(venue, change)
        except operations.Taken:
            form.slug.errors = [_("Another venue already has this short name")]
        else:
            flash(_("Saved %(name)s.", name=saved.name))
            return redirect(url_for(".directory"))
    return render_template(
        "commissioning/venue.jinja", form=form, venue=venue, has_error=bool(form.errors)
    )


@staff("commissioner")
def add_area() -> ResponseReturnValue:
    form = AreaForm()
    if form.validate_on_submit():
        try:
            operations.add_area(required(form.slug.data), required(form.name.data))
        except operations.Taken:
            flash(_("Give the area a new short name and a name."), "error")
        else:
            flash(_("Added the area %(name)s.", name=form.name.data))
    else:
        problems = [e["text"] for e in form.error_list()]
        for problem in problems or [_("Give the area a new short name and a name.")]:
            flash(problem, "error")
    return redirect(url_for(".directory"))


@staff("commissioner")
def export_json() -> ResponseReturnValue:
    audit.record_read("directory.export", None, format="json")
    body = json.dumps(hsds.export(), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=directory.json"},
    )


@staff("commissioner")
def export_package() -> ResponseReturnValue:
    audit.record_read("directory.export", None, format="datapackage")
    services = hsds.export()["contents"]
    return Response(
        tabular.package(services, documents.TAXONOMY),
        mimetype="application/zip",
        headers={"Content-Disposition": "attachment; filename=directory-datapackage.zip"},
    )


EXPORT_COLUMNS = (
    "programme", "delivery", "run", "start_date", "start_time", "end_time", "language",
    "places_left", "expected_wait_days", "venue", "address", "postcode", "area", "step_free",
    "last_verified",
)  # fmt: skip


@staff("commissioner")
def export_csv() -> ResponseReturnValue:
    audit.record_read("directory.export", None, format="csv")
    rows: list[list[csvfile.Cell]] = []
    for p in directory.all_programmes():
        runs: list[CourseRun | None] = [*p.runs] or [None]
        for r in runs:
            venue = r.venue if r else None
            rows.append(
                [
                    p.slug, p.delivery, r.key if r else None,
                    r.start_date.isoformat() if r else None,
                    r.start_time.strftime("%H:%M") if r else None,
                    r.end_time.strftime("%H:%M") if r else None,
                    r.language if r else None, r.places_left if r else None,
                    r.expected_wait_days if r else None,
                    venue.name if venue else None, venue.address if venue else None,
                    venue.postcode if venue else None, venue.area.slug if venue else None,
                    venue.step_free if venue else None, p.last_verified.isoformat(),
                ]
            )  # fmt: skip
    return csvfile.response("directory.csv", EXPORT_COLUMNS, rows)


@staff("commissioner")
def import_json() -> ResponseReturnValue:
    problems: list[str] = []
    text = ""
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            text = upload.read().decode("utf-8") if upload else ""
            text = text or request.form.get("json", "")
            if not text.strip():
                raise hsds.ImportErrors([_("Choose a JSON file exported from this directory")])
            parsed = hsds.validate(hsds.read(text))

            def store() -> str:
                counts = operations.import_directory(parsed)
                flash(_("Imported %(services)d programmes and %(runs)d course runs.", **counts))
                return url_for(".directory")

            return redirect_once(request.form.get("submission"), store)
        except UnicodeDecodeError:
            problems = [_("The file is not JSON: it is not UTF-8 text.")]
        except hsds.ImportErrors as exc:
            problems = exc.problems
    listed = listed_problems(problems)
    return render_template(
        "commissioning/import.jinja",
        problems=listed,
        error_list=[{"text": str(p), "href": "#file"} for p in listed],
        # Shown again to be put right. A NUL character (only an upload can hold one) would
        # make the form refused when sent again: it is shown as the replacement character.
        text=text.replace("\x00", "\ufffd"),
        submission=request.form.get("submission") or new_key(),
    )


def _scope() -> tuple[int | None, str]:
    if current_user.role == "commissioner":
        return None, _("All practices")
    return current_user.practice_id, current_user.practice.name


@staff("commissioner", "clinician")
def uptake_page() -> ResponseReturnValue:
    practice_id, scope = _scope()
    board = uptake.dashboard(practice_id)
    audit.record_read("uptake.view", None, scope="all" if practice_id is None else "practice")
    return render_template(
        "commissioning/uptake.jinja",
        board=board,
        scope=scope,
        uptake=uptake,
    )


@staff("commissioner", "clinician")
def uptake_csv() -> ResponseReturnValue:
    practice_id, _scope_name = _scope()
    board = uptake.dashboard(practice_id)
    header = ["dimension", "group", *policy.UPTAKE_STAGES, "attended_rate_percent"]
    groups = [("all", [board.totals]), *board.breakdowns.items()]
    audit.record_read("uptake.export", None)
    return csvfile.response(
        "uptake.csv",
        header,
        (
            [name, row.key, *(row.shown(s) for s in policy.UPTAKE_STAGES), row.rate("attended")]
            for name, rows in groups
            for row in rows
        ),
    )


@staff("commissioner")
def feedback_list() -> ResponseReturnValue:
    items = db.session.scalars(
        select(Feedback).order_by(Feedback.status != "pending", Feedback.created_at.desc())
    ).all()
    return render_template("commissioning/feedback.jinja", items=items)


@staff("commissioner")
def moderate(feedback_id: int) -> ResponseReturnValue:
    item = db.session.get(Feedback, feedback_id)
    decision = request.form.get("decision")
    if item is None:
        abort(404)
    if decision not in ("approved", "rejected"):
        abort(400)
    operations.moderate(item, decision, current_user.id)
    flash(_("Feedback approved.") if decision == "approved" else _("Feedback rejected."))
    return redirect(url_for(".feedback"))


@staff("commissioner")
def provider_links() -> ResponseReturnValue:
    """The links made for course providers (references only), to revoke one."""
    return render_template(
        "commissioning/provider_links.jinja",
        links=provider_link_ops.for_commissioner(),
        now=clock.now(),
    )


@staff("commissioner")
def revoke_provider_link(link_id: int) -> ResponseReturnValue:
    link = provider_link_ops.revoke(link_id)
    if link is None:
        abort(404)
    flash(
        _("The link to referral %(reference)s no longer works.", reference=link.referral.reference)
    )
    return redirect(url_for(".provider_links"))
