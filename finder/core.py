"""Routes outside the language prefix: the root redirect, assets and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from finder.access import public
from finder.extensions import db
from finder.i18n import best_from_accept_language

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def root() -> ResponseReturnValue:
    return redirect(url_for("public.start", lang=best_from_accept_language()))


@bp.get("/assets/<path:filename>")
@public
def assets(filename: str) -> ResponseReturnValue:
    return send_from_directory(current_app.config["FINDER_ASSETS_DIR"], filename, max_age=3600)


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database did not answer")
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
