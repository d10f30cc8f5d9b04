"""Directory forms for commissioners."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FloatField, FormField, IntegerField, ValidationError
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

from finder import clock
from finder.circumstances import valid_language
from finder.forms import (
    BaseForm,
    Fits,
    NHSBooleanField,
    NHSCheckboxesField,
    NHSDateField,
    NHSField,
    NHSRadioField,
    NHSSelectField,
    NHSStringField,
    NHSTextAreaField,
    SubForm,
    choices,
    required,
)
from finder.limits import PLACES_MAX, SESSIONS_MAX, WAIT_DAYS_MAX
from finder.models import Area, Programme, ProgrammeText, Venue
from finder.policy import SLUG
from finder.seeding import is_web_link

TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
BEYOND_ANY_RANGE = 2**63


def whole_number(low: int, high: int) -> NumberRange:
    """A number from ``low`` to ``high``, said so when it is not."""
    return NumberRange(
        min=low, max=high, message=_l("Enter a number from %(min)d to %(max)d", min=low, max=high)
    )


def safe_link(_form: Any, field: Any) -> None:
    if field.data and not is_web_link(field.data):
        raise ValidationError(_l("Enter a web address that starts with https://"))


def a_time(_form: Any, field: Any) -> None:
    if not TIME.match(field.data or ""):
        raise ValidationError(_l("Enter a time like 18:30"))


def a_language(_form: Any, field: Any) -> None:
    if not valid_language(field.data or ""):
        raise ValidationError(_l("Enter a language code, like bn or tr"))


class NHSIntegerField(NHSField, IntegerField):
    def params(self, **overrides: Any) -> dict[str, Any]:
        return super().params(classes="nhsuk-input--width-4", inputmode="numeric", **overrides)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        field: Any = self
        number: int | None = field.data
        # NumberRange compares as a float, which overflows on hundreds of digits. A number past
        # a 64-bit integer is out of every range here: it is checked as that bound instead, and
        # gets the range's message.
        if number is not None and abs(number) > BEYOND_ANY_RANGE:
            field.data = BEYOND_ANY_RANGE if number > 0 else -BEYOND_ANY_RANGE


class NHSDecimalField(NHSField, FloatField):
    def params(self, **overrides: Any) -> dict[str, Any]:
        return super().params(classes="nhsuk-input--width-4", inputmode="decimal", **overrides)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        field: Any = self
        # "nan" reads as a float that no range refuses, "inf" as one past every range.
        if field.data is not None and not math.isfinite(field.data):
            field.data = None
            raise ValueError(field.gettext("Not a valid float value."))


class NHSTimeField(NHSStringField):
    """A time of day as text like 18:30, a stored time included, so a form posted without it
    keeps the stored time rather than checking a time object as text."""

    def process_data(self, value: Any) -> None:
        self.data = value.strftime("%H:%M") if isinstance(value, dt.time) else value


class ProgrammeForm(BaseForm):
    name = NHSStringField(
        _l("Name"), validators=[DataRequired(_l("Enter the name")), Fits(ProgrammeText.name)]
    )
    summary = NHSTextAreaField(
        _l("Summary"),
        validators=[DataRequired(_l("Enter a summary")), Fits(ProgrammeText.summary)],
    )
    what_happens = NHSTextAreaField(
        _l("What happens"),
        validators=[
            DataRequired(_l("Say what happens on the course")),
            Fits(ProgrammeText.what_happens),
        ],
    )
    who_for = NHSTextAreaField(
        _l("Who it is for"),
        validators=[DataRequired(_l("Say who it is for")), Fits(ProgrammeText.who_for)],
    )
    how_to_join = NHSTextAreaField(
        _l("How to join"),
        validators=[DataRequired(_l("Say how to join")), Fits(ProgrammeText.how_to_join)],
    )
    verified = NHSBooleanField(_l("I have checked these details today"))


class SourceForm(SubForm):
    """One fact and its source, a row of FactsForm.sources."""

    fact = NHSTextAreaField(_l("Fact"), validators=[Optional(), Fits(Programme.sources)])
    url = NHSStringField(
        _l("Source (web address)"), validators=[Optional(), Fits(Programme.join_url), safe_link]
    )
    unverified = NHSBooleanField(_l("To be confirmed: the source does not confirm it yet"))
    # Which of the programme's facts this source supports: a fact only unconfirmed sources
    # support is shown "to be confirmed" and never ranks anything (directory.unverified).
    about = NHSCheckboxesField(
        _l("It is the source for"),
        choices=choices(
            [
                ("availability", _l("Whether the programme is running")),
                ("diabetes_types", _l("Types of diabetes")),
                ("stages", _l("Stages (newly diagnosed, longer)")),
                ("companion_welcome", _l("Whether someone can come with them")),
                ("covers_other_conditions", _l("Other long-term conditions")),
                ("self_referral", _l("Self-referral")),
            ]
        ),
        validate_choice=True,
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.fact.data and not self.url.data:
            self.url.errors = [_l("Enter the web address of the source of this fact")]
            valid = False
        if self.url.data and not self.fact.data:
            self.fact.errors = [_l("Enter the fact this source gives")]
            valid = False
        return bool(valid)


YES_NO_UNKNOWN = (("yes", _l("Yes")), ("no", _l("No")), ("unknown", _l("Not known")))


def yes_no_unknown(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def from_yes_no_unknown(answer: str | None) -> bool | None:
    return None if answer in (None, "", "unknown") else answer == "yes"


def languages(_form: Any, field: Any) -> None:
    tags = language_list(field.data)
    if not tags:
        raise ValidationError(_l("Enter at least one language code, like en"))
    wrong = [tag for tag in tags if not valid_language(tag)]
    if wrong:
        raise ValidationError(_l("%(codes)s: not a language code", codes=", ".join(wrong)))


def language_list(text: str | None) -> list[str]:
    """ "en, bn" as ["en", "bn"]: lower case, each once, in the order given."""
    return list(dict.fromkeys(t.strip().lower() for t in (text or "").split(",") if t.strip()))


class FactsForm(BaseForm):
    """A programme's facts (the same in every language), its areas and its state."""

    state = NHSRadioField(
        _l("Referrals"),
        choices=choices(
            [
                ("open", _l("Open: taking referrals")),
                ("paused", _l("Paused: no new referrals until a date")),
                ("retired", _l("Retired: patients no longer see it")),
            ]
        ),
        validators=[DataRequired(_l("Say if the programme takes referrals"))],
    )
    paused_until = NHSDateField(
        _l("Paused until (when paused)"),
        hint=_l("The day it takes referrals again, for example 1/3/2027"),
        validators=[Optional()],
    )
    delivery = NHSRadioField(
        _l("Format"),
        choices=choices([("group", _l("Group course")), ("online", _l("Online"))]),
        validators=[DataRequired(_l("Choose the format"))],
    )
    sessions = NHSIntegerField(
        _l("Number of sessions (optional)"),
        validators=[
            Optional(),
            whole_number(1, SESSIONS_MAX),
        ],
    )
    session_hours = NHSDecimalField(
        _l("Hours per session (optional)"),
        hint=_l("For example, 2.5"),
        validators=[
            Optional(),
            NumberRange(min=0.25, max=24, message=_l("Enter a number of hours from 0.25 to 24")),
        ],
    )
    diabetes_types = NHSCheckboxesField(
        _l("Who it is for: type of diabetes"),
        choices=choices([("type2", _l("Type 2")), ("type1", _l("Type 1"))]),
        validators=[DataRequired(_l("Choose at least one type of diabetes"))],
    )
    stages = NHSCheckboxesField(
        _l("Who it is for: since diagnosis"),
        choices=choices(
            [("recent", _l("Recently diagnosed")), ("established", _l("Diagnosed some time ago"))]
        ),
        validators=[DataRequired(_l("Choose at least one"))],
    )
    covers_other_conditions = NHSBooleanField(_l("Also for other long-term conditions"))
    companion_welcome = NHSRadioField(
        _l("Can people bring a partner, friend or carer?"),
        choices=choices(YES_NO_UNKNOWN),
        validators=[DataRequired(_l("Say if people can bring someone"))],
    )
    self_referral = NHSBooleanField(_l("People can refer themselves"))
    needs_email = NHSBooleanField(
        _l("Joining needs an email address"),
        hint=_l("Patients are told they need one to start an online course on its website"),
    )
    content_languages = NHSStringField(
        _l("Languages of the course material"),
        hint=_l(
            "Language codes, separated by commas, like en, bn. Group runs also have their own."
        ),
        validators=[languages, Fits(Programme.content_languages)],
    )
    areas = NHSCheckboxesField(
        _l("Areas it is offered in"), hint=_l("Choose none if it is offered everywhere")
    )
    join_url = NHSStringField(
        _l("Course website, to join (optional)"),
        validators=[Optional(), Fits(Programme.join_url), safe_link],
    )
    referral_contact = NHSStringField(
        _l("Referral contact (optional)"),
        hint=_l("Where practices send referrals: a team's email address or phone number"),
        validators=[Optional(), Fits(Programme.referral_contact)],
    )
    sources = FieldList(FormField(SourceForm), min_entries=1)
    verified = NHSBooleanField(_l("I have checked these details today"))

    def error_list(self) -> list[dict[str, str]]:
        """Each field's first error, a source row's fields one by one."""
        rows = [sub for row in self.sources for sub in row]
        fields = [f for f in self if f is not self.sources] + rows
        return [{"text": str(f.errors[0]), "href": f"#{f.id}"} for f in fields if f.errors]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.state.data == "paused":
            until = self.paused_until.data
            if until is None:
                if not self.paused_until.errors:
                    self.paused_until.errors = [_l("Enter the day it takes referrals again")]
                valid = False
            elif until <= clock.today():
                self.paused_until.errors = [
                    _l("The day it takes referrals again must be in the future")
                ]
                valid = False
        if valid and not any(row.fact.data for row in self.sources):
            self.sources[0].fact.errors = [_l("Give at least one fact and its source")]
            valid = False
        return bool(valid)


class RunForm(BaseForm):
    programme = NHSSelectField(_l("Programme"), choices=[])
    venue = NHSSelectField(_l("Venue"), choices=[])
    start_date = NHSDateField(
        _l("First session"), validators=[DataRequired(_l("Enter the date of the first session"))]
    )
    start_time = NHSTimeField(_l("Starts at"), hint=_l("For example, 18:30"), validators=[a_time])
    end_time = NHSTimeField(_l("Ends at"), hint=_l("For example, 20:30"), validators=[a_time])
    language = NHSStringField(_l("Language code"), default="en", validators=[a_language])
    places_left = NHSIntegerField(
        _l("Places left"),
        validators=[
            Optional(),
            whole_number(0, PLACES_MAX),
        ],
    )

    expected_wait_days = NHSIntegerField(
        _l("Expected wait for a place, in days (optional)"),
        hint=_l("Only if the course keeps a waiting list"),
        validators=[
            Optional(),
            whole_number(0, WAIT_DAYS_MAX),
        ],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.places_left.data is None:
            self.places_left.errors = [_l("Enter how many places are left")]
            valid = False
        if valid and required(self.end_time.data) <= required(self.start_time.data).zfill(5):
            self.end_time.errors = [_l("The end time must be after the start time")]
            valid = False
        return bool(valid)


class VenueForm(BaseForm):
    slug = NHSStringField(
        _l("Short name for links"),
        hint=_l("Lower-case letters, numbers and hyphens, like canal-health-centre"),
        validators=[
            DataRequired(_l("Enter a short name")),
            Fits(Venue.slug),
            Regexp(SLUG, message=_l("Use lower-case letters, numbers and hyphens")),
        ],
    )
    name = NHSStringField(
        _l("Name"), validators=[DataRequired(_l("Enter the name")), Fits(Venue.name)]
    )
    address = NHSStringField(
        _l("Address"), validators=[DataRequired(_l("Enter the address")), Fits(Venue.address)]
    )
    postcode = NHSStringField(
        _l("Postcode"), validators=[DataRequired(_l("Enter the postcode")), Fits(Venue.postcode)]
    )
    area = NHSSelectField(_l("Area"), choices=[])
    step_free = NHSRadioField(
        _l("Is there step-free access?"),
        choices=choices([("yes", _l("Yes")), ("no", _l("No"))]),
        validators=[DataRequired(_l("Say if there is step-free access"))],
    )
    parking = NHSRadioField(
        _l("Is there parking?"), choices=choices(YES_NO_UNKNOWN), validators=[Optional()]
    )


class AreaForm(BaseForm):
    slug = NHSStringField(
        _l("Short name"),
        validators=[
            DataRequired(_l("Enter a short name")),
            Fits(Area.slug),
            Regexp(SLUG, message=_l("Use lower-case letters, numbers and hyphens")),
        ],
    )
    name = NHSStringField(
        _l("Area name"), validators=[DataRequired(_l("Enter the area name")), Fits(Area.name)]
    )
