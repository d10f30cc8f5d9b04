"""The JSON API, version 1."""

from __future__ import annotations

from flask import Blueprint

from finder.api import views
from finder.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

bp.add_url_rule("/programmes", view_func=views.programmes, endpoint="programmes")
bp.add_url_rule("/match", view_func=views.match, endpoint="match")
bp.add_url_rule("/openapi.json", view_func=views.openapi, endpoint="openapi")
