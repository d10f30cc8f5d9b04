"""Staff accounts: create one, disable or enable it, change its role, reset its second factor.

The admin pages (finder/admin/) and the commands (finder/cli.py) both use these. Each writes
its change and an audit row naming the account (by id: no personal data) in one transaction,
and commits. A change to an existing account ends every session of it: the session epoch
moves on, and load_user (finder/__init__.py) refuses a session from an older epoch.
"""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from finder import devices, passwords
from finder.audit import record
from finder.database import locked, writes
from finder.extensions import db
from finder.models import Practice, Provider, User
from finder.policy import PRACTICE_ROLES, PROVIDER_ROLE, ROLES

PASSWORD_MIN_LENGTH = 12
NAME_MAX_LENGTH = 200  # as the column
# Shared with the form (finder/admin/forms.py), which checks every field at once.
NAME_MESSAGE = _l("Enter the person's name, up to %(count)d characters", count=NAME_MAX_LENGTH)
EMAIL_MESSAGE = _l("Enter an email address, like name@example.com")
# No 0/o, 1/l/i: a new password is read off the screen and typed in by its owner.
_UNAMBIGUOUS = "23456789abcdefghjkmnpqrstuvwxyz"


class AccountError(ValueError):
    """A change refused, with the form field it concerns and a message for the person."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def new_password() -> str:
    """A random password to hand over once: four groups of four (79 bits)."""
    groups = ("".join(secrets.choice(_UNAMBIGUOUS) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def _check_role(role: str, practice: Practice | None, provider: Provider | None) -> None:
    if role not in ROLES:
        raise AccountError("role", _l("Choose a role from the list"))
    if role in PRACTICE_ROLES and practice is None:
        raise AccountError("practice", _l("Choose the practice this person works at"))
    if role not in PRACTICE_ROLES and practice is not None:
        raise AccountError(
            "practice", _l("An account with this role belongs to no practice: choose none")
        )
    if role == PROVIDER_ROLE and provider is None:
        raise AccountError("provider", _l("Choose the course provider this person works for"))
    if role != PROVIDER_ROLE and provider is not None:
        raise AccountError(
            "provider", _l("Only a course provider's account belongs to a provider: choose none")
        )


def _would_leave_no_admin(user: User) -> bool:
    """Whether taking admin rights from ``user`` would leave nobody to manage accounts."""
    others = db.session.scalar(
        select(func.count()).select_from(
            # The other admins' rows stay locked until the change is made: two admins who
            # disable each other at once cannot leave none.
            select(User.id)
            .where(User.role == "admin", User.active, User.id != user.id)
            .with_for_update()
            .subquery()
        )
    )
    return user.role == "admin" and user.active and not others


def _locked(user: User) -> User:
    found = locked(User, id=user.id)
    if found is None:
        raise AccountError("email", _l("This account no longer exists"))
    return found


def _end_sessions(user: User) -> None:
    user.session_epoch += 1
    devices.forget_all(user)


def create_user(
    email: str,
    name: str,
    role: str,
    practice: Practice | None,
    password: str,
    provider: Provider | None = None,
) -> User:
    name = name.strip()
    if not 0 < len(name) <= NAME_MAX_LENGTH:
        raise AccountError("name", NAME_MESSAGE)
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError("email", EMAIL_MESSAGE) from exc
    if db.session.scalar(select(User.id).filter_by(email=email)):
        raise AccountError("email", _l("This email address already has an account"))
    _check_role(role, practice, provider)
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(
            "password",
            _l("Use at least %(count)d characters", count=PASSWORD_MIN_LENGTH),
        )
    user = User(
        email=email,
        name=name,
        role=role,
        practice=practice,
        provider=provider,
        password_hash=passwords.hash_password(password),
    )
    with writes():
        db.session.add(user)
        db.session.flush()  # its id, for the audit row
        record("account.create", None, account=user.id, role=role)
    return user


def set_active(user: User, active: bool) -> None:
    """Disable an account (it can no longer sign in) or enable it again."""
    with writes():
        user = _locked(user)
        if not active:
            if current_user and current_user.is_authenticated and current_user.id == user.id:
                raise AccountError("active", _l("You cannot disable your own account"))
            if _would_leave_no_admin(user):
                raise AccountError("active", _l("This is the only active admin account"))
        user.active = active
        _end_sessions(user)
        record("account.enable" if active else "account.disable", None, account=user.id)


def set_role(
    user: User, role: str, practice: Practice | None, provider: Provider | None = None
) -> None:
    _check_role(role, practice, provider)
    with writes():
        user = _locked(user)
        if role != "admin" and _would_leave_no_admin(user):
            raise AccountError("role", _l("This is the only active admin account"))
        user.role = role
        user.practice = practice
        user.provider = provider
        _end_sessions(user)
        record(
            "account.role",
            None,
            account=user.id,
            role=role,
            practice=practice.code if practice else None,
            provider=provider.slug if provider else None,
        )


def reset_second_factor(user: User) -> None:
    """Forget the account's authenticator and recovery codes: it sets them up again at its
    next sign-in (a lost phone)."""
    with writes():
        user = _locked(user)
        user.totp_secret = None
        user.totp_pending_secret = None
        user.totp_last_step = None
        user.recovery_codes = None
        _end_sessions(user)
        record("account.reset_two_step", None, account=user.id)
