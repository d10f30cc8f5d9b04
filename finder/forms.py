"""Forms whose fields render themselves as NHS.UK components (notifications-admin's idea).

Templates write ``{{ form.email() }}``: the field calls the nhsuk-frontend-jinja macro with its
label, hint, value and error. ``BaseForm`` strips whitespace and turns off browser validation,
so the server's translated messages are the ones people see.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, TypeVar

import phonenumbers
from cachetools import LRUCache
from flask import current_app
from flask_babel import format_number, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # not in the stubs
from wtforms.fields.core import Field

from finder import nhs_number
from finder.limits import max_length
from finder.models import FormSubmission
from finder.policy import PHONE_REGION
from finder.submissions import new_key

T = TypeVar("T")


def required(value: T | None) -> T:
    """A field's value that its validators have already required (never None here)."""
    if value is None:
        raise ValueError("a required field has no value after validation")
    return value


def choices(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


# How a patient would like to be contacted (Patient.contact_method), as staff read it.
CONTACT_METHODS = {"phone": _l("Phone"), "email": _l("Email"), "letter": _l("Letter")}


def seen_version(value: str | None) -> int | None:
    """The version a form was shown with; None from a page that did not send one."""
    return int(value) if value and value.isdigit() and len(value) < 10 else None


# What a typed phone number may hold besides digits. phonenumbers would read letters as a
# keypad's ("0800 FLOWERS"); a patient's number never has any, so they are refused first.
PHONE_CHARACTERS = re.compile(r"^[0-9 ()+.-]+$")


NHS_NUMBER_PROBLEMS = {
    "format": _l("Enter a valid 10-digit NHS number, like 943 476 5919"),
    "repeated": _l("An NHS number never has the same digit 10 times. Check the number."),
    "not_issued": _l(
        "This is not in a range of numbers the NHS gives to people. Check the number."
    ),
}


def valid_nhs_number(_form: Any, field: Any) -> None:
    found = nhs_number.problem(field.data) if field.data else None
    if found:
        raise ValidationError(NHS_NUMBER_PROBLEMS[found])


def _drama_mobile(number: phonenumbers.PhoneNumber) -> bool:
    national = str(number.national_number)
    return number.country_code == 44 and len(national) == 10 and national.startswith("7700900")


def is_mobile(e164: str) -> bool:
    """Whether a number stored by ``valid_phone`` can take text messages (a mobile)."""
    number = phonenumbers.parse(e164, PHONE_REGION)
    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return _drama_mobile(number) or phonenumbers.number_type(number) in kinds


def phone_e164(text: str) -> str | None:
    """A number that is in use in the plan of its country (UK unless it starts +CC or 00CC),
    in E.164 (+442079460000), or None if it is not one: one form for every way of writing
    it, so equal numbers compare equal, and another system (an export, a text-message service)
    need not guess the country. The check is libphonenumber's, plus Ofcom's mobile range kept
    for drama and examples (07700 900000 to 900999), which libphonenumber calls unallocated:
    our own error message gives 07700 900 982 as an example, so it must pass."""
    if not PHONE_CHARACTERS.match(text):
        return None
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not (phonenumbers.is_valid_number(number) or _drama_mobile(number)):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_as_written(e164: str) -> str:
    """A number as people write it: a UK one in its national groups (020 7946 0000), another
    country's with its code (+33 1 23 45 67 89)."""
    number = phonenumbers.parse(e164, PHONE_REGION)
    written = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, written)


def valid_phone(_form: Any, field: Any) -> None:
    """A phone number field's check: stored in E.164 (`phone_e164`)."""
    if not field.data:
        return
    e164 = phone_e164(field.data)
    if e164 is None:
        raise ValidationError(_l("Enter a phone number, like 020 7946 0000 or 07700 900 982"))
    field.data = e164


def written_phone(_form: Any, field: Any) -> None:
    """A phone number field's check, for a number printed for people to call (a practice's,
    on its letters): stored as written (``phone_as_written``)."""
    valid_phone(_form, field)
    if field.data:
        field.data = phone_as_written(field.data)


class Fits:
    """Validator: the value fits the column it is saved in (``Fits(Venue.name)``), checked
    before the database sees it; the message names the field."""

    def __init__(self, column: Any) -> None:
        self.max = max_length(column)

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data and len(field.data) > self.max:
            raise ValidationError(
                ngettext(
                    "%(field)s must be %(limit)s character or fewer",
                    "%(field)s must be %(limit)s characters or fewer",
                    self.max,
                    field=field.label.text,
                    limit=format_number(self.max),
                )
            )


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _bind_stripped(form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
    """Every field strips the whitespace around what is typed (a list of subforms has no
    value of its own: its fields do)."""
    if issubclass(unbound_field.field_class, FieldList | FormField):
        bound: Field = unbound_field.bind(form=form, **options)
        return bound
    filters = [_strip, *unbound_field.kwargs.get("filters", [])]
    field: Field = unbound_field.bind(form=form, filters=filters, **options)
    return field


class BaseForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            return _bind_stripped(form, unbound_field, options)

    def error_list(self) -> list[dict[str, str]]:
        """The error summary's links: each field's first error, pointing at the field."""
        return [
            {"text": str(field.errors[0]), "href": f"#{field.id}"} for field in self if field.errors
        ]


class SubForm(Form):
    """A group of fields repeated in a BaseForm (``FieldList(FormField(SubForm))``): stripped
    alike, with no CSRF token of its own (the form around it has one)."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            return _bind_stripped(form, unbound_field, options)


class OnceForm(BaseForm):
    """A form that creates something: it carries a one-time key (finder.submissions), written
    into the page with the ``submission_field`` macro."""

    submission = HiddenField(validators=[Fits(FormSubmission.key)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission.data:
            self.submission.data = new_key()


def _macro(component: str, name: str) -> Any:
    template = current_app.jinja_env.get_template(f"nhsuk/components/{component}/macro.jinja")
    return getattr(template.module, name)


class ContactRequired:
    """Form mixin: a phone number or an email address (or both) must be given."""

    phone: Any
    email: Any
    contact_message: Any = _l("Enter a phone number or an email address")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[misc]
        if not self.phone.data and not self.email.data:
            self.phone.errors = [*self.phone.errors, self.contact_message]
            return False
        return bool(valid)


class NHSField:
    """Mixin: render through an NHS.UK macro. ``hint`` is a field keyword argument."""

    def _choice_items(self) -> list[Any]:
        """The choices as WTForms 3.2 gives them (SelectChoice: value, label, selected...;
        the stubs still say tuples)."""
        field: Any = self
        return list(field.iter_choices())

    component = "input"
    macro = "input"

    def __init__(
        self, *args: Any, hint: Any = None, autocomplete: str | None = None, **kwargs: Any
    ) -> None:
        self.hint = hint
        # "off" on staff forms about a patient: a shared practice PC must not offer one
        # patient's details while the next is typed in.
        self.autocomplete = autocomplete
        super().__init__(*args, **kwargs)

    def common(self) -> dict[str, Any]:
        field: Any = self
        params: dict[str, Any] = {"id": field.id, "name": field.name}
        if self.autocomplete:
            params["autocomplete"] = self.autocomplete
        if self.hint:
            params["hint"] = {"text": str(self.hint)}
        if field.errors:
            params["errorMessage"] = {
                "text": str(field.errors[0]),
                "visuallyHiddenText": str(_l("Error")),
            }
        return params

    def params(self, **overrides: Any) -> dict[str, Any]:
        field: Any = self
        return {
            **self.common(),
            "label": {"text": str(field.label.text)},
            "value": field._value() if hasattr(field, "_value") else field.data,
            **overrides,
        }

    # A field whose params hold no free text (only its fixed choices, which are chosen, and
    # our own error message) is rendered once per worker for each params: see _rendered.
    kept = False

    def __call__(self, **overrides: Any) -> Markup:
        params = self.params(**overrides)
        if self.kept:
            return _rendered(self.component, self.macro, params)
        # The macro escapes every value it is given; its output is safe HTML.
        return Markup(_macro(self.component, self.macro)(params))  # noqa: S704  # nosec B704


_KEPT_FIELDS: LRUCache[tuple[str, str, str], Markup] = LRUCache(maxsize=4096)
_KEPT_LOCK = threading.Lock()


def _rendered(component: str, macro: str, params: dict[str, Any]) -> Markup:
    """A component's HTML for these params, kept: the components' macros read nothing but
    their params (the texts in them are already in the page's language), so equal params give
    equal HTML. The consultation page's thirteen questions were most of its time."""
    key = (component, macro, json.dumps(params, sort_keys=True))
    with _KEPT_LOCK:
        found = _KEPT_FIELDS.get(key)
    if found is None:
        found = Markup(_macro(component, macro)(params))  # noqa: S704  # nosec B704
        with _KEPT_LOCK:
            _KEPT_FIELDS[key] = found
    return found  # type: ignore[no-any-return]  # cachetools' get is untyped


class NHSStringField(NHSField, StringField):
    pass


class NHSEmailField(NHSField, EmailField):
    def params(self, **overrides: Any) -> dict[str, Any]:
        overrides.setdefault("autocomplete", self.autocomplete or "email")
        return super().params(type="email", spellcheck=False, **overrides)


class NHSPasswordField(NHSField, PasswordField):
    def params(self, **overrides: Any) -> dict[str, Any]:
        return super().params(type="password", value="", **overrides)


class NHSTextAreaField(NHSField, TextAreaField):
    component = "textarea"
    macro = "textarea"


class NHSDateField(NHSField, DateField):
    """A date typed as DD/MM/YYYY in one box (quick from the keyboard at a front desk)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"])
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def params(self, **overrides: Any) -> dict[str, Any]:
        return super().params(classes="nhsuk-input--width-10", **overrides)


class NHSRadioField(NHSField, RadioField):
    component = "radios"
    macro = "radios"
    kept = True

    def params(self, **overrides: Any) -> dict[str, Any]:
        params = self.common()
        params.pop("id")
        return {
            **params,
            "idPrefix": self.id,
            "fieldset": {"legend": {"text": str(self.label.text), "size": "s"}},
            "items": [
                {"value": c.value, **_label(c.label), "checked": c.selected}
                for c in self._choice_items()
            ],
            **overrides,
        }


def _label(label: Any) -> dict[str, Any]:
    """A choice's label as a component takes it: markup (names isolated with ``bdi``) as html,
    anything else as text."""
    return {"html": label} if isinstance(label, Markup) else {"text": str(label)}


class NHSSelectField(NHSField, SelectField):
    component = "select"
    macro = "select"
    kept = True

    def params(self, **overrides: Any) -> dict[str, Any]:
        return {
            **self.common(),
            "label": {"text": str(self.label.text)},
            "items": [
                {"value": c.value, "text": str(c.label), "selected": c.selected}
                for c in self._choice_items()
            ],
            **overrides,
        }


class NHSBooleanField(NHSField, BooleanField):
    component = "checkboxes"
    macro = "checkboxes"

    def params(self, **overrides: Any) -> dict[str, Any]:
        params = self.common()
        params.pop("id")
        return {
            **params,
            "idPrefix": self.id,
            "items": [{"value": "y", "text": str(self.label.text), "checked": bool(self.data)}],
            **overrides,
        }


class NHSCheckboxesField(NHSField, SelectMultipleField):
    """Several choices, as NHS.UK checkboxes in a fieldset."""

    component = "checkboxes"
    macro = "checkboxes"

    def pre_validate(self, form: Any) -> None:
        field: Any = self
        known = {c.value for c in self._choice_items()}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("Choose from the options given"))

    def params(self, **overrides: Any) -> dict[str, Any]:
        params = self.common()
        params.pop("id")
        return {
            **params,
            "idPrefix": self.id,
            "fieldset": {"legend": {"text": str(self.label.text), "size": "s"}},
            "items": [
                {"value": c.value, "text": str(c.label), "checked": c.selected}
                for c in self._choice_items()
            ],
            **overrides,
        }
