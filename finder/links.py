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
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import segno
from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
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


# Stands in for one path part in `url_family`; no language tag or question name is like it.
_SLOT = "PART.SLOT"


def url_family(endpoint: str, part: str, **values: Any) -> tuple[str, str]:
    """The URLs of an endpoint that differ in one path part, from one ``url_for``: the text
    before and after that part (each URL is ``before + value + after``).

    A page that links to each language, or to each question, would otherwise build each link
    in full: ten or more ``url_for`` calls were a tenth of the page's time. The part must be
    one that ``url_for`` writes as it is (a language code, a question's name)."""
    before, after = url_for(endpoint, **{**values, part: _SLOT}).split(_SLOT, 1)
    return before, after


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


def qr_svg(target: str, scale: int = 4) -> Markup:
    """A QR code of ``target`` (an absolute URL) as inline SVG: dark on light, so that it prints,
    and named for screen readers. At scale 4 it is at least 132 pixels wide."""
    return _qr_svg(target, scale, _("QR code for this link"))


@lru_cache(maxsize=1024)
def _qr_svg(target: str, scale: int, label: str) -> Markup:
    # One fixed mask pattern (the standard allows any of the eight): choosing the best by its
    # penalty score took 5.7 ms of a results page's CPU, this 1.1 ms. Readers decode it the same
    # (tests/browser/test_short_link.py reads the one on the page with ZXing).
    # segno writes the SVG itself from the URL's bits and escapes the title: no outside text
    # goes in unescaped.
    svg = segno.make(target, error="m", mask=0).svg_inline(
        scale=scale, dark="#000", light="#fff", title=label
    )
    named = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(named)  # noqa: S704  # nosec B704
