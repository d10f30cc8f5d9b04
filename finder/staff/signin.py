"""Signing in and out: the password, the throttle, and the second step (TOTP or a recovery code).

Who may do what:
- Someone who gave the right password owes the second step for five minutes ("pending").
  An account that has a second factor is only ever asked for it; only an account without one
  (and only while two-step sign-in is required or being set up) may set one up then.
- A signed-in user replaces their second factor only after giving a current code or a
  recovery code again ("confirmed", for five minutes). Any change of second factor ends every
  other session of the account.
- Whoever gave the second step may have this browser remembered until the end of the day
  (finder/devices.py): there, the password alone signs the same account in again.
- After SESSION_IDLE without a request the session is locked, not ended (finder/security.py):
  the same person's password unlocks it, and a form sent while it was locked is kept and
  offered again, so no work is lost. SESSION_ABSOLUTE after sign-in it ends.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from finder import devices, security, throttle
from finder import mfa as mfa_codes
from finder.access import public, staff
from finder.audit import record
from finder.clock import now
from finder.database import locked, writes
from finder.extensions import db
from finder.forms import BaseForm, required
from finder.models import User
from finder.passwords import verify, verify_nobody
from finder.policy import SESSION_ABSOLUTE, SESSION_IDLE
from finder.staff.forms import CodeForm, LoginForm, SecondStepForm, UnlockForm

PENDING_FOR = dt.timedelta(minutes=5)
WRONG_CODE = "Enter the 6-digit code your authenticator app shows now"


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) may be a redirect target."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _wait_message(wait: int) -> str:
    """How long a throttled account waits (its oldest failure leaving the window), in minutes."""
    return str(
        _("Too many attempts. Wait %(minutes)d minutes, then try again.", minutes=-(-wait // 60))
    )


def _throttled(form: LoginForm, wait: int) -> ResponseReturnValue:
    form.email.errors = [_wait_message(wait)]
    return render_template("staff/login.jinja", form=form, has_error=True), 429


@public
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        email = required(form.email.data).lower()
        at = now()
        wait = throttle.wait_seconds(email, at)
        if wait:
            return _throttled(form, wait)
        user = db.session.scalar(select(User).filter_by(email=email))
        # An unknown account costs the same hash as a known one: the time tells nothing.
        right = (
            verify(user.password_hash, required(form.password.data)) if user else verify_nobody()
        )
        if user is not None and user.active and right:
            session.clear()  # a new session on sign-in
            if user.totp_secret:
                with writes():
                    device = devices.recognised(user, request)
                if device is not None:
                    return _complete_sign_in(
                        user, safe_next(request.args.get("next")), device=device.id
                    )
            if user.totp_secret or current_app.config["FINDER_REQUIRE_MFA"]:
                session["pending_user"] = user.id
                session["pending_since"] = at.timestamp()
                session["next"] = safe_next(request.args.get("next"))
                return redirect(url_for(".mfa" if user.totp_secret else ".mfa_enrol"))
            return _complete_sign_in(user, safe_next(request.args.get("next")))
        _failed(email, user, at, "staff.login")
        form.email.errors = [_("Enter a correct email address and password")]
    return render_template("staff/login.jinja", form=form, has_error=bool(form.errors))


def _failed(email: str, user: User | None, at: dt.datetime, action: str) -> None:
    """Count a failed attempt; the one that locks the account is audited (not every one)."""
    with writes():
        throttle.record_failure(email, at)
        if throttle.wait_seconds(email, at):
            record(action, None, outcome="throttled", account=user.id if user else None)


def _complete_sign_in(
    user: User, target: str | None, device: int | None = None
) -> ResponseReturnValue:
    session.clear()
    login_user(user)
    session["epoch"] = user.session_epoch
    security.start_session()
    with writes():
        throttle.clear(user.email)
        if device is None:
            record("staff.login", account=user.id)
        else:
            record("staff.login", account=user.id, device=device)
    return redirect(target or url_for(".home"))


def _pending_user() -> User | None:
    """Who has given the right password and now owes the second step, for five minutes."""
    since = session.get("pending_since")
    if not since or now().timestamp() - since > PENDING_FOR.total_seconds():
        return None
    return db.session.get(User, session.get("pending_user", 0))


def _check_code(user: User, form: CodeForm, action: str) -> bool:
    """A current code or an unused recovery code of this account, each usable once.

    The account is locked while the code is checked: the same code sent twice at once
    works once."""
    at = now()
    if wait := throttle.wait_seconds(user.email, at):
        form.code.errors = [_wait_message(wait)]
        return False
    with writes():
        account = locked(User, id=user.id)
        assert account is not None  # noqa: S101 - the pending or signed-in account exists
        code = required(form.code.data)
        good = mfa_codes.verify_code(account, code) or mfa_codes.use_recovery_code(account, code)
        if good:
            record(action, account=account.id)
    if not good:
        _failed(user.email, user, at, action)
        form.code.errors = [_(WRONG_CODE)]
    return good


@public
def mfa() -> ResponseReturnValue:
    """Second step: a code from the authenticator app, or a one-time recovery code."""
    user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for(".login"))
    form = SecondStepForm()
    if form.validate_on_submit() and _check_code(user, form, "staff.login.second_step"):
        response = _complete_sign_in(user, session.get("next"))
        if form.remember.data:
            with writes():
                device = devices.remember(user, request, response)  # type: ignore[arg-type]
                db.session.flush()
                record("staff.device_remembered", account=user.id, device=device.id)
        return response
    return render_template("staff/mfa.jinja", form=form, has_error=bool(form.errors))


CONFIRMED_FOR = dt.timedelta(minutes=5)


def _confirmed() -> bool:
    since = session.get("confirmed_at")
    return since is not None and now().timestamp() - since <= CONFIRMED_FOR.total_seconds()


@staff()
def mfa_confirm() -> ResponseReturnValue:
    """Before a second factor is replaced: prove you hold the current one."""
    if not current_user.totp_secret:
        return redirect(url_for(".mfa_enrol"))
    form = CodeForm()
    if form.validate_on_submit() and _check_code(current_user, form, "staff.mfa_change.confirmed"):
        session["confirmed_at"] = now().timestamp()
        return redirect(url_for(".mfa_enrol"))
    return render_template(
        "staff/mfa.jinja", form=form, has_error=bool(form.errors), confirming=True
    )


def _enrolling() -> User | None:
    """The account that may set up a second factor now, if any (see the module's rules)."""
    pending = _pending_user()
    if pending is not None:
        return None if pending.totp_secret else pending
    if current_user.is_authenticated and (not current_user.totp_secret or _confirmed()):
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


@public
def mfa_enrol() -> ResponseReturnValue:
    """Set up two-step sign-in: scan a QR code, confirm with a code, keep the recovery codes."""
    user = _enrolling()
    if user is None:
        if current_user.is_authenticated:
            return redirect(url_for(".mfa_confirm"))
        pending = _pending_user()
        return redirect(url_for(".mfa" if pending is not None else ".login"))
    if user.totp_pending_secret is None:
        with writes():
            account = locked(User, id=user.id)
            assert account is not None  # noqa: S101 - the account exists
            account.totp_pending_secret = account.totp_pending_secret or mfa_codes.new_secret()
        user = account
    form = CodeForm()
    if form.validate_on_submit():
        codes = _enrol(user, required(form.code.data))
        if codes is not None:
            target = session.get("next")
            if current_user.is_authenticated:
                # This session goes on; every other one of the account has ended.
                session["epoch"] = user.session_epoch
                session.pop("confirmed_at", None)
            else:
                _complete_sign_in(user, target)
            return render_template("staff/mfa_codes.jinja", codes=codes, target=target)
        form.code.errors = [_(WRONG_CODE)]
    secret = user.totp_pending_secret
    assert secret is not None  # noqa: S101 - made above
    return render_template(
        "staff/mfa_enrol.jinja",
        form=form,
        secret=secret,
        qr=mfa_codes.qr_svg(secret, user.email, _("QR code for your authenticator app")),
        has_error=bool(form.errors),
    )


def _enrol(user: User, code: str) -> list[str] | None:
    """Make the secret being set up the account's second factor, if the code proves it."""
    with writes():
        account = locked(User, id=user.id)
        assert account is not None  # noqa: S101 - the account exists
        secret = account.totp_pending_secret
        if not secret or not mfa_codes.check_enrolment(secret, code):
            return None
        replaced = account.totp_secret is not None
        account.totp_secret = secret
        account.totp_pending_secret = None
        account.totp_last_step = None
        mfa_codes.verify_code(account, code)  # this code is now used
        codes = mfa_codes.new_recovery_codes(account)
        account.session_epoch += 1
        devices.forget_all(account)
        record("staff.mfa_replaced" if replaced else "staff.mfa_enrolled", account=account.id)
    return codes


@staff()
def logout() -> ResponseReturnValue:
    """Sign out everywhere: every session of this user ends (the epoch moves on)."""
    with writes():
        account = locked(User, id=current_user.id)
        assert account is not None  # noqa: S101 - the signed-in account exists
        account.session_epoch += 1
        devices.forget_all(account)
        record("staff.logout", account=account.id)
    logout_user()
    session.clear()
    return redirect(url_for(".login"))


def _locked_user() -> User | None:
    """Whose locked session this browser holds, if it may still be unlocked."""
    user = db.session.get(User, session.get("locked_user", 0))
    started = session.get("started")
    if (
        user is None
        or not user.active
        or session.get("epoch") != user.session_epoch
        or started is None
        or now().timestamp() - started > SESSION_ABSOLUTE.total_seconds()
    ):
        return None
    return user


@public
def unlock() -> ResponseReturnValue:
    """A locked session: the same person's password opens it again. A form sent while it was
    locked arrives here (307) and is offered again once unlocked."""
    target = safe_next(request.args.get("next"))
    user = _locked_user()
    if user is None:
        if session.pop("locked_user", None) is not None:
            session.clear()  # locked too long ago, or the account's sessions have ended
        return redirect(url_for(".login", next=target))
    form = UnlockForm(prefix="unlock")
    carried = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if not name.startswith("unlock-") and name != "csrf_token"
    ]
    if "unlock-password" in request.form and form.validate_on_submit():
        at = now()
        if wait := throttle.wait_seconds(user.email, at):
            session.clear()  # no more tries on this session: sign in afresh
            return _throttled(LoginForm(), wait)
        if verify(user.password_hash, required(form.password.data)):
            login_user(user)
            session.pop("locked_user", None)
            session["seen"] = at.timestamp()
            with writes():
                throttle.clear(user.email)
                record("staff.unlock", account=user.id)
            if carried and target:
                return render_template("staff/unlocked.jinja", carried=carried, target=target)
            return redirect(target or url_for(".home"))
        _failed(user.email, user, at, "staff.unlock")
        form.password.errors = [_("Enter the correct password")]
    return render_template(
        "staff/unlock.jinja",
        form=form,
        user=user,
        idle_minutes=SESSION_IDLE.total_seconds() // 60,
        carried=carried,
        has_error=bool(form.errors),
    )


@staff()
def account() -> ResponseReturnValue:
    """Your account: the devices remembered today (each can be forgotten) and the second step."""
    return render_template(
        "staff/account.jinja",
        devices=devices.listed(current_user),
        this_device=devices.recognised_id(current_user, request),
    )


@staff()
def forget_device(device_id: int) -> ResponseReturnValue:
    form = BaseForm()
    if form.validate_on_submit():
        with writes():
            if devices.forget(current_user, device_id):
                record("staff.device_forgotten", account=current_user.id, device=device_id)
                flash(_("That device is forgotten: it will ask for a code again."))
    return redirect(url_for(".account"))
