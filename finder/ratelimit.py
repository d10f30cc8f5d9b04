"""A fixed-window rate limit kept in the database, so every worker and node shares it.

Clients are told apart by an HMAC of their address with the app's secret key: the address
itself is never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from finder import clock
from finder.database import writes
from finder.extensions import db
from finder.models import RateLimit


def client_key(bucket: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    address = (request.remote_addr or "unknown").encode()
    return f"{bucket}:{hmac.new(secret, address, hashlib.sha256).hexdigest()[:32]}"


def allow(bucket: str, limit: int, window: dt.timedelta) -> bool:
    """Count one request from this client; False once it has made more than ``limit``."""
    now = clock.now()
    seconds = int(window.total_seconds())
    start = dt.datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, dt.UTC)
    key = client_key(bucket)
    where = (RateLimit.key == key, RateLimit.window_start == start)
    count_one = update(RateLimit).where(*where).values(count=RateLimit.count + 1)
    with writes():
        if not db.session.execute(count_one).rowcount:  # type: ignore[attr-defined]
            try:
                with db.session.begin_nested():  # another worker may make the row first
                    db.session.add(RateLimit(key=key, window_start=start, count=1))
            except IntegrityError:
                db.session.execute(count_one)
        count = db.session.scalar(select(RateLimit.count).where(*where)) or 0
        db.session.execute(delete(RateLimit).where(RateLimit.window_start < now - 2 * window))
    return count <= limit
