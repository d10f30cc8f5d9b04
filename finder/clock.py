"""The app's clock, in one place: tests move it with time_machine.

Moments are UTC (stored and compared as such). "Today" is the date in England, where the
patients and practices are: a course starting "today" at 00:30 on a summer night is today's
in London even though it is still yesterday in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().astimezone(LONDON).date()
