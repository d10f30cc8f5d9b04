"""What every template can use: the page's language and direction, the switcher, assets."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for

from finder import presenting
from finder.i18n import native_name, site_language, supported, text_direction
from finder.staff.navigation import staff_navigation


def _language_links(lang: str) -> list[tuple[str, str, str]]:
    if request.url_rule is None or "lang" not in request.url_rule.arguments:
        endpoint, values = "public.start", {}
    else:
        endpoint, values = request.endpoint or "public.start", dict(request.view_args or {})
    args = request.args.to_dict(flat=False)
    return [
        (code, native_name(code), url_for(endpoint, **{**values, **args, "lang": code}))
        for code in supported()
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        presenting.GLOBALS, staff_navigation=staff_navigation, site_language=site_language
    )

    @app.context_processor
    def page_context() -> dict[str, Any]:
        lang = g.get("lang") or app.config["BABEL_DEFAULT_LOCALE"]
        return {
            "page_lang": lang,
            "page_dir": text_direction(lang),
            "languages": _language_links(lang),
            "asset_url": lambda name: f"/assets/{name}",
        }
