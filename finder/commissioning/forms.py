"""Directory forms for commissioners."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, ValidationError
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

from finder.circumstances import valid_language
from finder.forms import (
    BaseForm,
    Fits,
    NHSBooleanField,
    NHSDateField,
    NHSField,
    NHSRadioField,
    NHSSelectField,
    NHSStringField,
    NHSTextAreaField,
    choices,
    required,
)
from finder.limits import PLACES_MAX, WAIT_DAYS_MAX
from finder.models import Area, Programme, ProgrammeText, Venue
from finder.policy import SLUG
from finder.seeding import is_web_link

TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
BEYOND_ANY_RANGE = 2**63


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
    join_url = NHSStringField(
        _l("Course website (optional)"),
        validators=[Optional(), Fits(Programme.join_url), safe_link],
    )
    self_referral = NHSBooleanField(_l("People can refer themselves"))
    verified = NHSBooleanField(_l("I have checked these details today"))


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
            NumberRange(
                min=0,
                max=PLACES_MAX,
                message=_l("Enter a number from 0 to %(max)d", max=PLACES_MAX),
            ),
        ],
    )

    expected_wait_days = NHSIntegerField(
        _l("Expected wait for a place, in days (optional)"),
        hint=_l("Only if the course keeps a waiting list"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=WAIT_DAYS_MAX,
                message=_l("Enter a number from 0 to %(max)d", max=WAIT_DAYS_MAX),
            ),
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
