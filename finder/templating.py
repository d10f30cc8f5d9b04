"""What every template can use: the page's language and direction, the switcher, assets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_decimal

from finder import policy, presenting
from finder.i18n import native_name, site_language, supported, text_direction
from finder.links import with_query
from finder.staff.navigation import staff_navigation, staff_search


def _language_links(lang: str) -> list[tuple[str, str, str]]:
    if request.url_rule is None or "lang" not in request.url_rule.arguments:
        endpoint, values = "public.start", {}
    else:
        endpoint, values = request.endpoint or "public.start", dict(request.view_args or {})
    return [
        (
            code,
            native_name(code),
            with_query(url_for(endpoint, **{**values, "lang": code}), request.args),
        )
        for code in supported()
    ]


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
        staff_navigation=staff_navigation,
        staff_search=staff_search,
        site_language=site_language,
        policy=policy,  # the rules (finder/policy.py), for pages that state one
    )
    app.jinja_env.filters["format_number"] = format_decimal  # 2,000 in English, per locale

    @app.context_processor
    def page_context() -> dict[str, Any]:
        lang = g.get("lang") or app.config["BABEL_DEFAULT_LOCALE"]
        return {
            "page_lang": lang,
            "page_dir": text_direction(lang),
            "languages": _language_links(lang),
            "asset_url": asset_url,
        }
