"""Security controls on every request: headers with a nonce-based Content-Security-Policy,
no caching of pages that show personal data, a correlation id, and staff session timeouts.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Flask, Response, abort, g, request, session
from flask_login import current_user, logout_user

from finder import clock
from finder.extensions import compress
from finder.policy import SESSION_ABSOLUTE, SESSION_IDLE

# Blueprints of signed-in staff: never cached or compressed; on SQLite they take the write
# lock at once (finder/__init__.py).
STAFF_BLUEPRINTS = frozenset({"staff", "commissioning", "admin"})
# Pages holding a CSRF token or personal data are never compressed (the BREACH attack).
UNCOMPRESSED = frozenset(
    {
        "public.self_refer",
        "public.self_refer_done",
        "public.feedback",
        "links.open_link",
        "public.my_link",
        "public.my_cannot_attend",
    }
)
# Public pages that show personal data back (the self-referral form, also when it is shown
# again with errors, and its confirmation; a person's own page and its calendar file): never
# kept by a browser or proxy.
PERSONAL = frozenset(
    {
        "public.self_refer",
        "public.self_refer_done",
        "links.open_link",
        "public.my_link",
        "public.my_calendar",
        "public.my_cannot_attend",
    }
)


_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The same on every response (set once per response with the nonce's policy).
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Answers travel in the query string: never send them to another site.
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def csp(nonce: str) -> str:
    return _CSP.format(nonce=nonce)


def _session_expired(now: dt.datetime) -> bool:
    started = session.get("started")
    seen = session.get("seen")
    if started is None or seen is None:
        return True
    return (
        now - dt.datetime.fromtimestamp(seen, dt.UTC) > SESSION_IDLE
        or now - dt.datetime.fromtimestamp(started, dt.UTC) > SESSION_ABSOLUTE
    )


def start_session() -> None:
    """Call at sign-in: the clocks for the idle and absolute timeouts."""
    now = clock.now().timestamp()
    session["started"] = now
    session["seen"] = now


def init_app(app: Flask) -> None:
    @app.before_request
    def per_request() -> None:
        g.request_id = secrets.token_hex(8)
        g.csp_nonce = secrets.token_urlsafe(16)
        # No text we keep may hold a NUL character (PostgreSQL refuses them): bad input, 400.
        values = [*request.args.values(), request.path]
        if request.method not in ("GET", "HEAD"):
            values += request.form.values()
        if any("\x00" in value for value in values):
            abort(400)
        if current_user.is_authenticated:
            now = clock.now()
            if _session_expired(now):
                logout_user()
                session.clear()
            else:
                session["seen"] = now.timestamp()

    @app.after_request
    def headers(response: Response) -> Response:
        nonce = g.get("csp_nonce") or secrets.token_urlsafe(16)
        response.headers["Content-Security-Policy"] = csp(nonce)
        response.headers.update(HEADERS)
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        if request.blueprint in STAFF_BLUEPRINTS or request.endpoint in PERSONAL:
            response.headers["Cache-Control"] = "no-store"
        elif request.endpoint not in UNCOMPRESSED:
            response = compress.after_request(response)
        return response

    @app.context_processor
    def nonce() -> dict[str, str]:
        return {"csp_nonce": g.get("csp_nonce", "")}

    if app.config["FINDER_ENV"] == "production":
        app.config.update(
            SESSION_COOKIE_NAME="__Host-session",
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_PATH="/",
            REMEMBER_COOKIE_SECURE=True,
        )
