"""One-time keys on every form that creates something.

Each such form carries a random key from the page that showed it. The first submission with a
key does its work and records where it led; a second one (a double click, a resent request,
the same request twice at once) makes nothing and is shown where the first led.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from finder import clock
from finder.database import writes
from finder.extensions import db
from finder.models import FormSubmission


def new_key() -> str:
    return secrets.token_urlsafe(24)


def _target(key: str) -> str | None:
    return db.session.scalar(
        select(FormSubmission.target)
        .where(FormSubmission.key == key)
        .execution_options(populate_existing=True)
    )


def once(key: str | None, make: Callable[[], str]) -> tuple[str, bool]:
    """Do ``make`` (a unit of work that returns the path to show next) once for this key.

    Returns the path and whether this call made it. A form sent without a key (an old page)
    is done as it comes.
    """
    if not key:
        with writes():
            return make(), True
    try:
        with writes():
            found = _target(key)
            if found is not None:
                return found, False
            # The key goes in first: a second request with it waits here (PostgreSQL's unique
            # index; SQLite's write lock) until this one ends, then finds what it made.
            submission = FormSubmission(key=key, made_at=clock.now())
            db.session.add(submission)
            db.session.flush()
            submission.target = make()
            return submission.target, True
    except IntegrityError:
        found = _target(key)
        if found is None:
            raise
        return found, False


def _sent_again(target: str) -> ResponseReturnValue:
    flash(_("You already sent this form. We have not sent it again."))
    return redirect(target)


def already_sent(key: str | None) -> ResponseReturnValue | None:
    """Where the form sent before with this key led (the person told so), or None.

    For a view that may stop before ``redirect_once`` because of what is in the database: the
    second click of a double click must not be stopped by what the first one made (its new
    patient looks like a duplicate of the second's). The first request records its key in the
    same unit of work as what it makes, so whoever sees the one sees the other."""
    target = _target(key) if key else None
    return _sent_again(target) if target is not None else None


def redirect_once(key: str | None, make: Callable[[], str]) -> ResponseReturnValue:
    """A creating form's view ends here: do its work once, then go where it led. A second
    submission is told it was already sent."""
    target, made = once(key, make)
    return redirect(target) if made else _sent_again(target)
