"""Finding a person's referrals within one practice: by reference, NHS number, date of birth
or name. Every kind of search is an index seek, never a scan of the practice's record:

- reference: the unique index on ``referral.reference`` (typed with or without dashes);
- NHS number: ``(practice_id, nhs_number)`` (any spacing);
- date of birth: ``(practice_id, date_of_birth)`` (27/03/1958, 27-3-1958, 1958-03-27);
- name: each word typed is the start of a word of the name, accents and case aside, found as
  a range on ``patient_search_term (practice_id, term)``.

The terms follow the name however a patient is saved (a flush listener below).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, event, or_, select
from sqlalchemy.orm import Session, joinedload

from finder import nhs_number
from finder.extensions import db
from finder.limits import max_length
from finder.models import Patient, PatientSearchTerm, Referral
from finder.referrals.statuses import OPEN

TERM_LENGTH = max_length(PatientSearchTerm.term)
# Above every character: "smi" .. "smi" + LAST holds every term that starts with "smi".
LAST = chr(0x10FFFF)
RESULTS = 50
_COMPACT = re.compile(r"[\s\-]")
_DATE = re.compile(r"^(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{4})$|^(\d{4})-(\d{1,2})-(\d{1,2})$")


def plain(text: str) -> str:
    """Lower case without accents: "Zoë Ó Súilleabháin" -> "zoe o suilleabhain"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in plain(text)).split()


def name_terms(name: str) -> list[str]:
    """The terms a name is found by (the migration 0017 has a copy: keep them the same)."""
    return sorted({w[:TERM_LENGTH] for w in words(name)})


@event.listens_for(Session, "before_flush")
def _terms_follow_names(session: Session, _context: Any, _instances: Any) -> None:
    for patient in [*session.new, *session.dirty]:
        if not isinstance(patient, Patient):
            continue
        wanted = name_terms(patient.name)
        if patient.practice_id is None and patient.practice is not None:
            patient.practice_id = patient.practice.id
        have = [(t.term, t.practice_id) for t in patient.search_terms]
        if sorted(have) != [(t, patient.practice_id) for t in wanted]:
            patient.search_terms = [
                PatientSearchTerm(term=t, practice_id=patient.practice_id) for t in wanted
            ]


@dataclass(frozen=True)
class Query:
    """What a search box holds, read as every kind of search it could be."""

    reference: str | None
    nhs_number: str | None
    date_of_birth: dt.date | None
    name_words: tuple[str, ...]

    @property
    def kind(self) -> str:
        """What it was read as, for the audit (never the terms themselves)."""
        kinds = [
            k
            for k, v in (
                ("reference", self.reference),
                ("nhs_number", self.nhs_number),
                ("date_of_birth", self.date_of_birth),
                ("name", self.name_words),
            )
            if v
        ]
        return "+".join(kinds) or "none"


def _reference(compact: str) -> str | None:
    """ "DE-ABCD-2345", "de abcd 2345", "ABCD2345" -> "DE-ABCD-2345"."""
    code = compact.upper()
    if code.startswith("DE") and len(code) == 10:
        code = code[2:]
    if len(code) == 8 and code.isascii() and code.isalnum():
        return f"DE-{code[:4]}-{code[4:]}"
    return None


def _date(text: str) -> dt.date | None:
    match = _DATE.match(text)
    if not match:
        return None
    day, month, year, iso_year, iso_month, iso_day = match.groups()
    try:
        if iso_year:
            return dt.date(int(iso_year), int(iso_month), int(iso_day))
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def read(text: str) -> Query:
    text = text.strip()[:200]
    compact = _COMPACT.sub("", text)
    digits = compact if compact.isascii() and compact.isdigit() else ""
    date = _date(text)
    reference = _reference(compact)
    # A reference with a digit in it is no name; one of letters only ("DE-ABCD-EFGH") could be
    # ("Denise Ward" reads as one too): both are searched.
    only_reference = reference is not None and any(c.isdigit() for c in compact)
    return Query(
        reference=reference,
        nhs_number=digits if len(digits) == 10 else None,
        date_of_birth=date,
        name_words=()
        if digits or date or only_reference
        else tuple(w[:TERM_LENGTH] for w in words(text))[:5],
    )


def _patients(practice_id: int, query: Query) -> Select[Any] | None:
    """The ids of the practice's patients the query finds, or None if it names no patient."""
    found: list[Select[Any]] = []
    if query.nhs_number:
        found.append(
            select(Patient.id).where(
                Patient.practice_id == practice_id, Patient.nhs_number == query.nhs_number
            )
        )
    if query.date_of_birth:
        found.append(
            select(Patient.id).where(
                Patient.practice_id == practice_id,
                Patient.date_of_birth == query.date_of_birth,
            )
        )
    if query.name_words:
        by_name = select(Patient.id).where(Patient.practice_id == practice_id)
        for word in query.name_words:
            by_name = by_name.where(
                Patient.id.in_(
                    select(PatientSearchTerm.patient_id).where(
                        PatientSearchTerm.practice_id == practice_id,
                        PatientSearchTerm.term >= word,
                        PatientSearchTerm.term < word + LAST,
                    )
                )
            )
        found.append(by_name)
    if not found:
        return None
    union = found[0]
    for other in found[1:]:
        union = union.union(other)  # type: ignore[assignment]
    return union


def search(practice_id: int, query: Query) -> list[Referral]:
    """The practice's referrals the query finds (at most RESULTS), newest first."""
    conditions = []
    if query.reference:
        conditions.append(Referral.reference == query.reference)
    patients = _patients(practice_id, query)
    if patients is not None:
        conditions.append(Referral.patient_id.in_(patients))
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.practice_id == practice_id, or_(*conditions))
            .options(joinedload(Referral.patient), joinedload(Referral.programme))
            .order_by(Referral.created_at.desc(), Referral.id.desc())
            .limit(RESULTS)
        )
    )


def display_nhs_number(value: str | None) -> str | None:
    return nhs_number.display(value) if value else None


def same_name(a: str, b: str) -> bool:
    """The same name, accents, case, spaces and punctuation aside."""
    return words(a) == words(b)


def holder_of(practice_id: int, number: str) -> Patient | None:
    """The practice's most recent patient with this NHS number."""
    return db.session.scalar(
        select(Patient)
        .where(Patient.practice_id == practice_id, Patient.nhs_number == number)
        .order_by(Patient.id.desc())
        .limit(1)
    )


def likely_duplicates(practice_id: int, name: str, born: dt.date) -> list[Referral]:
    """Open referrals of someone with the same name and date of birth at the practice."""
    found = db.session.scalars(
        select(Referral)
        .join(Patient)
        .where(
            Patient.practice_id == practice_id,
            Patient.date_of_birth == born,
            Referral.status.in_(OPEN),
        )
        .options(joinedload(Referral.patient), joinedload(Referral.programme))
        .order_by(Referral.created_at.desc())
    )
    return [r for r in found if same_name(r.patient.name, name)]
