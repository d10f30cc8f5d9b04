"""Access decorators: exactly one on every view (a test walks app.url_map to check).

``public``: anyone. ``staff(*roles)``: a signed-in, active staff member with one of the roles
(any role when none are given). Anonymous users go to sign in (a locked session to unlock
it); a wrong role gets 403.
``bearer(setting)``: another service, with the token that setting holds in an
``Authorization: Bearer`` header (compared in constant time); without it, or when the setting
is unset, 401 in JSON. Such a route takes no cookies, so it is exempt from CSRF.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user

from finder.policy import ROLES

F = TypeVar("F", bound=Callable[..., Any])


def _mark(view: F, access: tuple[str, ...]) -> F:
    if hasattr(view, "access"):
        raise TypeError(f"{view.__name__} has two access decorators")
    view.access = access  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    return _mark(view, ("public",))


def staff(*roles: str) -> Callable[[F], F]:
    allowed = roles or ROLES
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if session.get("locked_user"):
                    # Locked (idle): a form sent now goes along (307) to be kept.
                    code = 307 if request.method == "POST" else 302
                    return redirect(url_for("staff.unlock", next=request.full_path), code=code)
                return redirect(url_for("staff.login", next=request.full_path))
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return _mark(guarded, ("staff", *allowed))  # type: ignore[return-value]

    return decorator


def bearer(setting: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            token = current_app.config[setting]
            given = request.headers.get("Authorization", "")
            if not (
                token
                and given.startswith("Bearer ")
                and hmac.compare_digest(given.removeprefix("Bearer ").encode(), token.encode())
            ):
                return jsonify({"error": "a valid bearer token is required"}), 401
            return view(*args, **kwargs)

        return _mark(guarded, ("bearer", setting))  # type: ignore[return-value]

    return decorator
