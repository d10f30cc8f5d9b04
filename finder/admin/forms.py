"""Account forms for admins. The rules (unique email, which roles have a practice, the last
admin) are checked by finder/accounts.py, which the commands share."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Email, Length

from finder import accounts
from finder.forms import BaseForm, NHSEmailField, NHSRadioField, NHSSelectField, NHSStringField
from finder.forms import choices as as_choices
from finder.models import Practice, Provider
from finder.policy import ROLES

ROLE_LABELS = {
    "clinician": _l("Clinician: GP, practice nurse or diabetes nurse"),
    "support": _l("Support: healthcare assistant or receptionist"),
    "commissioner": _l("Commissioner"),
    "admin": _l("Administrator"),
    "provider": _l("Course provider: staff of a course team"),
}


def _role() -> Any:
    return NHSRadioField(
        _l("Role"),
        choices=as_choices((role, ROLE_LABELS[role]) for role in ROLES),
        validate_choice=False,  # finder/accounts.py checks it, with its own message
        validators=[DataRequired(_l("Choose a role"))],
    )


def _practice() -> Any:
    return NHSSelectField(
        _l("Practice"),
        hint=_l("Clinicians and support staff only"),
        choices=[],
        validate_choice=False,
    )


def _provider() -> Any:
    return NHSSelectField(
        _l("Course provider"),
        hint=_l("Course providers' staff only"),
        choices=[],
        validate_choice=False,
    )


class RoleForm(BaseForm):
    role = _role()
    practice = _practice()
    provider = _provider()

    def set_practices(self, practices: list[Practice], providers: list[Provider]) -> None:
        self.practice.choices = as_choices(
            [("", _l("None")), *((p.code, f"{p.name} ({p.code})") for p in practices)]
        )
        self.provider.choices = as_choices(
            [("", _l("None")), *((p.slug, p.name) for p in providers)]
        )


class AccountForm(RoleForm):
    name = NHSStringField(
        _l("Full name"),
        validators=[
            DataRequired(accounts.NAME_MESSAGE),
            Length(max=accounts.NAME_MAX_LENGTH, message=accounts.NAME_MESSAGE),
        ],
    )
    email = NHSEmailField(
        _l("Email address"),
        hint=_l("They sign in with it"),
        validators=[DataRequired(accounts.EMAIL_MESSAGE), Email(accounts.EMAIL_MESSAGE)],
    )
    # Created after name and email, so they come in this order in the error summary.
    role = _role()
    practice = _practice()
    provider = _provider()
