"""The Open Referral UK API (the UK profile of HSDS 3.1): public, anonymous, read-only, with
``Access-Control-Allow-Origin: *``, at /openreferral/ (no language prefix: the documents are
the directory's English records, with every language's texts in an extension)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from finder.extensions import csrf
from finder.openreferral import views

bp = Blueprint("openreferral", __name__, url_prefix="/openreferral")
csrf.exempt(bp)
bp.register_error_handler(views.BadParameter, views.bad_parameter)


@bp.after_app_request
def anyone_may_read(response: Response) -> Response:
    """Every answer under /openreferral/, errors and unknown paths too, is for any site."""
    if request.path == "/openreferral" or request.path.startswith("/openreferral/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


bp.add_url_rule("/", view_func=views.index, endpoint="index")
bp.add_url_rule("/openapi.json", view_func=views.openapi, endpoint="openapi")
bp.add_url_rule("/services", view_func=views.services, endpoint="services")
bp.add_url_rule("/services/<id>", view_func=views.service, endpoint="service")
bp.add_url_rule(
    "/service_at_locations", view_func=views.service_at_locations, endpoint="service_at_locations"
)
bp.add_url_rule(
    "/service_at_locations/<id>",
    view_func=views.service_at_location,
    endpoint="service_at_location",
)
bp.add_url_rule("/taxonomies", view_func=views.taxonomies, endpoint="taxonomies")
bp.add_url_rule("/taxonomies/<id>", view_func=views.taxonomy, endpoint="taxonomy")
bp.add_url_rule("/taxonomy_terms", view_func=views.taxonomy_terms, endpoint="taxonomy_terms")
bp.add_url_rule("/taxonomy_terms/<id>", view_func=views.taxonomy_term, endpoint="taxonomy_term")
