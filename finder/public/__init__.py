"""Public pages, under the language prefix: the finder, results and programme pages."""

from __future__ import annotations

from flask import Blueprint

from finder.i18n import language_prefixed
from finder.public import views

bp = language_prefixed(Blueprint("public", __name__, url_prefix="/<lang>"))

bp.add_url_rule("/", view_func=views.start, endpoint="start")
bp.add_url_rule("/find", view_func=views.find, endpoint="find")
bp.add_url_rule("/find/check", view_func=views.check_answers, endpoint="check")
bp.add_url_rule("/find/<name>", view_func=views.question, endpoint="question")
bp.add_url_rule("/results", view_func=views.results, endpoint="results")
bp.add_url_rule("/programmes", view_func=views.programmes, endpoint="programmes")
bp.add_url_rule("/programmes/<slug>", view_func=views.programme, endpoint="programme")
bp.add_url_rule("/accessibility", view_func=views.accessibility, endpoint="accessibility")
bp.add_url_rule("/privacy", view_func=views.privacy, endpoint="privacy")
bp.add_url_rule("/explainer", view_func=views.explainers, endpoint="explainers")
bp.add_url_rule("/programmes/<slug>/explainer", view_func=views.explainer, endpoint="explainer")
bp.add_url_rule(
    "/self-refer/<slug>", view_func=views.self_refer, endpoint="self_refer", methods=["GET", "POST"]
)
bp.add_url_rule(
    "/self-refer/<slug>/done", view_func=views.self_refer_done, endpoint="self_refer_done"
)
bp.add_url_rule("/my/<token>", view_func=views.my_link, endpoint="my_link")
bp.add_url_rule("/my/<token>/calendar.ics", view_func=views.my_calendar, endpoint="my_calendar")
bp.add_url_rule(
    "/my/<token>/cannot-make-it",
    view_func=views.my_cannot_attend,
    endpoint="my_cannot_attend",
    methods=["POST"],
)
bp.add_url_rule(
    "/feedback/<slug>", view_func=views.feedback, endpoint="feedback", methods=["GET", "POST"]
)
bp.add_url_rule("/feedback/<slug>/done", view_func=views.feedback_done, endpoint="feedback_done")
