"""Remembered devices: a staff member who gave their second step on their own computer may
sign in there again with the password only, until midnight in London.

The browser keeps a random token in a cookie (HttpOnly, SameSite=Lax, ``__Host-`` and Secure
in production) that ends when the device does; only the token's SHA-256 is stored. A device
works for the account that made it only, is listed on the account page where it can be
forgotten, and every device of an account is forgotten when its sessions end (signing out,
a new second factor, an admin ending them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import Request, Response, current_app
from sqlalchemy import select, update

from finder import clock
from finder.extensions import db
from finder.models import RememberedDevice, User

TOKEN_BYTES = 32
# What the browser says it is, for the account page: the first match of each list.
BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def cookie_name() -> str:
    return "__Host-device" if current_app.config["SESSION_COOKIE_SECURE"] else "device"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def label(user_agent: str) -> str:
    """ "Firefox on Windows", from the browser's User-Agent header (never stored whole)."""
    browser = next((name for key, name in BROWSERS if key in user_agent), "A browser")
    system = next((name for key, name in SYSTEMS if key in user_agent), None)
    return f"{browser} on {system}" if system else browser


def until(at: dt.datetime) -> dt.datetime:
    """The end of the day that ``at`` is in: the next midnight in London."""
    local = at.astimezone(clock.LONDON)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), clock.LONDON)
    return midnight.astimezone(dt.UTC)


def remember(user: User, request: Request, response: Response) -> RememberedDevice:
    """Remember this browser for ``user`` (in the caller's unit of work): the cookie goes on
    ``response``."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    at = clock.now()
    device = RememberedDevice(
        user_id=user.id,
        token_hash=_digest(token),
        label=label(request.user_agent.string),
        created_at=at,
        expires_at=until(at),
    )
    db.session.add(device)
    response.set_cookie(
        cookie_name(),
        token,
        expires=device.expires_at,
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return device


def _this(user: User, request: Request) -> RememberedDevice | None:
    """The device of ``user``'s that this browser's cookie names, working or not."""
    token = request.cookies.get(cookie_name())
    if not token:
        return None
    device = db.session.scalar(select(RememberedDevice).filter_by(token_hash=_digest(token)))
    return device if device is not None and device.user_id == user.id else None


def recognised(user: User, request: Request) -> RememberedDevice | None:
    """The device this browser is for ``user``, if it is remembered and still works (its use
    noted, in the caller's unit of work)."""
    device = _this(user, request)
    at = clock.now()
    if device is None or not device.usable(at):
        return None
    device.last_used_at = at
    return device


def recognised_id(user: User, request: Request) -> int | None:
    """Which of ``user``'s devices this browser is, without noting a use."""
    device = _this(user, request)
    return device.id if device is not None else None


def listed(user: User) -> list[RememberedDevice]:
    """The account's devices that still work, newest first."""
    at = clock.now()
    return list(
        db.session.scalars(
            select(RememberedDevice)
            .where(
                RememberedDevice.user_id == user.id,
                RememberedDevice.revoked_at.is_(None),
                RememberedDevice.expires_at > at,
            )
            .order_by(RememberedDevice.created_at.desc(), RememberedDevice.id.desc())
        )
    )


def forget(user: User, device_id: int) -> bool:
    """Forget one of the account's devices (in the caller's unit); whether there was one."""
    done = db.session.execute(
        update(RememberedDevice)
        .where(
            RememberedDevice.id == device_id,
            RememberedDevice.user_id == user.id,
            RememberedDevice.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def forget_all(user: User) -> None:
    """Forget every device of the account (in the caller's unit): its sessions are ending."""
    db.session.execute(
        update(RememberedDevice)
        .where(RememberedDevice.user_id == user.id, RememberedDevice.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
