"""Public pages kept rendered in each worker, until the directory changes or the day turns.

Rendering a page through the NHS.UK templates costs milliseconds; serving a kept one costs
well under one. A page is kept under its path and the parameters it reads (language and
answers, in one order: finder.links; junk, tracking tags or another order make no new page),
the directory version (triggers raise it on every change, migration 0008; each worker reads it
at most every FINDER_DIRECTORY_CHECK_SECONDS, so a change shows within that time) and today's
date (runs that have started and stale facts depend on it). Only anonymous visitors with
nothing in their session share pages, so nothing personal is ever kept. A page holds nothing
that differs per response (the Content-Security-Policy allows its one inline script by hash:
finder.security), so it is kept as bytes and as their gzip, made once, and served as it is.

Nearly every person brings answers nobody gave before, so most results pages are new; but the
pieces they are made of are not. Pieces (a results card, the header) are kept too
(`fragment`), under everything they show, the language, the directory version and the date;
what is the person's own goes in holes filled for each page (finder.templating.kept).
"""

from __future__ import annotations

import datetime as dt
import gzip
import threading
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, Generic, NamedTuple, TypeVar

from cachetools import LRUCache
from flask import Flask, Response, current_app, make_response, request, session
from flask_login import current_user

from finder import clock, directory
from finder.links import with_query


class Key(NamedTuple):
    path: str
    version: int
    day: dt.date


class Kept(NamedTuple):
    body: bytes
    gzipped: bytes


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
# A worker keeps this many bytes of rendered pieces (a card is about 3 KB; the 21,600 answer
# sets of `make bench` need 19 cards and 5 other pieces a language).
FRAGMENT_BYTES = 4 * 2**20


class Store(Generic[K, V]):
    """A bounded, thread-safe store of rendered things (pages, cards), bounded by their size."""

    def __init__(self, max_bytes: int, size: Callable[[V], int]) -> None:
        self._kept: LRUCache[K, V] = LRUCache(max_bytes, getsizeof=size)
        self._size = size
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        """How many things are kept."""
        with self._lock:
            return len(self._kept)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found  # type: ignore[no-any-return]  # cachetools' get is untyped

    def put(self, key: K, kept: V) -> None:
        if self._size(kept) <= self._kept.maxsize:
            with self._lock:
                self._kept[key] = kept


def pages() -> Store[Key, Kept]:
    return current_app.extensions["finder_pages"]  # type: ignore[no-any-return]


def fragments() -> Store[tuple[Hashable, ...], str]:
    return current_app.extensions["finder_fragments"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    app.extensions["finder_pages"] = Store[Key, Kept](
        app.config["FINDER_PAGE_CACHE_BYTES"], lambda kept: len(kept.body) + len(kept.gzipped)
    )
    app.extensions["finder_fragments"] = Store[tuple[Hashable, ...], str](FRAGMENT_BYTES, len)


def fragment(key: tuple[Hashable, ...], render: Callable[[], str]) -> str:
    """A piece of a public page kept rendered, under a key that holds everything it shows but
    the directory and the date (added here: the version of the snapshot the page was made
    from, so a piece is never kept under a version it was not made from, and no database
    query). Rendered afresh for signed-in staff, whose pages may show the directory as the
    database has it before this worker has seen the change."""
    if current_user.is_authenticated:
        return render()
    full = (*key, directory.shown_version(), clock.today())
    kept = fragments().get(full)
    if kept is None:
        kept = render()
        fragments().put(full, kept)
    return kept


def _shareable() -> bool:
    return request.method == "GET" and not session and not current_user.is_authenticated


def kept(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve the view's page from the store when it can be shared; keep it when it is new."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        if not _shareable():
            return view(*args, **kwargs)
        key = Key(with_query(request.path, request.args), directory.version(), clock.today())
        kept = pages().get(key)
        if kept is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified:
                return response
            body = response.get_data()
            level = current_app.config["COMPRESS_LEVEL"]
            kept = Kept(body, gzip.compress(body, compresslevel=level, mtime=0))
            pages().put(key, kept)
        return _served(kept)

    return serve


def _served(kept: Kept) -> Response:
    """The kept page, gzipped when the browser takes gzip (every browser does)."""
    if request.accept_encodings["gzip"]:
        response = Response(kept.gzipped, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(kept.body, mimetype="text/html")
    response.headers["Vary"] = "Accept-Encoding"
    return response
