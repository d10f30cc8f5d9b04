"""Administration, under /<lang>/staff/: staff accounts (admins only)."""

from __future__ import annotations

from flask import Blueprint

from finder.admin import views
from finder.i18n import language_prefixed
from finder.routing import add_routes

bp = language_prefixed(Blueprint("admin", __name__, url_prefix="/<lang>/staff"))

add_routes(
    bp,
    [
        # (path, endpoint, view, methods)
        ("/users", "users", views.users, "GET"),
        ("/users/new", "new_user", views.new_user, "GET POST"),
        ("/users/<int:user_id>", "user", views.user, "GET POST"),
        ("/users/<int:user_id>/disable", "disable", views.disable, "POST"),
        ("/users/<int:user_id>/enable", "enable", views.enable, "POST"),
        ("/users/<int:user_id>/reset-two-step", "reset_two_step", views.reset_two_step, "POST"),
    ],
)
