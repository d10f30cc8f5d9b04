"""Reading a register file: the CSV a practice's clinical-system search gives (EMIS Web,
SystmOne or any tool that writes the published columns), checked row by row.

Nothing here writes. ``read`` returns every row checked, or raises ``RegisterErrors`` with every
problem found (row number, column, what is wrong): the import is all or nothing, like the
directory's. Column names are matched loosely (case, spaces and punctuation ignored), and the
names EMIS and SystmOne searches commonly use are accepted beside ours.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from finder import nhs_number
from finder.forms import phone_e164
from finder.models import RegisterEntry
from finder.policy import LANGUAGES

# Our column, and the other names a clinical system's export may give it (compared after
# `_normal`: lower case, letters and digits only).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nhs_number": ("nhsnumber", "nhsno", "nhs"),
    "name": ("name", "fullname", "patientname", "patient"),
    "given_name": ("givenname", "forename", "forenames", "firstname", "firstnames"),
    "family_name": ("familyname", "surname", "lastname"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate"),
    "diagnosis_date": (
        "diagnosisdate", "dateofdiagnosis", "registerdate", "dateaddedtoregister",
        "diabetesdiagnosisdate", "dateofentry", "entrydate", "diagnosed",
    ),
    "preferred_language": ("preferredlanguage", "mainlanguage", "mainspokenlanguage", "language"),
    "interpreter_needed": (
        "interpreterneeded", "interpreterrequired", "interpreter", "requiresinterpreter",
    ),
    "mobile": ("mobile", "mobilenumber", "mobiletelephone", "mobilephone", "mobiletel"),
    "email": ("email", "emailaddress"),
    "postal_address": ("postaladdress", "address", "fulladdress", "usualaddress"),
    "postcode": ("postcode", "postalcode"),
    "large_print": ("largeprint", "largeprintletters", "largeprintneeded"),
}  # fmt: skip
REQUIRED = ("nhs_number", "date_of_birth", "diagnosis_date")
# The columns of our own sample file, in its order.
PUBLISHED = (
    "NHS number", "Name", "Date of birth", "Date of diagnosis", "Preferred language",
    "Interpreter needed", "Mobile", "Email", "Postal address", "Large print",
)  # fmt: skip
YES = frozenset({"yes", "y", "true", "1", "required", "needed"})
NO = frozenset({"no", "n", "false", "0", "", "not required", "not needed"})
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y", "%d %b %Y", "%d %B %Y")
OLDEST = dt.date(1900, 1, 1)


class RegisterErrors(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class Row:
    number: int  # the line in the file, counting the header as 1
    nhs_number: str
    name: str
    date_of_birth: dt.date
    diagnosis_date: dt.date
    preferred_language: str
    interpreter_needed: bool
    mobile: str | None
    email: str | None
    postal_address: str | None
    large_print: bool = False  # letters in large print: the person asked


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _columns(headers: list[str]) -> dict[str, int]:
    """Our column name -> its position in the file; extra columns are ignored."""
    found: dict[str, int] = {}
    for position, header in enumerate(headers):
        normal = _normal(header)
        for ours, names in COLUMNS.items():
            if normal in names and ours not in found:
                found[ours] = position
    return found


def _date(text: str) -> dt.date | None:
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    return None


def _language_codes() -> dict[str, str]:
    """A language as a clinical system may write it (its code, or its English name) -> code."""
    names = Locale("en").languages
    table = {code: code for code in LANGUAGES}
    table.update({names[code].lower(): code for code in LANGUAGES if code in names})
    table["bengali"] = "bn"  # CLDR names it "Bangla"; clinical systems write "Bengali"
    return table


LANGUAGE_CODES = _language_codes()


def _language(text: str) -> str | None:
    """A site language's code, or None when the language is not one the site has. English is
    the default for an empty cell."""
    if not text:
        return "en"
    return LANGUAGE_CODES.get(text.strip().lower())


class _Row:
    """One line's cells by our column names, and the problems found in it."""

    def __init__(self, number: int, cells: list[str], columns: Mapping[str, int]) -> None:
        self.number = number
        self.cells = cells
        self.columns = columns
        self.problems: list[str] = []

    def get(self, column: str) -> str:
        position = self.columns.get(column)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def problem(self, column: str, message: str) -> None:
        self.problems.append(
            str(_l("Row %(row)d, %(column)s: %(problem)s", row=self.number, column=column,
                   problem=message))
        )  # fmt: skip


def _check(line: _Row, today: dt.date) -> Row | None:
    raw_nhs = line.get("nhs_number")
    digits = nhs_number.normalise(raw_nhs)
    if not raw_nhs:
        line.problem("NHS number", str(_l("missing")))
    elif not nhs_number.is_valid(digits):
        line.problem("NHS number", str(_l("%(value)s is not a valid NHS number", value=raw_nhs)))
    name = line.get("name") or " ".join(
        part for part in (line.get("given_name"), line.get("family_name")) if part
    )
    if not name:
        line.problem("Name", str(_l("missing")))
    elif len(name) > RegisterEntry.name.type.length:
        line.problem("Name", str(_l("longer than %(limit)d characters", limit=200)))
    born = _date(line.get("date_of_birth"))
    if born is None:
        line.problem(
            "Date of birth",
            str(_l("%(value)s is not a date like 31/01/1960", value=line.get("date_of_birth"))),
        )
    elif not OLDEST <= born <= today:
        line.problem(
            "Date of birth",
            str(_l("%(value)s is not a possible date of birth", value=line.get("date_of_birth"))),
        )
    diagnosed = _date(line.get("diagnosis_date"))
    if diagnosed is None:
        line.problem(
            "Date of diagnosis",
            str(_l("%(value)s is not a date like 31/01/2026", value=line.get("diagnosis_date"))),
        )
    elif diagnosed > today or (born is not None and diagnosed < born):
        line.problem(
            "Date of diagnosis",
            str(_l("%(value)s is before birth or in the future", value=line.get("diagnosis_date"))),
        )
    language = _language(line.get("preferred_language"))
    if language is None:
        line.problem(
            "Preferred language",
            str(_l("%(value)s is not a language this site has; leave it empty for English and "
                   "set Interpreter needed", value=line.get("preferred_language"))),
        )  # fmt: skip
    interpreter = line.get("interpreter_needed").lower()
    if interpreter not in YES | NO:
        line.problem("Interpreter needed", str(_l("write yes or no")))
    mobile = line.get("mobile")
    e164 = phone_e164(mobile) if mobile else None
    if mobile and e164 is None:
        line.problem("Mobile", str(_l("%(value)s is not a phone number", value=mobile)))
    email = line.get("email")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            line.problem("Email", str(_l("%(value)s is not an email address", value=email)))
    address = ", ".join(p for p in (line.get("postal_address"), line.get("postcode")) if p)
    if len(address) > RegisterEntry.postal_address.type.length:
        line.problem("Postal address", str(_l("longer than %(limit)d characters", limit=500)))
    large_print = line.get("large_print").lower()
    if large_print not in YES | NO:
        line.problem("Large print", str(_l("write yes or no")))
    if line.problems or born is None or diagnosed is None or language is None:
        return None
    return Row(
        number=line.number,
        nhs_number=digits,
        name=name,
        date_of_birth=born,
        diagnosis_date=diagnosed,
        preferred_language=language,
        interpreter_needed=interpreter in YES,
        mobile=e164,
        email=email or None,
        postal_address=address or None,
        large_print=large_print in YES,
    )


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), or Windows-1252, which
    EMIS and Excel on Windows write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read(
    text: str,
    today: dt.date,
    known_births: Mapping[str, dt.date],
) -> list[Row]:
    """Every row of the file, checked. ``known_births``: the date of birth the practice already
    has for each NHS number (its register and its referred patients); a row that gives another
    is a problem to resolve, never merged."""
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [cells for cells in reader if any(c.strip() for c in cells)]
    if not lines:
        raise RegisterErrors([str(_l("The file is empty."))])
    columns = _columns(lines[0])
    missing = [c for c in REQUIRED if c not in columns]
    if "name" not in columns and not {"given_name", "family_name"} <= columns.keys():
        missing.append("name")
    if missing:
        raise RegisterErrors(
            [str(_l("The file has no column for: %(columns)s. The first line must name the "
                    "columns.", columns=", ".join(missing)))]
        )  # fmt: skip
    rows: list[Row] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        line = _Row(number, cells, columns)
        row = _check(line, today)
        problems += line.problems
        if row is None:
            continue
        if row.nhs_number in seen:
            problems.append(
                str(_l("Row %(row)d: the same NHS number as row %(other)d", row=number,
                       other=seen[row.nhs_number]))
            )  # fmt: skip
            continue
        seen[row.nhs_number] = number
        known = known_births.get(row.nhs_number)
        if known is not None and known != row.date_of_birth:
            problems.append(
                str(_l("Row %(row)d: NHS number %(number)s is already here with another date of "
                       "birth (%(known)s). Check which is right before importing.", row=number,
                       number=nhs_number.display(row.nhs_number), known=known.strftime("%d/%m/%Y")))
            )  # fmt: skip
            continue
        rows.append(row)
    if not rows and not problems:
        problems.append(str(_l("The file has no people in it.")))
    if problems:
        raise RegisterErrors(problems)
    return rows
