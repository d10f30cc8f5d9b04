"""The Open Referral UK API (the UK profile of HSDS 3.1): public, anonymous, read-only, with
``Access-Control-Allow-Origin: *``, at /openreferral/ (no language prefix: the documents are
the directory's English records, with every language's texts in an extension)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from finder.extensions import csrf
from finder.openreferral import views
from finder.routing import add_routes

bp = Blueprint("openreferral", __name__, url_prefix="/openreferral")
csrf.exempt(bp)
bp.register_error_handler(views.BadParameter, views.bad_parameter)


@bp.after_app_request
def anyone_may_read(response: Response) -> Response:
    """Every answer under /openreferral/, errors and unknown paths too, is for any site."""
    if request.path == "/openreferral" or request.path.startswith("/openreferral/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


add_routes(
    bp,
    [
        # (path, endpoint, view, methods)
        ("/", "index", views.index, "GET"),
        ("/openapi.json", "openapi", views.openapi, "GET"),
        ("/services", "services", views.services, "GET"),
        ("/services/<id>", "service", views.service, "GET"),
        ("/service_at_locations", "service_at_locations", views.service_at_locations, "GET"),
        ("/service_at_locations/<id>", "service_at_location", views.service_at_location, "GET"),
        ("/taxonomies", "taxonomies", views.taxonomies, "GET"),
        ("/taxonomies/<id>", "taxonomy", views.taxonomy, "GET"),
        ("/taxonomy_terms", "taxonomy_terms", views.taxonomy_terms, "GET"),
        ("/taxonomy_terms/<id>", "taxonomy_term", views.taxonomy_term, "GET"),
    ],
)
