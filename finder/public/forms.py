"""Forms patients fill in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from finder.forms import (
    BaseForm,
    ContactRequired,
    Fits,
    NHSBooleanField,
    NHSDateField,
    NHSEmailField,
    NHSRadioField,
    NHSSelectField,
    NHSStringField,
    NHSTextAreaField,
    OnceForm,
    choices,
    valid_nhs_number,
    valid_phone,
)
from finder.i18n import native_name
from finder.models import Patient
from finder.policy import COURSE_LANGUAGES

ANY_RUN = "any"


class Preferences:
    """What a person tells us about how to contact them and who comes with them."""

    preferred_language = NHSSelectField(
        _l("Which language should we use when we contact you?"),
        choices=choices((tag, native_name(tag)) for tag in COURSE_LANGUAGES),
    )
    interpreter_needed = NHSBooleanField(_l("I would like an interpreter"))
    companion_coming = NHSBooleanField(_l("A relative, friend or carer will come with me"))


class SelfReferralForm(Preferences, ContactRequired, OnceForm):
    name = NHSStringField(
        _l("Your full name"),
        validators=[DataRequired(_l("Enter your full name")), Fits(Patient.name)],
    )
    date_of_birth = NHSDateField(
        _l("Your date of birth"),
        hint=_l("For example, 27/03/1958"),
        validators=[DataRequired(_l("Enter your date of birth, like 27/03/1958"))],
    )
    nhs_number = NHSStringField(
        _l("Your NHS number (if you know it)"),
        hint=_l("It is 10 numbers long. You can find it on letters from the NHS."),
        validators=[Optional(), valid_nhs_number],
    )
    phone = NHSStringField(_l("Phone number"), validators=[Optional(), valid_phone])
    email = NHSEmailField(
        _l("Email address"),
        validators=[
            Optional(),
            Fits(Patient.email),
            Email(_l("Enter an email address, like name@example.com")),
        ],
    )
    practice = NHSSelectField(
        _l("Your GP practice"),
        choices=[],
        validators=[DataRequired(_l("Select your GP practice"))],
    )
    # Group programmes with dates: the run the person chooses ("any" when they leave it to the
    # practice); the view sets the choices, and removes the field when there are none.
    course_run = NHSRadioField(_l("Which course would you like to go to?"), default=ANY_RUN)
    consent = NHSBooleanField(
        _l("I agree that my GP practice and the course team can use these details to contact me"),
        validators=[DataRequired(_l("Tick the box to say you agree, so we can contact you"))],
    )

    def set_practices(self, practices: list[tuple[str, str]]) -> None:
        self.practice.choices = choices([("", _l("Choose your GP practice")), *practices])

    def set_runs(self, runs: list[tuple[str, str]], best: str | None) -> None:
        """The runs to choose from as (key, words), the one that fits best chosen at first."""
        if not runs:
            del self.course_run
            return
        any_date = _l("Any of these: my GP practice can help me choose")
        self.course_run.choices = choices([*runs, (ANY_RUN, any_date)])
        if self.course_run.data == ANY_RUN and best and not self.is_submitted():
            self.course_run.data = best


class InvitedReferralForm(Preferences, OnceForm):
    """The self-referral of someone invited by their practice, which has their details."""

    consent = NHSBooleanField(
        _l("I agree that my GP practice and the course team can use my details to contact me"),
        validators=[DataRequired(_l("Tick the box to say you agree, so we can contact you"))],
    )


class FeedbackForm(OnceForm):
    rating = NHSRadioField(
        _l("How would you rate the course?"),
        choices=choices(
            [
                ("5", _l("5: very good")),
                ("4", _l("4: good")),
                ("3", _l("3: all right")),
                ("2", _l("2: poor")),
                ("1", _l("1: very poor")),
            ]
        ),
        validators=[DataRequired(_l("Choose a number from 1 to 5"))],
    )
    comment = NHSTextAreaField(
        _l("What would you tell someone who is thinking of going? (optional)"),
        hint=_l(
            "Do not write your name or anything that shows who you are. "
            "You can write in any language."
        ),
        validators=[Optional(), Length(max=500, message=_l("Write 500 characters or fewer"))],
    )


class CannotAttendForm(BaseForm):
    """ "I can't make it" on a booking's page: one button, for the run the page showed."""

    run = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,18}$")])
