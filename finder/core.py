"""Routes outside the language prefix: the root redirect, assets and the health check."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import IntegerConverter, Map
from werkzeug.security import safe_join

from finder.access import public
from finder.extensions import db
from finder.i18n import best_from_accept_language

bp = Blueprint("core", __name__)


class RowIdConverter(IntegerConverter):
    """``<int:...>``: a row id, so no wider than an ``Integer`` column (32 bits on PostgreSQL).
    A wider one matches no route (a 404) instead of reaching the database, which refuses to bind
    it (PostgreSQL: "integer out of range"; SQLite, past 64 bits: OverflowError)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


@bp.get("/")
@public
def root() -> ResponseReturnValue:
    return redirect(url_for("public.start", lang=best_from_accept_language()))


YEAR = 365 * 24 * 3600


@bp.get("/assets/<path:filename>")
@public
def assets(filename: str) -> ResponseReturnValue:
    """Built assets: fingerprinted ones cached for a year; gzip copies where the browser takes
    them."""
    folder = current_app.config["FINDER_ASSETS_DIR"]
    fingerprinted = filename in current_app.extensions["finder_assets"].values()
    max_age = YEAR if fingerprinted else 24 * 3600
    compressed = Path(safe_join(folder, filename + ".gz") or "")
    if "gzip" in request.headers.get("Accept-Encoding", "") and compressed.is_file():
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = send_file(compressed, mimetype=mimetype, max_age=max_age, conditional=True)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_from_directory(folder, filename, max_age=max_age)
    response.headers["Vary"] = "Accept-Encoding"
    if fingerprinted:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database did not answer")
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
