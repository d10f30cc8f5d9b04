"""Commissioning, under /<lang>/staff/: the directory, uptake and graduate feedback."""

from __future__ import annotations

from flask import Blueprint

from finder.commissioning import views
from finder.i18n import language_prefixed

bp = language_prefixed(Blueprint("commissioning", __name__, url_prefix="/<lang>/staff"))

GET_POST = ["GET", "POST"]
bp.add_url_rule("/directory/", view_func=views.directory_home, endpoint="directory")
bp.add_url_rule(
    "/directory/programmes/<slug>", view_func=views.edit_programme, endpoint="programme",
    methods=GET_POST,
)  # fmt: skip
bp.add_url_rule(
    "/directory/programmes/<slug>/facts", view_func=views.edit_facts, endpoint="facts",
    methods=GET_POST,
)  # fmt: skip
bp.add_url_rule(
    "/directory/runs/new", view_func=views.edit_run, endpoint="new_run", methods=GET_POST
)
bp.add_url_rule(
    "/directory/runs/<int:run_id>", view_func=views.edit_run, endpoint="run", methods=GET_POST
)
bp.add_url_rule(
    "/directory/runs/<int:run_id>/delete", view_func=views.delete_run, endpoint="delete_run",
    methods=["POST"],
)  # fmt: skip
bp.add_url_rule(
    "/directory/venues/new", view_func=views.edit_venue, endpoint="new_venue", methods=GET_POST
)
bp.add_url_rule(
    "/directory/venues/<slug>", view_func=views.edit_venue, endpoint="venue", methods=GET_POST
)
bp.add_url_rule("/directory/areas", view_func=views.add_area, endpoint="areas", methods=["POST"])
bp.add_url_rule("/directory/export.json", view_func=views.export_json, endpoint="export_json")
bp.add_url_rule("/directory/export.csv", view_func=views.export_csv, endpoint="export_csv")
bp.add_url_rule(
    "/directory/export-datapackage.zip", view_func=views.export_package, endpoint="export_package"
)
bp.add_url_rule(
    "/directory/import", view_func=views.import_json, endpoint="import", methods=GET_POST
)
bp.add_url_rule("/uptake", view_func=views.uptake_page, endpoint="uptake")
bp.add_url_rule("/uptake.csv", view_func=views.uptake_csv, endpoint="uptake_csv")
bp.add_url_rule("/feedback", view_func=views.feedback_list, endpoint="feedback")
bp.add_url_rule(
    "/feedback/<int:feedback_id>", view_func=views.moderate, endpoint="moderate", methods=["POST"]
)
bp.add_url_rule("/provider-links", view_func=views.provider_links, endpoint="provider_links")
bp.add_url_rule(
    "/provider-links/<int:link_id>/revoke", view_func=views.revoke_provider_link,
    endpoint="revoke_provider_link", methods=["POST"],
)  # fmt: skip
