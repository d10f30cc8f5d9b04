"""NHS.UK-style error pages. HTML for pages, JSON for the API.

An error page asks the database nothing: the handlers roll the request's transaction back
first (it may be the thing that failed) and show who is signed in only from what was already
read. So a database error still gets the NHS error page, its request id and the security
headers, never the server's bare 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from finder.extensions import db
from finder.i18n import supported


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/openreferral/")) or request.path == "/healthz"


def _page_language() -> None:
    """Error pages outside a language prefix still need a language: take it from the path."""
    if not g.get("lang"):
        first = request.path.strip("/").split("/")[0]
        g.lang = first if first in supported() else "en"


class _SignedIn(UserMixin):  # type: ignore[misc]  # Flask-Login is untyped
    """Who is signed in, as far as the request had already read it (for the page header)."""

    def __init__(self, loaded: dict[str, Any]) -> None:
        self.id, self.name, self.role = loaded["id"], loaded["name"], loaded["role"]


def _without_database(app: Flask) -> None:
    user = g.get("_login_user")
    try:
        loaded = inspect(user).dict if user is not None else {}
    except NoInspectionAvailable:  # anonymous, or already a _SignedIn
        loaded = {}
    try:
        db.session.rollback()
    except SQLAlchemyError:
        app.logger.warning("rollback failed before an error page")
    if {"id", "name", "role"} <= loaded.keys():
        g._login_user = _SignedIn(loaded)
    elif not isinstance(user, _SignedIn):
        g._login_user = AnonymousUserMixin()


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if request_ctx.url_adapter is None:
            # A Host this site does not answer to (TRUSTED_HOSTS): no page can be made for it.
            return error.get_response()
        if _wants_json():
            return jsonify(error=error.name.lower().replace(" ", "_")), error.code or 500
        _without_database(app)
        _page_language()
        template = "errors/404.jinja" if error.code == 404 else "errors/generic.jinja"
        return (
            render_template(template, error=error, request_id=g.get("request_id")),
            error.code or 500,
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
        """The database is down or restarting: one log line, and "try again" rather than 500."""
        app.logger.warning("database unavailable on %s %s", request.method, request.endpoint)
        response = app.make_response(http_error(ServiceUnavailable()))
        response.headers["Retry-After"] = "30"
        return response

    @app.teardown_appcontext
    def end_session(error: BaseException | None) -> None:
        # Ending the session rolls back on its connection; if the database went away during the
        # request that fails too, and must not turn the page already made into a bare 500.
        try:
            db.session.remove()
        except SQLAlchemyError:
            app.logger.warning("database connection lost at the end of a request")

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        if _wants_json():
            return jsonify(error="internal_server_error", request_id=g.get("request_id")), 500
        _without_database(app)
        _page_language()
        return render_template("errors/500.jinja", request_id=g.get("request_id")), 500
