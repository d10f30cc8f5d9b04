"""How much input may hold, in one place: every form, the seed loader and the directory import
check these before the database sees a value (PostgreSQL raises on a string longer than its
column or an integer past its range; SQLite keeps anything)."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# Text columns have no length in the database: this is the most any of them takes from input.
TEXT_MAX = 10_000
# The most a PostgreSQL ``integer`` holds: ids in URLs past it are not found, never an error.
INTEGER_MAX = 2**31 - 1
# A course's places and its expected wait for a place (days).
PLACES_MAX = 500
WAIT_DAYS_MAX = 365
# A programme's number of sessions.
SESSIONS_MAX = 100
# A directory import: how deeply its JSON may nest (the export nests 7 deep), and how many of
# its problems are listed before "and N more".
IMPORT_DEPTH_MAX = 10
PROBLEMS_LISTED = 20
# The Open Referral UK API (/openreferral/): results per page (default and most), and the
# longest search text.
OPENREFERRAL_PER_PAGE = 50
OPENREFERRAL_PER_PAGE_MAX = 200
OPENREFERRAL_SEARCH_MAX = 200


def max_length(column: Any) -> int:
    """The most characters ``column`` (a model attribute, e.g. ``Venue.name``) holds: its
    String(n) length, or TEXT_MAX for a Text or JSON column."""
    length = getattr(column.type, "length", None)
    return int(length) if length is not None else TEXT_MAX


class DatabaseInteger(IntegerConverter):
    """``<int:...>`` in a URL: a number past what the database's integer holds matches no
    route (404) instead of reaching a query that would fail."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(url_map, *args, **kwargs)
