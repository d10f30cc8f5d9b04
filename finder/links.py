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

import zxingcpp
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


def qr_svg(target: str, scale: int = 4, label: str | None = None) -> Markup:
    """A QR code of ``target`` (an absolute URL) as inline SVG: dark on light, so that it prints,
    and named for screen readers (by default "QR code for this link"). At scale 4 a short
    link's code is at least 132 pixels wide."""
    return _qr_svg(target, scale, label or _("QR code for this link"))


# Around the code, the light margin (the "quiet zone") the standard asks for, in modules.
_QUIET = 4
_DARK_RUN = re.compile(rb"\x00+")


@lru_cache(maxsize=1024)
def _qr_svg(target: str, scale: int, label: str) -> Markup:
    """zxing-cpp (libzint's encoder, in C) makes the code, medium error correction and the best
    mask as the standard scores them, in about a tenth of a millisecond: a new person's
    results page had spent a quarter of its time on it in Python (segno). The SVG is written
    here from its modules: one light square, then each row's runs of dark modules as strokes.
    Only numbers and the escaped label go in, so nothing from outside is unescaped."""
    code = zxingcpp.create_barcode(target, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    # 0 dark, 255 light; zxing-cpp's Image gives its bytes as a buffer (its stubs do not say so)
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))  # type: ignore[arg-type]
    size = image.shape[0] if image.shape else 0
    modules = image.tobytes()
    runs = [
        f"M{run.start() - y * size + _QUIET} {y + _QUIET}.5h{run.end() - run.start()}"
        for y in range(size)
        for run in _DARK_RUN.finditer(modules, y * size, (y + 1) * size)
    ]
    full = size + 2 * _QUIET
    name = escape(label)
    return Markup(  # noqa: S704 - numbers and the escaped label only  # nosec B704
        f'<svg class="app-qr-code" role="img" '
        f'aria-label="{name}" width="{full * scale}" height="{full * scale}" '
        f'viewBox="0 0 {full} {full}" shape-rendering="crispEdges"><title>{name}</title>'
        f'<path fill="#fff" d="M0 0h{full}v{full}h-{full}z"/>'
        f'<path stroke="#000" d="{"".join(runs)}"/></svg>'
    )
