"""Locale negotiation, in one place: the URL prefix, then Accept-Language, then English."""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Blueprint, Flask, abort, current_app, g, request


def supported() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def site_language(tag: str | None) -> str:
    """``tag`` if the site ships that language, else the current page's language."""
    return tag if tag in supported() else (g.get("lang") or "en")


def best_from_accept_language() -> str:
    """The best shipped language for this request's Accept-Language (``pt-BR`` gives ``pt``)."""
    offered = supported()
    for tag, _quality in request.accept_languages:
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in offered:
            return primary
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


# The Babel locale for a site language where they differ: our English is British English.
BABEL_LOCALES = {"en": "en_GB"}


def select_locale() -> str:
    lang = str(getattr(g, "lang", None) or current_app.config["BABEL_DEFAULT_LOCALE"])
    return BABEL_LOCALES.get(lang, lang)


def text_direction(lang: str) -> str:
    return Locale.parse(lang).text_direction


def native_name(lang: str) -> str:
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def check_catalogues(app: Flask) -> None:
    """Refuse to start if a configured language has no compiled catalogue."""
    folder = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    missing = [
        lang
        for lang in app.config["LANGUAGES"]
        if lang != "en" and not (folder / lang / "LC_MESSAGES" / "messages.mo").exists()
    ]
    if missing:
        raise RuntimeError(
            f"No compiled catalogue for {', '.join(missing)}: run 'make translations'."
        )


def language_prefixed(bp: Blueprint) -> Blueprint:
    """Give a blueprint the /<lang>/ prefix: take the language from the URL, and add it back."""

    @bp.url_value_preprocessor
    def take_language(_endpoint: str | None, values: dict[str, str] | None) -> None:
        g.lang = (values or {}).pop("lang", None)
        if g.lang not in supported():
            g.lang = None
            abort(404)

    @bp.url_defaults
    def add_language(_endpoint: str, values: dict[str, str]) -> None:
        values.setdefault("lang", g.get("lang") or "en")

    return bp
