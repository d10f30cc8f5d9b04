"""What every template can use: the page's language and direction, the switcher, assets."""

from __future__ import annotations

import json
from collections.abc import Hashable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import format_decimal, get_locale, get_translations
from jinja2 import pass_context
from jinja2.filters import do_indent
from jinja2.runtime import Context, Macro
from markupsafe import Markup, escape

from finder import components, pagecache, policy, presenting
from finder.i18n import (
    bdi,
    day_and_month,
    native_name,
    site_language,
    supported,
    text_direction,
    words_language,
)
from finder.links import url_family, with_query
from finder.staff.navigation import staff_navigation, staff_search

# Babel's names and directions, worked out once per language.
_native_name, _text_direction = cache(native_name), cache(text_direction)


def _language_link() -> tuple[str, str]:
    """This page in another language is ``before + code + after`` (the query string kept)."""
    if request.url_rule is None or "lang" not in request.url_rule.arguments:
        endpoint, values = "public.start", {}
    else:
        endpoint, values = request.endpoint or "public.start", dict(request.view_args or {})
    before, after = url_family(endpoint, "lang", **values)
    return before, with_query(after, request.args)


def indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> Any:
    """Jinja's ``indent`` filter, giving the same text, on plain strings.

    Jinja's works on Markup when given Markup (the components' HTML always is), so each line
    is a Markup object and each join escapes: a third of the check-answers page's time. Adding
    spaces or a newline to safe markup keeps it safe, so this works on ``str`` and marks the
    result safe at the end."""
    if not isinstance(s, str):
        return do_indent(s, width, first, blank)
    indention = width if isinstance(width, str) else " " * width
    lines = (str(s) + "\n").splitlines()
    if blank:
        text = ("\n" + indention).join(lines)
    else:
        text = lines[0]
        if len(lines) > 1:
            text += "\n" + "\n".join(indention + line if line else line for line in lines[1:])
    if first:
        text = indention + text
    return Markup(text) if isinstance(s, Markup) else text  # noqa: S704 - safe in, spaces added  # nosec B704


@lru_cache(maxsize=256)
def _query(answers: tuple[tuple[str, str], ...]) -> str:
    """The person's answers as a query string, worked out once for a page's several pieces."""
    return with_query("", dict(answers))


@pass_context
def kept(context: Context, *key: Hashable, caller: Macro, **holes: Any) -> Markup:
    """``{% call kept(name, …) %}…{% endcall %}``: a piece of a public page rendered once and
    kept (`pagecache.fragment`), such as the header or a results card.

    The key names everything the piece shows beyond the language, the directory and the
    date. What differs from person to person goes in holes: a caller with arguments
    (``{% call(carried, why) kept(…, why=…) %}``) is rendered with a stand-in for each, and
    each page's own value (escaped) is put in its place after. ``carried``, unless given, is
    the person's answers as a query string (``?diabetes=type2&…``, or nothing)."""
    # The page's language, its links' and its words' (the same but where a locale is forced).
    key = (*key, context["page_lang"], g.get("lang"), str(get_locale()))
    if not caller.arguments:
        return pagecache.fragment(key, caller)  # type: ignore[return-value]  # Markup in
    names = caller.arguments
    stand_ins = [f"HOLE.{name}.HOLE" for name in names]  # no text of ours is like them
    html = Markup(pagecache.fragment(key, lambda: caller(*stand_ins)))  # noqa: S704 - the template's escaped output  # nosec B704
    if "carried" in names and "carried" not in holes:
        holes["carried"] = _query(tuple((context.get("answers") or {}).items()))
    for name, stand_in in zip(names, stand_ins, strict=True):
        html = html.replace(stand_in, escape(holes[name]))
    return html


def _bound(translations: Any) -> dict[str, Any]:
    """The templates' gettext and ngettext, bound to this request's catalogue.

    Flask-Babel gives Jinja callables that look the catalogue up through ``g`` on every call
    (about 54 a page, a sixth of its time). These do what Jinja's "newstyle" callables do
    (``_`` and ``trans`` resolve ``gettext`` from the context) on the catalogue looked up once,
    however it was loaded (``flask_babel.get_translations``)."""

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - escaped by % below, as Jinja's own does  # nosec B704
        return text % variables  # type: ignore[no-any-return]

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - escaped by % below, as Jinja's own does  # nosec B704
        return text % variables  # type: ignore[no-any-return]

    # ``_`` too: Jinja's own ``_`` looks ``gettext`` up and calls it, two calls for each of
    # a page's ninety-odd strings.
    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def load_assets(app: Flask) -> dict[str, str]:
    """Plain asset names to fingerprinted ones, read once at start-up."""
    manifest = Path(app.config["FINDER_ASSETS_DIR"]) / "assets-manifest.json"
    return json.loads(manifest.read_text()) if manifest.exists() else {}


def asset_url(name: str) -> str:
    return "/assets/" + str(current_app.extensions["finder_assets"].get(name, name))


def init_app(app: Flask) -> None:
    app.extensions["finder_assets"] = load_assets(app)
    app.jinja_env.globals.update(
        presenting.GLOBALS,
        kept=kept,
        nhsuk_attributes=components.attributes,  # what components.ComponentLoader serves
        staff_navigation=staff_navigation,
        staff_search=staff_search,
        site_language=site_language,
        policy=policy,  # the rules (finder/policy.py), for pages that state one
    )
    app.jinja_env.filters["indent"] = indent
    app.jinja_env.filters["format_number"] = format_decimal  # 2,000 in English, per locale
    app.jinja_env.filters["day_and_month"] = day_and_month  # "Wednesday 16 December", per locale
    app.jinja_env.filters["bdi"] = bdi  # names, references, addresses: isolated from the page

    @app.context_processor
    def page_context() -> dict[str, Any]:
        lang = g.get("lang") or app.config["BABEL_DEFAULT_LOCALE"]
        # Staff words (explainers, staff pages) may be English on another language's page.
        staff_lang = words_language(lang, "staff")
        return {
            "page_lang": lang,
            "page_dir": _text_direction(lang),
            "staff_lang": staff_lang,
            "staff_dir": _text_direction(staff_lang),
            # The switcher: each site language named in itself, and where it links.
            "languages": [(code, _native_name(code)) for code in supported()],
            "language_link": _language_link(),
            "asset_url": asset_url,
            **_bound(get_translations()),
        }
