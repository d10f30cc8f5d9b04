"""What every template can use: the page's language and direction, the switcher, assets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_decimal

from finder import policy, presenting
from finder.i18n import (
    bdi,
    day_and_month,
    native_name,
    site_language,
    supported,
    text_direction,
    words_language,
)
from finder.links import with_query
from finder.staff.navigation import staff_navigation


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
        site_language=site_language,
        policy=policy,  # the rules (finder/policy.py), for pages that state one
    )
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
            "page_dir": text_direction(lang),
            "staff_lang": staff_lang,
            "staff_dir": text_direction(staff_lang),
            "languages": _language_links(lang),
            "asset_url": asset_url,
        }
