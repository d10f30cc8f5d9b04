"""Reads of the referral record, always within one practice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from finder import clock
from finder.dates import add_months
from finder.extensions import db
from finder.models import AuditEvent, CourseRun, Programme, Referral
from finder.policy import DM014_MONTHS
from finder.referrals import statuses

# Whoever is on a run's attendance list, however they were booked on it.
ON_A_RUN = ("booked", "attended")


def dm014_date(diagnosis: dt.date | None) -> dt.date | None:
    """QOF DM014: the last day to refer someone who joined the diabetes register then."""
    return add_months(diagnosis, DM014_MONTHS) if diagnosis else None


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    programme: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Page:
    items: list[Referral]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(practice_id: int, filters: Filters, overdue_days: int) -> Select[Any]:
    query = select(Referral).where(Referral.practice_id == practice_id)
    if filters.status:
        query = query.where(Referral.status == filters.status)
    if filters.programme:
        query = query.join(Referral.programme).where(Programme.slug == filters.programme)
    if filters.since:
        query = query.where(
            Referral.created_at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC)
        )
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(Referral.created_at < end)
    if filters.overdue:
        cutoff = clock.now() - dt.timedelta(days=overdue_days)
        query = query.where(Referral.status.in_(statuses.OPEN), Referral.status_changed_at < cutoff)
    return query


def page_for_practice(
    practice_id: int, filters: Filters, page: int, per_page: int, overdue_days: int
) -> Page:
    query = _filtered(practice_id, filters, overdue_days)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(page, Page([], total, page, per_page).pages)  # past the end: the last page
    items = db.session.scalars(
        query.options(joinedload(Referral.patient), joinedload(Referral.programme))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def all_for_practice(practice_id: int) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.practice_id == practice_id)
            .options(joinedload(Referral.patient), joinedload(Referral.programme))
            .order_by(Referral.created_at, Referral.id)
        )
    )


def by_reference(reference: str) -> Referral | None:
    return db.session.scalar(select(Referral).filter_by(reference=reference))


def audit_history(reference: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_ref == reference)
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.id)
        )
    )


def runs_with_bookings(practice_id: int) -> list[CourseRun]:
    """Course runs on which the practice has patients booked (or marked attended, to record
    completion later), soonest first."""
    return list(
        db.session.scalars(
            select(CourseRun)
            .join(Referral, Referral.course_run_id == CourseRun.id)
            .where(Referral.practice_id == practice_id, Referral.status.in_(ON_A_RUN))
            .distinct()
            .order_by(CourseRun.start_date, CourseRun.id)
        )
    )


def booked_on(practice_id: int, run: CourseRun) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral)
            .where(
                Referral.practice_id == practice_id,
                Referral.course_run_id == run.id,
                Referral.status.in_(ON_A_RUN),
            )
            .options(joinedload(Referral.patient))
            .order_by(Referral.id)
        )
    )
