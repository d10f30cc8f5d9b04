"""Public pages, under the language prefix: the finder, results and programme pages."""

from __future__ import annotations

from flask import Blueprint

from finder.i18n import language_prefixed
from finder.public import views
from finder.routing import add_routes

bp = language_prefixed(Blueprint("public", __name__, url_prefix="/<lang>"))

add_routes(
    bp,
    [
        # (path, endpoint, view, methods)
        ("/", "start", views.start, "GET"),
        ("/find", "find", views.find, "GET"),
        ("/find/check", "check", views.check_answers, "GET"),
        ("/find/<name>", "question", views.question, "GET"),
        ("/results", "results", views.results, "GET"),
        ("/s/<code>", "short_link", views.short_link, "GET"),
        ("/s/<code>/<area>", "short_link", views.short_link, "GET"),
        ("/programmes", "programmes", views.programmes, "GET"),
        ("/programmes/<slug>", "programme", views.programme, "GET"),
        ("/accessibility", "accessibility", views.accessibility, "GET"),
        ("/privacy", "privacy", views.privacy, "GET"),
        ("/explainer", "explainers", views.explainers, "GET"),
        ("/programmes/<slug>/explainer", "explainer", views.explainer, "GET"),
        ("/self-refer/<slug>", "self_refer", views.self_refer, "GET POST"),
        ("/self-refer/<slug>/done", "self_refer_done", views.self_refer_done, "GET"),
        ("/my/<token>", "my_link", views.my_link, "GET"),
        ("/my/<token>/calendar.ics", "my_calendar", views.my_calendar, "GET"),
        ("/my/<token>/cannot-make-it", "my_cannot_attend", views.my_cannot_attend, "POST"),
        ("/feedback/<slug>", "feedback", views.feedback, "GET POST"),
        ("/feedback/<slug>/done", "feedback_done", views.feedback_done, "GET"),
    ],
)
