"""Links: which query parameters a page carries, and absolute URLs.

Query strings are data. Only the parameters named here are carried from one page to the next
(the language switcher) or make one kept page differ from another (finder.pagecache), and they
go into URLs as encoded values, never as ``url_for`` keywords. Absolute URLs (a QR code on a
printed handout, a link in a message) start from the configured FINDER_BASE_URL, never from
the Host header a request happened to send.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import current_app, has_request_context, url_for
from werkzeug.datastructures import MultiDict

from finder.circumstances import PARAMETERS

# The circumstances vocabulary, then the question pages' own steps, then the staff pages'
# filters and choices (none of them personal data).
CARRIED: tuple[str, ...] = (
    *PARAMETERS,
    "continue",
    "return",
    "programme",
    "ref",
    "run",
    "status",
    "since",
    "until",
    "overdue",
    "page",
    "text_lang",
)


def carried(args: MultiDict[str, str] | Mapping[str, str]) -> list[tuple[str, str]]:
    """The carried parameters of a query, in one order, each once (its first value)."""
    return [(name, args[name]) for name in CARRIED if name in args]


def with_query(path: str, args: MultiDict[str, str] | Mapping[str, str]) -> str:
    pairs = carried(args)
    return f"{path}?{urlencode(pairs)}" if pairs else path


# The paths whose last part is a secret: a provider's link to one referral (/r/<token>) and a
# person's personal link (/<lang>/my/<token>). Their tokens are never written to the access
# log, and leave a message's stored words once it is sent (``hide_secrets``).
SECRET_PATH = re.compile(r"(/r/|/[a-z]{2}/my/)[A-Za-z0-9_-]+")


HIDDEN = "(token)"
HIDDEN_PATH = re.compile(r"(/r/|/[a-z]{2}/my/)\(token\)")


def hide_secrets(text: str) -> str:
    """``text`` with the token of every secret link in it replaced by "(token)"."""
    return SECRET_PATH.sub(rf"\1{HIDDEN}", text)


def secrets_hidden(text: str) -> bool:
    """Whether ``hide_secrets`` took a link's token out of ``text`` (the link no longer works)."""
    return HIDDEN_PATH.search(text) is not None


def absolute(endpoint: str, **values: Any) -> str:
    """An absolute URL of this site, from FINDER_BASE_URL (also outside a request: a job)."""
    base = str(current_app.config["FINDER_BASE_URL"]).rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    return base + current_app.url_map.bind("localhost").build(endpoint, values)
