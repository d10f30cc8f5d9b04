"""Uptake: the referral funnel as aggregates, never a patient identifier.

Counts come from SQL aggregates over the stage timestamps on each referral, so the cost does
not grow with each referral's history. A practice sees its own figures in full; the view across
practices hides small counts, and any count they could be worked out from (see suppression.py),
and every rate or median built on a hidden count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from finder import clock, jobs
from finder.commissioning.suppression import Sum, hide, is_small
from finder.database import writes
from finder.extensions import db
from finder.models import Patient, Practice, Programme, Provider, Referral, UptakeSnapshot
from finder.policy import (
    BOOKED_WITHIN_DAYS,
    RESPONSIVENESS_MIN_ANSWERED,
    SMALL_MARK,
    UPTAKE_STAGES,
)
from finder.referrals import statuses
from finder.register import queries as register_queries

# A stage is the status of that name: the same words.
STAGE_LABELS = {stage: statuses.LABELS[stage] for stage in UPTAKE_STAGES}
# Reference lines from the study (Ross et al., BMJ Open 2019, introduction): national
# attendance after referral became a QOF indicator, and the share referred.
NATIONAL = {"attended_rate": 5.3, "referred_share": 75.8}
DIMENSIONS = {
    "month": _l("Month referred"),
    "practice": _l("Practice"),
    "programme": _l("Programme"),
    "format": _l("Format"),
    "language": _l("Preferred language"),
    "age": _l("Age band"),
}
# Each programme has one format: the programme rows of a format add up to its row.
PARENT = {"programme": "format"}
# Practices and programmes run to thousands nationally: the page shows the SHOWN with the most
# referrals (the CSV has every row).
LONG = frozenset({"practice", "programme"})
SHOWN = 25


def percent(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


@dataclass(frozen=True)
class Row:
    key: str
    counts: dict[str, int]
    # The key of this row's row in PARENT's breakdown (a programme's format).
    parent: str | None = None
    # Stages whose count is published as a mark ("<5", "*") instead of a number.
    hidden: dict[str, str] = field(default_factory=dict)

    def shown(self, stage: str) -> int | str:
        return self.hidden.get(stage, self.counts[stage])

    def count(self, stage: str) -> int:
        """The count to draw: a hidden one is drawn as nothing."""
        return 0 if stage in self.hidden else self.counts[stage]

    def rate(self, stage: str) -> float | None:
        """Of those referred, a percentage; None where either count is hidden."""
        if stage in self.hidden or "referred" in self.hidden:
            return None
        return percent(self.counts[stage], self.counts["referred"])


def _dialect() -> str:
    return db.engine.dialect.name


def _month() -> ColumnElement[Any]:
    if _dialect() == "postgresql":
        return func.to_char(Referral.created_at, "YYYY-MM")
    return func.strftime("%Y-%m", Referral.created_at)


def _age_band() -> ColumnElement[Any]:
    age = extract("year", Referral.created_at) - extract("year", Patient.date_of_birth)
    return case(
        (age < 40, literal("18-39")),
        (age < 60, literal("40-59")),
        (age < 75, literal("60-74")),
        else_=literal("75+"),
    )


def _dimension(name: str) -> Any:
    return {
        "month": _month(),
        "practice": Practice.name,
        "programme": Programme.slug,
        "format": Programme.delivery,
        "language": Patient.preferred_language,
        "age": _age_band(),
    }[name]


# The tables each figure needs besides the referral: join nothing more (a million rows).
NEEDS: dict[str, tuple[Any, ...]] = {
    "month": (),
    "practice": (Practice,),
    "programme": (Programme,),
    "format": (Programme,),
    "language": (Patient,),
    "age": (Patient,),
}


def _counts() -> list[ColumnElement[Any]]:
    return [
        func.count(Referral.id).label("referred"),
        func.count(Referral.booked_at).label("booked"),
        func.count(Referral.attended_at).label("attended"),
        func.count(Referral.completed_at).label("completed"),
        func.count(Referral.did_not_attend_at).label("did_not_attend"),
        func.count(Referral.declined_at).label("declined"),
    ]


ON = {
    Patient: Referral.patient_id == Patient.id,
    Practice: Referral.practice_id == Practice.id,
    Programme: Referral.programme_id == Programme.id,
}


def _scoped(query: Any, practice_id: int | None, joins: tuple[Any, ...] = ()) -> Any:
    for table in joins:
        query = query.join(table, ON[table])
    return query.where(Referral.practice_id == practice_id) if practice_id else query


def _counted(practice_id: int | None) -> tuple[Row, dict[str, list[Row]]]:
    """The totals and every breakdown, read by one statement so from one snapshot of the data:
    each breakdown then adds up to the totals exactly, even while referrals arrive (on
    PostgreSQL each statement sees what was committed before it began). Suppression relies
    on it: a total off by one from its breakdown gives a hidden count away all but exactly."""
    total = select(*_labels("all", literal("all")), *_counts()).select_from(Referral)
    parts = [_scoped(total, practice_id)]
    for name in DIMENSIONS:
        key = _dimension(name)
        parent = _dimension(PARENT[name]) if name in PARENT else None
        query = select(*_labels(name, key, parent), *_counts()).select_from(Referral)
        query = _scoped(query, practice_id, NEEDS[name])
        parts.append(query.group_by(key) if parent is None else query.group_by(key, parent))
    every = union_all(*parts).subquery()
    rows: dict[str, list[Row]] = {name: [] for name in ("all", *DIMENSIONS)}
    for dimension, key, parent, *counts in db.session.execute(select(every).order_by(every.c.key)):
        rows[dimension].append(Row(str(key), dict(zip(UPTAKE_STAGES, counts, strict=True)), parent))
    (totals,) = rows.pop("all")
    return totals, rows


def _labels(dimension: str, key: Any, parent: Any = None) -> list[ColumnElement[Any]]:
    return [
        cast(literal(dimension), String).label("dimension"),
        cast(key, String).label("key"),
        cast(literal(None) if parent is None else parent, String).label("parent"),
    ]


def _days(later: Any, earlier: Any) -> Any:
    if _dialect() == "postgresql":
        return cast(later, Date) - cast(earlier, Date)
    return func.julianday(func.date(later)) - func.julianday(func.date(earlier))


def _median(
    value: Any, where: Any, practice_id: int | None, joins: tuple[Any, ...] = ()
) -> float | None:
    """The median in the database (PostgreSQL: percentile_cont; SQLite: the middle row)."""
    if _dialect() == "postgresql":
        query = select(func.percentile_cont(0.5).within_group(value)).select_from(Referral)
        result = db.session.scalar(_scoped(query, practice_id, joins).where(where))
        return None if result is None else float(result)
    base = _scoped(select(value.label("v")).select_from(Referral), practice_id, joins).where(where)
    count = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    if not count:
        return None
    middle = db.session.scalars(base.order_by("v").limit(2 - count % 2).offset((count - 1) // 2))
    values = [float(v) for v in middle]
    return sum(values) / len(values)


def median_days_to_attend(practice_id: int | None) -> float | None:
    value = _days(Referral.attended_at, Referral.created_at)
    return _median(value, Referral.attended_at.is_not(None), practice_id)


def median_days_from_diagnosis(practice_id: int | None) -> float | None:
    value = _days(Referral.created_at, Patient.diagnosis_date)
    return _median(value, Patient.diagnosis_date.is_not(None), practice_id, (Patient,))


def diagnosed_referrals(practice_id: int | None) -> int:
    """Referrals whose patient has a date of diagnosis (what the median from diagnosis counts)."""
    query = select(func.count(Patient.diagnosis_date)).select_from(Referral)
    return int(db.session.scalar(_scoped(query, practice_id, (Patient,))) or 0)


# Each course provider's responsiveness (issue 15): of the referrals to its programmes, how
# many it answered (accepted, declined or booked), accepted, and booked within
# BOOKED_WITHIN_DAYS of the referral; and the median days to its first answer.
RESPONSIVENESS = ("referred", "answered", "accepted", "booked_within")


@dataclass(frozen=True)
class Responsiveness:
    provider: str  # the provider's slug
    name: str
    counts: dict[str, int]
    median_days_to_answer: float | None
    # Published across practices: a count from 1 to SMALL_NUMBER - 1 is never shown, and no
    # share or median is built on one (the counts themselves are not shown at all).
    suppressed: bool = False

    def share(self, figure: str) -> float | None:
        """Of those referred, a percentage; None where either count is small (published)."""
        numerator, denominator = self.counts[figure], self.counts["referred"]
        if self.suppressed and (is_small(numerator) or is_small(denominator)):
            return None
        return percent(numerator, denominator)

    @property
    def median_days(self) -> float | None:
        if self.suppressed and is_small(self.counts["answered"]):
            return None
        return self.median_days_to_answer

    @property
    def usual_days(self) -> int | None:
        """Whole days within which the course team usually (the median) answers, once enough
        referrals have been answered to say so."""
        if self.counts["answered"] < RESPONSIVENESS_MIN_ANSWERED or self.median_days is None:
            return None
        return max(1, math.ceil(self.median_days))


def responsiveness(practice_id: int | None) -> list[Responsiveness]:
    booked_within = and_(
        Referral.booked_at.is_not(None),
        _days(Referral.booked_at, Referral.created_at) <= BOOKED_WITHIN_DAYS,
    )
    query = (
        select(
            Provider.id,
            Provider.slug,
            Provider.name,
            func.count(Referral.id),
            func.count(Referral.provider_answered_at),
            func.count(Referral.accepted_at),
            func.count(case((booked_within, 1))),
        )
        .select_from(Referral)
        .join(Programme, Referral.programme_id == Programme.id)
        .join(Provider, Programme.provider_id == Provider.id)
        .group_by(Provider.id, Provider.slug, Provider.name)
        .order_by(Provider.name)
    )
    rows = []
    for provider_id, slug, name, *counts in db.session.execute(_scoped(query, practice_id)):
        answered = Referral.provider_answered_at
        median = _median(
            _days(answered, Referral.created_at),
            and_(answered.is_not(None), Programme.provider_id == provider_id),
            practice_id,
            (Programme,),
        )
        figures = dict(zip(RESPONSIVENESS, (int(c) for c in counts), strict=True))
        rows.append(Responsiveness(slug, name, figures, median))
    return rows


@dataclass(frozen=True)
class Dashboard:
    totals: Row
    breakdowns: dict[str, list[Row]]
    median_days_to_attend: float | None
    median_days_from_diagnosis: float | None
    diagnosed_referrals: int
    # QOF DM014 over the practice register (finder/register/queries.py): newly diagnosed in
    # the period, and how many of them were referred within nine months. A practice without a
    # register has no figure ("needs the register"); across practices, only those with one.
    dm014_within: int
    dm014_newly_diagnosed: int
    dm014_period: tuple[str, str]
    practices_without_register: int
    providers: list[Responsiveness]
    made_at: dt.datetime
    # Small counts are hidden: the view across practices (see published).
    suppressed: bool = False

    def figure(self, count: int) -> int | str:
        """A count outside the breakdowns (which add up to nothing else shown), as published."""
        return SMALL_MARK if self.suppressed and is_small(count) else count

    @property
    def dm014_dates(self) -> tuple[dt.date, dt.date]:
        start, end = self.dm014_period
        return dt.date.fromisoformat(start), dt.date.fromisoformat(end)

    @property
    def dm014_rate(self) -> float | None:
        within, known = self.figure(self.dm014_within), self.figure(self.dm014_newly_diagnosed)
        if isinstance(within, str) or isinstance(known, str):
            return None
        return percent(within, known)

    def shown(self, name: str) -> list[Row]:
        """The rows of a breakdown the page shows (see LONG), in their usual order."""
        rows = self.breakdowns[name]
        if name not in LONG or len(rows) <= SHOWN:
            return rows
        largest = sorted(rows, key=lambda row: row.counts["referred"], reverse=True)[:SHOWN]
        return sorted(largest, key=lambda row: row.key)

    def figures(self) -> dict[str, Any]:
        """Everything but the time, as JSON (aggregates only)."""
        kept = asdict(self)
        del kept["made_at"]
        return {**kept, "version": FIGURES_VERSION}

    @classmethod
    def from_figures(cls, figures: dict[str, Any], made_at: dt.datetime) -> Dashboard:
        figures = {k: v for k, v in figures.items() if k != "version"}
        return cls(
            **{
                **figures,
                "totals": Row(**figures["totals"]),
                "breakdowns": {
                    name: [Row(**row) for row in rows]
                    for name, rows in figures["breakdowns"].items()
                },
                "dm014_period": tuple(figures["dm014_period"]),
                "providers": [Responsiveness(**row) for row in figures["providers"]],
                "made_at": made_at,
            }
        )


# Figures stored in another shape (by an older release) are worked out again, not read.
FIGURES_VERSION = 4
TOTAL = ("all", "all")


def published(board: Dashboard) -> Dashboard:
    """The view across practices: every count that could identify someone hidden, per stage,
    with every rate and median built on one (the rule and its reasons: suppression.py)."""
    hidden: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    columns = board.breakdowns
    for stage in UPTAKE_STAGES:
        counts = {TOTAL: board.totals.counts[stage]}
        counts |= {(name, r.key): r.counts[stage] for name, rows in columns.items() for r in rows}
        sums = [
            Sum(TOTAL, tuple((name, r.key) for r in rows))
            for name, rows in columns.items()
            if name not in PARENT
        ]
        sums += [
            Sum((outer, p.key), tuple((name, r.key) for r in columns[name] if r.parent == p.key))
            for name, outer in PARENT.items()
            for p in columns[outer]
        ]
        for key, mark in hide(counts, sums, TOTAL).items():
            hidden[key][stage] = mark
    totals = replace(board.totals, hidden=hidden[TOTAL])
    return replace(
        board,
        suppressed=True,
        totals=totals,
        breakdowns={
            name: [replace(r, hidden=hidden[name, r.key]) for r in rows]
            for name, rows in columns.items()
        },
        providers=[replace(row, suppressed=True) for row in board.providers],
        median_days_to_attend=None if "attended" in totals.hidden else board.median_days_to_attend,
        median_days_from_diagnosis=None
        if is_small(board.diagnosed_referrals)
        else board.median_days_from_diagnosis,
    )


def _for_scope(board: Dashboard, practice_id: int | None) -> Dashboard:
    """A practice sees its own figures in full; the view across practices is published."""
    return board if practice_id is not None else published(board)


# A refresh that has not finished after this long is taken to have died with its worker.
ABANDONED = dt.timedelta(minutes=10)


def dashboard(practice_id: int | None) -> Dashboard:
    """The dashboard for a scope, at most FINDER_UPTAKE_CACHE_SECONDS old (0: worked out now).

    Over a national record the figures take seconds to work out, so no request waits for them
    once they exist: a stale snapshot is served at once while a job (jobs.py), claimed by one
    web worker, works them out again and stores them for every worker (the page shows their
    time)."""
    age = dt.timedelta(seconds=current_app.config["FINDER_UPTAKE_CACHE_SECONDS"])
    if not age:
        return _for_scope(_compute(practice_id), practice_id)
    scope = _scope(practice_id)
    kept: dict[str, Dashboard] = current_app.extensions.setdefault("finder_uptake", {})
    now = clock.now()
    board = kept.get(scope)
    if board is not None and now - board.made_at < age:
        return board
    snapshot = db.session.get(UptakeSnapshot, scope)
    if snapshot is None or snapshot.figures.get("version") != FIGURES_VERSION:
        board = refresh(practice_id)
    else:
        board = Dashboard.from_figures(snapshot.figures, snapshot.made_at)
        if now - board.made_at >= age and _claim(scope, now):
            jobs.enqueue(refresh, practice_id)
    kept[scope] = board = _for_scope(board, practice_id)
    return board


def _scope(practice_id: int | None) -> str:
    return "all" if practice_id is None else str(practice_id)


def _claim(scope: str, now: dt.datetime) -> bool:
    """Mark the scope's snapshot as being refreshed; False if another worker already is."""
    with writes():
        claimed = db.session.execute(
            update(UptakeSnapshot)
            .where(
                UptakeSnapshot.scope == scope,
                or_(
                    UptakeSnapshot.refreshing_since.is_(None),
                    UptakeSnapshot.refreshing_since < now - ABANDONED,
                ),
            )
            .values(refreshing_since=now)
        )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


@jobs.job()
def refresh(practice_id: int | None) -> Dashboard:
    """Work the figures out again and store them for every worker (a job, or at once when
    there are none yet)."""
    board = _compute(practice_id)
    scope = _scope(practice_id)
    values = {"made_at": board.made_at, "figures": board.figures(), "refreshing_since": None}
    store = update(UptakeSnapshot).where(UptakeSnapshot.scope == scope).values(**values)
    with writes():
        if not db.session.execute(store).rowcount:  # type: ignore[attr-defined]
            try:
                with db.session.begin_nested():  # two workers may make the first one at once
                    db.session.add(UptakeSnapshot(scope=scope, **values))
            except IntegrityError:
                db.session.execute(store)
    return board


def _compute(practice_id: int | None) -> Dashboard:
    register = register_queries.dm014(practice_id, clock.today())
    totals, breakdowns = _counted(practice_id)
    return Dashboard(
        totals=totals,
        breakdowns=breakdowns,
        median_days_to_attend=median_days_to_attend(practice_id),
        median_days_from_diagnosis=median_days_from_diagnosis(practice_id),
        diagnosed_referrals=diagnosed_referrals(practice_id),
        dm014_within=register.referred_in_time,
        dm014_newly_diagnosed=register.newly_diagnosed,
        dm014_period=(register.start.isoformat(), register.end.isoformat()),
        practices_without_register=register_queries.practices_without_register(practice_id),
        providers=responsiveness(practice_id),
        made_at=clock.now(),
    )


def usual_answer_days() -> dict[str, int]:
    """For each course provider (by slug) with enough answered referrals, across practices: the
    days within which its course team usually answers (the programme cards say it)."""
    return {row.provider: days for row in dashboard(None).providers if (days := row.usual_days)}
