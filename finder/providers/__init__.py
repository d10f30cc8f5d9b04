"""The course provider's side: its inbox (staff pages, routed in finder/staff/) and its links
to one referral, ``/r/<token>``, routed here, outside the language prefix."""

from __future__ import annotations

from flask import Blueprint

from finder.providers import views

bp = Blueprint("links", __name__)
bp.add_url_rule(
    "/r/<token>", view_func=views.open_link, endpoint="open_link", methods=["GET", "POST"]
)
