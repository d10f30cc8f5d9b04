"""Commissioning, under /<lang>/staff/: the directory, uptake and graduate feedback."""

from __future__ import annotations

from flask import Blueprint

from finder.commissioning import views
from finder.i18n import language_prefixed
from finder.routing import add_routes

bp = language_prefixed(Blueprint("commissioning", __name__, url_prefix="/<lang>/staff"))

add_routes(
    bp,
    [
        # (path, endpoint, view, methods)
        ("/directory/", "directory", views.directory_home, "GET"),
        ("/directory/programmes/<slug>", "programme", views.edit_programme, "GET POST"),
        ("/directory/programmes/<slug>/facts", "facts", views.edit_facts, "GET POST"),
        ("/directory/runs/new", "new_run", views.edit_run, "GET POST"),
        ("/directory/runs/<int:run_id>", "run", views.edit_run, "GET POST"),
        ("/directory/runs/<int:run_id>/delete", "delete_run", views.delete_run, "POST"),
        ("/directory/venues/new", "new_venue", views.edit_venue, "GET POST"),
        ("/directory/venues/<slug>", "venue", views.edit_venue, "GET POST"),
        ("/directory/areas", "areas", views.add_area, "POST"),
        ("/directory/export.json", "export_json", views.export_json, "GET"),
        ("/directory/export.csv", "export_csv", views.export_csv, "GET"),
        ("/directory/export-datapackage.zip", "export_package", views.export_package, "GET"),
        ("/directory/import", "import", views.import_json, "GET POST"),
        ("/uptake", "uptake", views.uptake_page, "GET"),
        ("/uptake.csv", "uptake_csv", views.uptake_csv, "GET"),
        ("/feedback", "feedback", views.feedback_list, "GET"),
        ("/feedback/<int:feedback_id>", "moderate", views.moderate, "POST"),
        ("/provider-links", "provider_links", views.provider_links, "GET"),
        (
            "/provider-links/<int:link_id>/revoke",
            "revoke_provider_link",
            views.revoke_provider_link,
            "POST",
        ),
    ],
)
