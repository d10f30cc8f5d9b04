"""Access decorators: exactly one on every view (a test walks app.url_map to check).

``public``: anyone. ``staff(*roles)``: a signed-in, active staff member with one of the roles
(any role when none are given). Anonymous users go to sign in; a wrong role gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
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
                return redirect(url_for("staff.login", next=request.full_path))
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return _mark(guarded, ("staff", *allowed))  # type: ignore[return-value]

    return decorator
