"""Public pages kept rendered in each worker, until the directory changes or the day turns.

Rendering a page through the NHS.UK templates costs milliseconds; serving a kept one costs
well under one. A page is kept under its path and the parameters it reads (language and
answers, in one order: finder.links; junk, tracking tags or another order make no new page),
the directory version (triggers raise it on every change, migration 0008; each worker reads it
at most every FINDER_DIRECTORY_CHECK_SECONDS, so a change shows within that time) and today's
date (runs that have started and stale facts depend on it). Only anonymous visitors with
nothing in their session share pages, so nothing personal is ever kept. The
Content-Security-Policy nonce is taken out of a kept page and each response gets its own.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple

from cachetools import LRUCache
from flask import Flask, Response, current_app, g, make_response, request, session
from flask_login import current_user

from finder import clock, directory
from finder.links import with_query

# Stands in for the nonce in a kept page: no rendered page can hold these bytes (a NUL is
# refused in any request, and templates never write one).
SLOT = b"\x00nonce\x00"


class Key(NamedTuple):
    path: str
    version: int
    day: dt.date


class Pages:
    """A bounded, thread-safe store of rendered pages (bytes with SLOT for the nonce)."""

    def __init__(self, max_bytes: int) -> None:
        self._pages: LRUCache[Key, bytes] = LRUCache(max_bytes, getsizeof=len)
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Key) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found  # type: ignore[no-any-return]  # cachetools' get is untyped

    def put(self, key: Key, body: bytes) -> None:
        if len(body) <= self._pages.maxsize:
            with self._lock:
                self._pages[key] = body


def pages() -> Pages:
    return current_app.extensions["finder_pages"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    app.extensions["finder_pages"] = Pages(app.config["FINDER_PAGE_CACHE_BYTES"])


def _shareable() -> bool:
    return request.method == "GET" and not session and not current_user.is_authenticated


def kept(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve the view's page from the store when it can be shared; keep it when it is new."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        if not _shareable():
            return view(*args, **kwargs)
        key = Key(with_query(request.path, request.args), directory.version(), clock.today())
        nonce = g.csp_nonce.encode()
        body = pages().get(key)
        if body is not None:
            return Response(body.replace(SLOT, nonce), mimetype="text/html")
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not session.modified:
            pages().put(key, response.get_data().replace(nonce, SLOT))
        return response

    return serve
