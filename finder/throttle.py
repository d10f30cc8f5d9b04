"""Per-account sign-in throttling, kept in the database so it holds across workers.

After SIGNIN_MAX_FAILURES failed sign-ins to one account within SIGNIN_WINDOW (finder.policy),
that account refuses every attempt, even with the right password, until the oldest failure
leaves the window. Other accounts are not affected (no global lockout).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete, func, select

from finder.extensions import db
from finder.models import LoginAttempt
from finder.policy import SIGNIN_MAX_FAILURES, SIGNIN_WINDOW


def account_key(email: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def wait_seconds(email: str, now: dt.datetime) -> int:
    """Seconds until this account may try again (0: it may try now)."""
    key = account_key(email)
    recent = select(LoginAttempt.at).where(
        LoginAttempt.account_key == key, LoginAttempt.at > now - SIGNIN_WINDOW
    )
    count = db.session.scalar(select(func.count()).select_from(recent.subquery())) or 0
    if count < SIGNIN_MAX_FAILURES:
        return 0
    oldest = db.session.scalar(select(func.min(LoginAttempt.at)).where(
        LoginAttempt.account_key == key, LoginAttempt.at > now - SIGNIN_WINDOW
    ))  # fmt: skip
    if oldest is None:
        return 0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return max(1, int((oldest + SIGNIN_WINDOW - now).total_seconds()))


def record_failure(email: str, now: dt.datetime) -> None:
    db.session.add(LoginAttempt(account_key=account_key(email), at=now))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - SIGNIN_WINDOW))


def clear(email: str) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == account_key(email)))
