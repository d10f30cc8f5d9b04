"""Calendar arithmetic."""

from __future__ import annotations

import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    days_in_month = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                     31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]  # fmt: skip
    return dt.date(year, month, min(day.day, days_in_month))


def call_by(referred: dt.date, course_start: dt.date | None, not_booked_days: int) -> dt.date:
    """When a person who has not heard from their practice should call it: ``not_booked_days``
    after the referral (when the worklist shows it overdue), or a week before the chosen course
    starts if that is sooner, and never before the day after the referral."""
    latest = referred + dt.timedelta(days=not_booked_days)
    if course_start is not None:
        latest = min(latest, course_start - dt.timedelta(days=7))
    return max(latest, referred + dt.timedelta(days=1))
