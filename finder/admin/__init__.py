"""Administration, under /<lang>/staff/: staff accounts (admins only)."""

from __future__ import annotations

from flask import Blueprint

from finder.admin import views
from finder.i18n import language_prefixed

bp = language_prefixed(Blueprint("admin", __name__, url_prefix="/<lang>/staff"))

GET_POST = ["GET", "POST"]
bp.add_url_rule("/users", view_func=views.users, endpoint="users")
bp.add_url_rule("/users/new", view_func=views.new_user, endpoint="new_user", methods=GET_POST)
bp.add_url_rule("/users/<int:user_id>", view_func=views.user, endpoint="user", methods=GET_POST)
bp.add_url_rule(
    "/users/<int:user_id>/disable", view_func=views.disable, endpoint="disable", methods=["POST"]
)
bp.add_url_rule(
    "/users/<int:user_id>/enable", view_func=views.enable, endpoint="enable", methods=["POST"]
)
bp.add_url_rule(
    "/users/<int:user_id>/reset-two-step", view_func=views.reset_two_step,
    endpoint="reset_two_step", methods=["POST"],
)  # fmt: skip
