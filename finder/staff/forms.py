"""Staff forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import HiddenField
from wtforms.validators import DataRequired, Email, Length, Optional

from finder.circumstances import CHOICES, PARAMETERS
from finder.forms import (
    CONTACT_METHODS,
    BaseForm,
    ContactRequired,
    Fits,
    NHSBooleanField,
    NHSDateField,
    NHSEmailField,
    NHSPasswordField,
    NHSRadioField,
    NHSSelectField,
    NHSStringField,
    NHSTextAreaField,
    OnceForm,
    choices,
    seen_version,
    valid_nhs_number,
    valid_phone,
    written_phone,
)
from finder.i18n import native_name
from finder.limits import PROBLEMS_LISTED
from finder.models import Patient, Practice
from finder.policy import CONTACT_CHANNELS, CONTACT_OUTCOMES, COURSE_LANGUAGES
from finder.public.questions import QUESTIONS
from finder.referrals.statuses import LABELS


class LoginForm(BaseForm):
    email = NHSEmailField(
        _l("Email address"), validators=[DataRequired(_l("Enter your email address"))]
    )
    password = NHSPasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password"))]
    )


class CodeForm(BaseForm):
    code = NHSStringField(
        _l("Code"),
        hint=_l("The 6-digit code in your authenticator app, or one of your recovery codes"),
        validators=[DataRequired(_l("Enter the code")), Length(max=20)],
    )


class SecondStepForm(CodeForm):
    remember = NHSBooleanField(
        _l("This is my own computer: do not ask me for a code on it again today"),
        hint=_l("Only on a computer nobody else signs in to as you. Signing out forgets it."),
    )


class UnlockForm(BaseForm):
    password = NHSPasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password"))]
    )


def consult_form(areas: Mapping[str, str], formdata: Any) -> BaseForm:
    """All the finder's questions on one page, built from the one vocabulary (a GET form)."""

    class ConsultForm(BaseForm):
        class Meta:
            csrf = False

    for name in PARAMETERS:
        question = QUESTIONS[name]
        if name in CHOICES:
            pairs = [(v, question.labels[v]) for v in CHOICES[name]]
            field: Any = NHSRadioField(
                question.title, choices=choices(pairs), validators=[Optional()]
            )
        else:
            options = (
                [(tag, native_name(tag)) for tag in COURSE_LANGUAGES]
                if name == "language"
                else list(areas.items())
            )
            field = NHSSelectField(
                question.title,
                choices=choices([("", _l("Not asked")), *options]),
                validators=[Optional()],
            )
        setattr(ConsultForm, name, field)
    return ConsultForm(formdata=formdata)


class PatientForm(ContactRequired, BaseForm):
    """A patient's details: asked when referring, corrected later."""

    name = NHSStringField(
        _l("Full name"),
        autocomplete="off",
        validators=[DataRequired(_l("Enter the patient's full name")), Fits(Patient.name)],
    )
    date_of_birth = NHSDateField(
        _l("Date of birth"),
        autocomplete="off",
        hint=_l("For example, 27/03/1958"),
        validators=[DataRequired(_l("Enter the date of birth as day, month and year"))],
    )
    nhs_number = NHSStringField(
        _l("NHS number (optional)"),
        autocomplete="off",
        hint=_l("10 digits"),
        validators=[Optional(), valid_nhs_number],
    )
    phone = NHSStringField(
        _l("Phone number"), autocomplete="off", validators=[Optional(), valid_phone]
    )
    email = NHSEmailField(
        _l("Email address"),
        autocomplete="off",
        validators=[
            Optional(),
            Fits(Patient.email),
            Email(_l("Enter an email address, like name@example.com")),
        ],
    )
    preferred_language = NHSSelectField(
        _l("Preferred language"),
        choices=choices((tag, native_name(tag)) for tag in COURSE_LANGUAGES),
        default="en",
    )
    contact_method = NHSRadioField(
        _l("How should we contact them?"),
        choices=choices(CONTACT_METHODS.items()),
        default="phone",
    )
    interpreter_needed = NHSBooleanField(_l("They need an interpreter"))
    companion_coming = NHSBooleanField(_l("A relative or carer will come with them"))
    access_needs = NHSTextAreaField(
        _l("Access needs (optional)"),
        hint=_l("For example: uses a wheelchair, needs a hearing loop, large print"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Give access needs of 500 characters or fewer")),
        ],
    )
    diagnosis_date = NHSDateField(
        _l("Date of diagnosis (optional)"),
        autocomplete="off",
        hint=_l("When they joined the diabetes register. For example, 14/02/2026"),
        validators=[Optional()],
    )


class ReferralForm(PatientForm, OnceForm):
    course_run = NHSSelectField(_l("Course date (optional)"), choices=[], validate_choice=False)
    programme = HiddenField()


class CorrectionForm(PatientForm):
    """Correcting a patient's details: every change needs a reason."""

    reason = NHSStringField(
        _l("Why are you changing this?"),
        hint=_l("For example: wrong number, they moved, they told us at the front desk"),
        validators=[
            DataRequired(_l("Enter why you are changing their details")),
            Length(max=300, message=_l("Give a reason of 300 characters or fewer")),
        ],
    )
    version = HiddenField()


class CourseRunForm(BaseForm):
    course_run = NHSSelectField(_l("Course date"), choices=[], validate_choice=False)
    run_reason = NHSStringField(
        _l("Reason (optional)"),
        validators=[Length(max=300, message=_l("Give a reason of 300 characters or fewer"))],
    )
    version = HiddenField()


class StatusForm(BaseForm):
    status = NHSSelectField(
        _l("New status"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("Choose the new status"))],
    )
    reason = NHSTextAreaField(
        _l("Reason (optional)"),
        validators=[Length(max=1000, message=_l("Give a reason of 1,000 characters or fewer"))],
    )

    # The referral's version when the form was shown (a change from an older one is refused).
    version = HiddenField()

    def set_choices(self, allowed: list[str]) -> None:
        self.status.choices = choices((s, LABELS[s]) for s in allowed)

    def seen_version(self) -> int | None:
        return seen_version(self.version.data)


class NoteForm(BaseForm):
    text = NHSTextAreaField(
        _l("Note"), validators=[DataRequired(_l("Enter a note")), Length(max=2000)]
    )


CHANNEL_LABELS = {
    "phone": _l("Phone"),
    "text": _l("Text message"),
    "email": _l("Email"),
    "letter": _l("Letter"),
}
OUTCOME_LABELS = {
    "reached": _l("Spoke to them"),
    "no_answer": _l("No answer"),
    "left_message": _l("Left a message"),
    "letter_sent": _l("Letter sent"),
    "wrong_number": _l("Wrong number"),
}


class ContactForm(BaseForm):
    channel = NHSSelectField(
        _l("How"), choices=choices((key, CHANNEL_LABELS[key]) for key in CONTACT_CHANNELS)
    )
    outcome = NHSSelectField(
        _l("What happened"),
        choices=choices((key, OUTCOME_LABELS[key]) for key in CONTACT_OUTCOMES),
    )


class PracticeContactForm(BaseForm):
    """The practice's phone number and opening hours, printed in its letters' contact block."""

    phone = NHSStringField(
        _l("Phone number for patients"),
        hint=_l("For example, 020 7946 0000"),
        autocomplete="off",
        validators=[Optional(), written_phone],
    )
    opening_hours = NHSStringField(
        _l("Opening hours"),
        hint=_l("As patients should read them, for example: Monday to Friday, 8am to 6:30pm"),
        validators=[Optional(), Fits(Practice.opening_hours)],
    )


class NextActionForm(BaseForm):
    next_action_on = NHSDateField(
        _l("Next action on"),
        hint=_l("For example, 14/02/2026. Leave empty to clear it."),
        validators=[Optional()],
    )


class RegistrationForm(ReferralForm):
    """Registering a patient for the online programme at the front desk."""

    email = NHSEmailField(
        _l("Email address"),
        autocomplete="off",
        hint=_l("The online programme sends its sign-in link to this address."),
        validators=[
            DataRequired(_l("Enter the patient's email address")),
            Fits(Patient.email),
            Email(_l("Enter an email address, like name@example.com")),
        ],
    )
    has_device = NHSBooleanField(_l("They have a phone, tablet or computer they can use"))
    needed_help = NHSBooleanField(_l("They needed help to register"))


def listed_problems(problems: list[str]) -> list[str]:
    """What an import page lists of a refused file's problems: the first PROBLEMS_LISTED, then
    how many more there are."""
    listed = problems[:PROBLEMS_LISTED]
    if len(problems) > len(listed):
        more = len(problems) - len(listed)
        listed.append(ngettext("And %(num)d more problem.", "And %(num)d more problems.", more))
    return listed
