"""Security controls on every request: headers with a hash-based Content-Security-Policy,
no caching of pages that show personal data, a correlation id, and staff session timeouts
(idle: the session is locked, finder/staff/signin.py ``unlock``; absolute: it ends).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from importlib.resources import files

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


def _inline_script() -> str:
    """The one inline script on our pages: the NHS.UK page template's, which marks the page as
    having JavaScript. Read from the installed template, so an upgrade that changes it keeps
    its hash right (tests/security/test_controls.py compares it with the served page)."""
    template = files("nhsuk_frontend_jinja") / "templates" / "nhsuk" / "template.jinja"
    found = re.search(r"<script[^>]*>(.*?)</script>", template.read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError("the NHS.UK page template has no inline script")
    return found.group(1)


# The script is allowed by its hash: a page holds no per-response nonce, so a kept page's
# bytes (and their gzip) are served as they are (finder.pagecache).
SCRIPT_HASH = base64.b64encode(hashlib.sha256(_inline_script().encode()).digest()).decode()
CSP = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'sha256-{SCRIPT_HASH}'",
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
# The same on every response.
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Answers travel in the query string: never send them to another site.
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _session_state(now: dt.datetime) -> str:
    """ "ended" (SESSION_ABSOLUTE after sign-in, or no clocks), "idle" (SESSION_IDLE without a
    request: the session is locked) or "live"."""
    started = session.get("started")
    seen = session.get("seen")
    if started is None or seen is None:
        return "ended"
    if now - dt.datetime.fromtimestamp(started, dt.UTC) > SESSION_ABSOLUTE:
        return "ended"
    if now - dt.datetime.fromtimestamp(seen, dt.UTC) > SESSION_IDLE:
        return "idle"
    return "live"


def start_session() -> None:
    """Call at sign-in: the clocks for the idle and absolute timeouts."""
    now = clock.now().timestamp()
    session["started"] = now
    session["seen"] = now


def init_app(app: Flask) -> None:
    @app.before_request
    def per_request() -> None:
        g.request_id = secrets.token_hex(8)
        # No text we keep may hold a NUL character (PostgreSQL refuses them): bad input, 400.
        values = [*request.args.values(), request.path]
        if request.method not in ("GET", "HEAD"):
            values += request.form.values()
        if any("\x00" in value for value in values):
            abort(400)
        if current_user.is_authenticated:
            now = clock.now()
            state = _session_state(now)
            if state == "ended":
                logout_user()
                session.clear()
            elif state == "idle":  # locked: the same person's password opens it again
                session["locked_user"] = current_user.id
                logout_user()
            else:
                session["seen"] = now.timestamp()

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(HEADERS)
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        if request.blueprint in STAFF_BLUEPRINTS or request.endpoint in PERSONAL:
            response.headers["Cache-Control"] = "no-store"
        elif request.endpoint not in UNCOMPRESSED:
            response = compress.after_request(response)
        return response

    if app.config["FINDER_ENV"] == "production":
        app.config.update(
            SESSION_COOKIE_NAME="__Host-session",
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_PATH="/",
            REMEMBER_COOKIE_SECURE=True,
        )
