"""Public views: thin, over the circumstances vocabulary, matching and the directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from finder import (
    clock,
    dates,
    directory,
    guide,
    i18n,
    links,
    matching,
    menu,
    next_steps,
    pagecache,
    ratelimit,
    shortlinks,
)
from finder.access import public
from finder.audit import PATIENT, act_as
from finder.circumstances import PARAMETERS, Circumstances, parse
from finder.database import writes
from finder.extensions import db
from finder.messages import language_name, when
from finder.models import Invitation, Practice, Programme, Referral
from finder.outbox import patients
from finder.public import questions
from finder.public.forms import (
    CannotAttendForm,
    FeedbackForm,
    InvitedReferralForm,
    SelfReferralForm,
)
from finder.referrals import booking, operations
from finder.register import invitations
from finder.submissions import redirect_once


def _url(endpoint: str, answers: Mapping[str, str], **values: Any) -> str:
    """A URL carrying the person's answers in its query string."""
    return url_for(endpoint, **{**answers, **values})


def _answers() -> tuple[Circumstances, dict[str, str], Mapping[str, str]]:
    areas = directory.area_names()
    person, errors = parse(request.args, areas)
    return person, errors, areas


def _ask(
    name: str, person: Circumstances, areas: Mapping[str, str], error: bool, status: int = 200
) -> tuple[str, int]:
    previous = questions.previous_question(name)
    back = (
        _url(".check", person.answered())
        if request.args.get("return") == "check"
        else _url(".question", person.answered(), name=previous)
        if previous
        else url_for(".start")
    )
    return (
        render_template(
            "public/question.jinja",
            question=questions.QUESTIONS[name],
            number=PARAMETERS.index(name) + 1,
            total=len(PARAMETERS),
            items=questions.radio_items(name, areas, getattr(person, name)),
            carried={k: v for k, v in person.answered().items() if k != name},
            error=questions.ERRORS[name] if error else None,
            back=back,
            returning=request.args.get("return") == "check",
        ),
        status,
    )


@public
@pagecache.kept
def start() -> ResponseReturnValue:
    return render_template("public/start.jinja")


@public
def find() -> ResponseReturnValue:
    return redirect(_url(".question", request.args.to_dict(), name=PARAMETERS[0]))


@public
@pagecache.kept
def question(name: str) -> ResponseReturnValue:
    if name not in questions.QUESTIONS:
        abort(404)
    person, errors, areas = _answers()
    if name in errors:
        return _ask(name, person, areas, error=True, status=400)
    if "continue" not in request.args:
        return _ask(name, person, areas, error=False)
    following = questions.next_question(name, person)
    if following is None or request.args.get("return") == "check":
        return redirect(_url(".check", person.answered()))
    return redirect(_url(".question", person.answered(), name=following))


def _reask_first_error(
    errors: dict[str, str], person: Circumstances, areas: Mapping[str, str]
) -> tuple[str, int]:
    first = next(name for name in PARAMETERS if name in errors)
    return _ask(first, person, areas, error=True, status=400)


@public
@pagecache.kept
def check_answers() -> ResponseReturnValue:
    person, errors, areas = _answers()
    if errors:
        return _reask_first_error(errors, person, areas)
    answers = person.answered()
    before, after = links.url_family(".question", "name", **answers, **{"return": "check"})
    rows = [
        (
            name,
            str(questions.QUESTIONS[name].title),  # translated once, not at each use
            questions.label(name, value, areas) if value else None,
            before + name + after,  # its "Change" link
        )
        for name, value in ((n, getattr(person, n)) for n in PARAMETERS)
        if person.diabetes not in questions.STOPS_EARLY or name == "diabetes"
    ]
    return render_template("public/check.jinja", rows=rows, answers=answers)


@public
@pagecache.kept
def results() -> ResponseReturnValue:
    person, errors, areas = _answers()
    if errors:
        return _reask_first_error(errors, person, areas)
    # Programmes only for other areas are counted, not each shown (a national directory has
    # thousands of them).
    rows = directory.shown_programmes(person.area)
    found = menu.for_person(person, rows)
    by_slug = {p.slug: p for p in rows}
    code, area = shortlinks.encode(person)
    short = links.absolute("public.short_link", code=code, **({"area": area} if area else {}))
    return render_template(
        "public/results.jinja",
        menu=found,
        programmes=by_slug,
        answers=person.answered(),
        eligible=[o for o in found.options if o.fit != "not_eligible"],
        nothing_fits=not any(o.fit in ("good", "possible") for o in found.options),
        not_eligible=[o for o in found.options if o.fit == "not_eligible"],
        elsewhere=directory.shown_elsewhere(person.area) if person.area else 0,
        short_link=short,
        short_qr=links.qr_svg(short),
    )


@public
def short_link(code: str, area: str | None = None) -> ResponseReturnValue:
    """A short link (finder.shortlinks) goes back to the results it was made from."""
    person = shortlinks.decode(code, area, directory.area_names())
    if person is None:
        abort(404)
    return redirect(_url(".results", person.answered()))


@public
@pagecache.kept
def programmes() -> ResponseReturnValue:
    return render_template("public/programmes.jinja", programmes=directory.shown_programmes())


@public
@pagecache.kept
def programme(slug: str) -> ResponseReturnValue:
    found = directory.shown_programme(slug)
    if found is None:
        abort(404)
    return render_template(
        "public/programme.jinja",
        programme=found,
        today=clock.today(),
        reviews=directory.reviews(found),
        stale=found.last_verified < directory.stale_before(clock.today()),
    )


@public
@pagecache.kept
def accessibility() -> ResponseReturnValue:
    return render_template(
        "public/accessibility.jinja", reviews=i18n.review_status(), native_name=i18n.native_name
    )


@public
@pagecache.kept
def privacy() -> ResponseReturnValue:
    return render_template("public/privacy.jinja")


@public
@pagecache.kept
def explainers() -> ResponseReturnValue:
    return render_template(
        "explainers/overview.jinja", programmes=directory.shown_programmes(), guide=guide
    )


@public
@pagecache.kept
def explainer(slug: str) -> ResponseReturnValue:
    found = directory.shown_programme(slug)
    if found is None:
        abort(404)
    runs = directory.upcoming_runs(found, clock.today())[:4]
    return render_template(
        "explainers/programme.jinja",
        programme=found,
        runs=runs,
        guide=guide,
        reviews=directory.reviews(found, quotes=2),
    )


def _upcoming(programme: Programme) -> list[matching.Run]:
    """The programme's runs a person can still choose, as matching sees them."""
    today = clock.today()
    runs = directory.for_matching(programme).runs
    return [r for r in runs if r.start_date >= today and r.places_left > 0]


def _run_words(run: matching.Run) -> Markup:
    """One run in a sentence or three: when, where, and in which language. The venue, borough
    and postcode are isolated (``bdi``): a right-to-left page keeps their English whole."""
    words = [escape(_("When: %(when)s.", when=when(run)))]
    if run.venue:
        words.append(
            Markup(escape(_("Where: %(venue)s, %(borough)s, %(postcode)s.")))  # noqa: S704  # nosec B704
            % {
                "venue": i18n.bdi(run.venue),
                "borough": i18n.bdi(run.borough),
                "postcode": i18n.bdi(run.postcode),
            }
        )
    words.append(escape(_("Language: %(language)s.", language=language_name(run.language))))
    return Markup(" ").join(words)


@public
def my_link(token: str) -> ResponseReturnValue:
    """A personal link: from an invitation, the finder with what the practice knows filled in;
    from a booking's message, the booking's page. A forged or expired link gets a page saying
    so, and nothing else."""
    invitation = invitations.from_token(token)
    if invitation is not None:
        invitations.opened(invitation)
        return redirect(
            url_for(".question", name=PARAMETERS[0], language=invitation.entry.preferred_language)
        )
    referral = booking.from_token(token)
    if referral is None:
        return render_template("public/my_link_invalid.jinja"), 404
    return _booking_page(referral, token, CannotAttendForm())


def _booking_page(
    referral: Referral, token: str, form: CannotAttendForm, status: int = 200
) -> ResponseReturnValue:
    """The person's booking: the course, the calendar file and "I can't make it" (until the
    course starts); with no booking (they could not make it, or the course was cancelled),
    other dates and the menu for their answers."""
    run = booking.booked_run(referral)
    today = clock.today()
    if run is not None and run.retired:
        run = None
    # Once the course has started, the person is on it: no "I can't make it" any more.
    can_cancel = run is not None and booking.starts_at(run) > clock.now()
    if run is not None:
        form.run.data = str(run.id)
    programme = referral.programme
    others = [
        r for r in directory.upcoming_runs(programme, today) if run is None or r.id != run.id
    ][:OTHER_DATES]
    return (
        render_template(
            "public/my_booking.jinja",
            referral=referral,
            programme=programme,
            run=run,
            can_cancel=can_cancel,
            others=others,
            token=token,
            form=form,
            could_not_make_it=booking.could_not_make_it(referral),
            provider_told=booking.provider_told(referral),
            menu=_url(
                ".results",
                {k: v for k, v in referral.circumstances.items() if k in PARAMETERS},
            ),
            has_error=bool(form.errors),
        ),
        status,
    )


# How many other dates of their course a person's booking page lists.
OTHER_DATES = 3


def _booking_or_404(token: str) -> Referral:
    referral = booking.from_token(token)
    if referral is None:
        abort(404)
    return referral


@public
def my_calendar(token: str) -> ResponseReturnValue:
    """The booking as a calendar file (none when there is no booking)."""
    referral = _booking_or_404(token)
    run = booking.booked_run(referral)
    if run is None or run.retired:
        abort(404)
    return Response(
        booking.calendar(referral, run, g.lang),
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="course.ics"'},
    )


@public
def my_cannot_attend(token: str) -> ResponseReturnValue:
    """ "I can't make it": the person leaves the course run (as the patient), and sees their
    page again, now with other dates and their menu. Pressed twice, nothing more happens."""
    referral = _booking_or_404(token)
    form = CannotAttendForm()
    if not form.validate_on_submit():
        form.run.errors = [_("Something went wrong. Press the button again.")]
        return _booking_page(referral, token, form, status=400)
    act_as(PATIENT)
    operations.cannot_attend(referral, int(form.run.data or 0))
    return redirect(url_for(".my_link", token=token))


def _self_refer_invited(
    programme: Programme, answers: dict[str, str], invitation: Invitation
) -> ResponseReturnValue:
    """The self-referral of someone who came through their personal link: the practice has
    their details, so they are asked only what it does not know."""
    entry = invitation.entry
    form = InvitedReferralForm()
    if request.method == "GET":
        form.preferred_language.data = entry.preferred_language
        form.interpreter_needed.data = entry.interpreter_needed
    elif form.validate_on_submit():

        def refer() -> str:
            with writes():  # the referral and its confirmation, or neither
                referral = invitations.self_refer(
                    invitation,
                    programme,
                    answers,
                    preferred_language=form.preferred_language.data,
                    interpreter_needed=bool(form.interpreter_needed.data),
                    companion_coming=bool(form.companion_coming.data),
                )
                confirmation = patients.confirm_self_referral(referral)
            session["self_referral"] = referral.reference
            session["self_referral_message"] = patients.queued(confirmation)
            return url_for(".self_refer_done", slug=programme.slug)

        return redirect_once(form.submission.data, refer)
    return render_template(
        "public/self_refer_invited.jinja",
        form=form,
        programme=programme,
        answers=answers,
        has_error=bool(form.errors),
    )


@public
def self_refer(slug: str) -> ResponseReturnValue:
    programme = directory.programme(slug)
    if (
        programme is None
        or not programme.self_referral
        or not programme.takes_referrals(clock.today())
    ):
        abort(404)
    person, _bad = parse(request.args, directory.area_names())
    invitation = invitations.current()
    if invitation is not None:
        return _self_refer_invited(programme, person.answered(), invitation)
    form = SelfReferralForm()
    form.set_practices(directory.practices())
    upcoming = _upcoming(programme) if programme.delivery == "group" else []
    best = matching.best_run(person, upcoming).key if upcoming else None
    form.set_runs([(r.key, _run_words(r)) for r in upcoming], best)
    if request.method == "GET":
        form.preferred_language.data = g.lang
    else:
        limit = current_app.config["FINDER_SELF_REFERRAL_LIMIT"]
        if not ratelimit.allow("self-referral", limit, dt.timedelta(hours=1)):
            return render_template("public/too_many.jinja"), 429
        if form.validate_on_submit():
            practice = db.session.scalar(select(Practice).filter_by(code=form.practice.data))
            if practice is not None:
                only_email = form.email.data and not form.phone.data
                details = operations.PatientDetails.from_form(
                    form, contact_method="email" if only_email else "phone", diagnosis_date=None
                )
                chosen = form.course_run.data if upcoming else None
                run = next((r for r in programme.runs if r.key == chosen), None)

                def refer() -> str:
                    with writes():  # the referral and its confirmation, or neither
                        referral, _created = operations.create_referral(
                            practice,
                            programme,
                            details,
                            person.answered(),
                            course_run=run,
                            self_referral=True,
                        )
                        confirmation = patients.confirm_self_referral(referral)
                    # The reference is shown from this browser's session only.
                    session["self_referral"] = referral.reference
                    session["self_referral_message"] = patients.queued(confirmation)
                    session["self_referral_run"] = run.key if run else None
                    return url_for(".self_refer_done", slug=slug)

                return redirect_once(form.submission.data, refer)
            form.practice.errors = [_("Select your GP practice")]
    return render_template(
        "public/self_refer.jinja",
        form=form,
        programme=programme,
        answers=person.answered(),
        has_error=bool(form.errors),
    )


@public
def self_refer_done(slug: str) -> ResponseReturnValue:
    programme = directory.programme(slug)
    reference = session.get("self_referral")
    if programme is None or not reference:
        return redirect(url_for(".self_refer", slug=slug))
    key = session.get("self_referral_run")
    run = next((r for r in directory.for_matching(programme).runs if r.key == key), None)
    steps = next_steps.for_programme(programme)
    return render_template(
        "public/self_refer_done.jinja",
        programme=programme,
        reference=reference,
        message_channel=session.get("self_referral_message"),
        run=run,
        run_words=_run_words(run) if run else "",
        call_by=dates.call_by(clock.today(), run.start_date if run else None, steps.chase_days),
        steps=steps,
    )


@public
def feedback_done(slug: str) -> ResponseReturnValue:
    programme = directory.programme(slug)
    if programme is None:
        abort(404)
    return render_template("public/feedback_done.jinja", programme=programme)


@public
def feedback(slug: str) -> ResponseReturnValue:
    programme = directory.programme(slug)
    if programme is None:
        abort(404)
    form = FeedbackForm()
    if request.method == "POST":
        if not ratelimit.allow("feedback", 10, dt.timedelta(hours=1)):
            return render_template("public/too_many.jinja"), 429
        if form.validate_on_submit():
            rating, comment = int(form.rating.data), form.comment.data or ""

            def give() -> str:
                operations.add_feedback(programme, rating, comment, g.lang)
                return url_for(".feedback_done", slug=slug)

            return redirect_once(form.submission.data, give)
    return render_template(
        "public/feedback.jinja", form=form, programme=programme, has_error=bool(form.errors)
    )
