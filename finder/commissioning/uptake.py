"""Uptake: the referral funnel as aggregates, never a patient identifier.

Counts come from SQL aggregates over the stage timestamps on each referral, so the cost does
not grow with each referral's history. Counts from 1 to 4 are suppressed ("<5"), as NHS
statistics do, and so is any rate built on a suppressed count.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, and_, case, cast, extract, func, literal, or_, select, update
from sqlalchemy.sql import ColumnElement

from finder.extensions import db
from finder.models import Patient, Practice, Programme, Referral, UptakeSnapshot

STAGES = ("referred", "booked", "attended", "completed", "did_not_attend", "declined")
STAGE_LABELS = {
    "referred": _l("Referred"),
    "booked": _l("Booked"),
    "attended": _l("Attended"),
    "completed": _l("Completed"),
    "did_not_attend": _l("Did not attend"),
    "declined": _l("Declined"),
}
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
SMALL = 5
# Practices and programmes run to thousands nationally: the page shows the SHOWN with the most
# referrals (the CSV has every row).
LONG = frozenset({"practice", "programme"})
SHOWN = 25


def suppress(count: int) -> str:
    return "<5" if 0 < count < SMALL else str(count)


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage, or None where either count is suppressed or there is nothing to divide."""
    if denominator == 0 or 0 < numerator < SMALL or denominator < SMALL:
        return None
    return round(100 * numerator / denominator, 1)


@dataclass(frozen=True)
class Row:
    key: str
    counts: dict[str, int]

    def shown(self, stage: str) -> str:
        return suppress(self.counts[stage])

    def rate(self, stage: str) -> float | None:
        return rate(self.counts[stage], self.counts["referred"])


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


def totals(practice_id: int | None) -> Row:
    row = db.session.execute(_scoped(select(*_counts()).select_from(Referral), practice_id)).one()
    return Row("all", dict(zip(STAGES, row, strict=True)))


def breakdown(name: str, practice_id: int | None) -> list[Row]:
    key = _dimension(name).label("key")
    query = _scoped(select(key, *_counts()).select_from(Referral), practice_id, NEEDS[name])
    rows = db.session.execute(query.group_by(key).order_by(key)).all()
    return [Row(str(r[0]), dict(zip(STAGES, r[1:], strict=True))) for r in rows]


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
    if count < SMALL:
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


def dm014(practice_id: int | None) -> tuple[int, int]:
    """(referred within nine months of diagnosis, referrals with a date of diagnosis)."""
    if _dialect() == "postgresql":
        deadline = Patient.diagnosis_date + func.make_interval(0, 9)
        in_time = cast(Referral.created_at, Date) <= deadline
    else:
        in_time = func.date(Referral.created_at) <= func.date(Patient.diagnosis_date, "+9 months")
    query = select(
        func.count(case((and_(Patient.diagnosis_date.is_not(None), in_time), 1))),
        func.count(Patient.diagnosis_date),
    ).select_from(Referral)
    within, known = db.session.execute(_scoped(query, practice_id, (Patient,))).one()
    return int(within), int(known)


@dataclass(frozen=True)
class Dashboard:
    totals: Row
    breakdowns: dict[str, list[Row]]
    median_days_to_attend: float | None
    median_days_from_diagnosis: float | None
    dm014_within: int
    dm014_known: int
    made_at: dt.datetime

    @property
    def dm014_rate(self) -> float | None:
        return rate(self.dm014_within, self.dm014_known)

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
        return kept

    @classmethod
    def from_figures(cls, figures: dict[str, Any], made_at: dt.datetime) -> Dashboard:
        return cls(
            **{
                **figures,
                "totals": Row(**figures["totals"]),
                "breakdowns": {
                    name: [Row(**row) for row in rows]
                    for name, rows in figures["breakdowns"].items()
                },
                "made_at": made_at,
            }
        )


# A refresh that has not finished after this long is taken to have died with its worker.
ABANDONED = dt.timedelta(minutes=10)


def dashboard(practice_id: int | None) -> Dashboard:
    """The dashboard for a scope, at most FINDER_UPTAKE_CACHE_SECONDS old (0: worked out now).

    Over a national record the figures take seconds to work out, so no request waits for them
    once they exist: a stale snapshot is served at once while one worker, in the background,
    works them out again and stores them for every worker (the page shows their time)."""
    age = dt.timedelta(seconds=current_app.config["FINDER_UPTAKE_CACHE_SECONDS"])
    if not age:
        return _compute(practice_id)
    scope = _scope(practice_id)
    kept: dict[str, Dashboard] = current_app.extensions.setdefault("finder_uptake", {})
    now = dt.datetime.now(dt.UTC)
    board = kept.get(scope)
    if board is not None and now - board.made_at < age:
        return board
    snapshot = db.session.get(UptakeSnapshot, scope)
    if snapshot is None:
        board = refresh(practice_id)
    else:
        board = Dashboard.from_figures(snapshot.figures, snapshot.made_at)
        if now - board.made_at >= age and _claim(scope, now):
            refresh_in_background(practice_id)
    kept[scope] = board
    return board


def _scope(practice_id: int | None) -> str:
    return "all" if practice_id is None else str(practice_id)


def _claim(scope: str, now: dt.datetime) -> bool:
    """Mark the scope's snapshot as being refreshed; False if another worker already is."""
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
    db.session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def refresh(practice_id: int | None) -> Dashboard:
    """Work the figures out again and store them for every worker."""
    board = _compute(practice_id)
    scope = _scope(practice_id)
    values = {"made_at": board.made_at, "figures": board.figures(), "refreshing_since": None}
    # End the reads first: on SQLite a transaction that has read cannot wait for the write lock.
    db.session.commit()
    stored = db.session.execute(
        update(UptakeSnapshot).where(UptakeSnapshot.scope == scope).values(**values)
    )
    if not stored.rowcount:  # type: ignore[attr-defined]
        db.session.add(UptakeSnapshot(scope=scope, **values))
    db.session.commit()
    return board


def refresh_in_background(practice_id: int | None) -> threading.Thread:
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work() -> None:
        with app.app_context():
            try:
                refresh(practice_id)
            except Exception:
                app.logger.exception("uptake refresh failed")
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name="uptake-refresh", daemon=True)
    thread.start()
    return thread


def _compute(practice_id: int | None) -> Dashboard:
    within, known = dm014(practice_id)
    return Dashboard(
        totals=totals(practice_id),
        breakdowns={name: breakdown(name, practice_id) for name in DIMENSIONS},
        median_days_to_attend=median_days_to_attend(practice_id),
        median_days_from_diagnosis=median_days_from_diagnosis(practice_id),
        dm014_within=within,
        dm014_known=known,
        made_at=dt.datetime.now(dt.UTC),
    )
