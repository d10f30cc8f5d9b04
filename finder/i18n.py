"""Languages, in one place: locale negotiation (the URL prefix, then Accept-Language, then
English), the gettext catalogues, language names, bidi isolation and review status."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from babel import Locale, support
from babel.dates import format_date, format_skeleton, match_skeleton
from flask import Blueprint, Flask, abort, current_app, g, has_app_context, request
from flask_babel import Domain, get_locale
from markupsafe import Markup, escape

from finder.config import ROOT
from finder.policy import LANGUAGES


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


# The Babel locale for a site language where they differ: our English is British English and
# our Portuguese European Portuguese ("noutras zonas", "carácter"), which counts 0 as plural.
BABEL_LOCALES = {"en": "en_GB", "pt": "pt_PT"}


def babel_locale(lang: str) -> str:
    """The Babel locale of a site language (dates, numbers and plurals as it writes them)."""
    return BABEL_LOCALES.get(lang, lang)


def select_locale() -> str:
    return babel_locale(str(getattr(g, "lang", None) or current_app.config["BABEL_DEFAULT_LOCALE"]))


def text_direction(lang: str) -> str:
    return Locale.parse(lang).text_direction


NAMES_FILE = ROOT / "translations" / "language-names.toml"


@cache
def name_overrides() -> dict[str, dict[str, str]]:
    """The reviewed table of language names that CLDR gets wrong: page language, then the
    language named, to the name (translations/language-names.toml gives a reason for each)."""
    table = tomllib.loads(NAMES_FILE.read_text(encoding="utf-8"))
    return {
        page: {tag: entry["name"] for tag, entry in named.items()} for page, named in table.items()
    }


def language_name(tag: str, in_lang: str) -> str:
    """The name of language ``tag`` in language ``in_lang``, cased as in a sentence (Polish
    "bengalski", English "Bengali")."""
    page = Locale.parse(in_lang).language
    override = name_overrides().get(page, {}).get(tag)
    return override or Locale.parse(tag).get_display_name(in_lang) or tag


@cache
def _day_and_month_pattern(locale: str) -> str:
    """CLDR's pattern for weekday, day and month in ``locale`` ("EEEE d MMMM", "d MMMM E",
    "E, d 'de' MMMM"), with the weekday written in full, as ICU's pattern generator does."""
    skeletons = Locale.parse(locale).datetime_skeletons
    pattern = str(skeletons[match_skeleton("MMMMEEEEd", skeletons) or "MMMMEd"])
    return re.sub(r"(?<![Ec])(?:E{1,3}|c{1,3})(?![Ec])", "EEEE", pattern)


def day_and_month(value: dt.date) -> str:
    """ "Wednesday 16 December", "miércoles, 16 de diciembre": as the page's language writes it."""
    locale = get_locale() or Locale.parse("en_GB")
    return format_date(value, _day_and_month_pattern(str(locale)), locale=locale)


def day_month(value: dt.date) -> str:
    """ "16 December", "16 de diciembre", "16 grudnia": CLDR's day and month for the page."""
    locale = get_locale() or Locale.parse("en_GB")
    return str(format_skeleton("MMMMd", value, locale=locale))


def native_name(lang: str) -> str:
    """A language's name in itself, capitalised as a menu item ("Polski", "Español")."""
    name = language_name(lang, lang)
    return name[:1].upper() + name[1:]


class Catalogues(Domain):  # type: ignore[misc]  # Flask-Babel is untyped
    """The app's gettext domains ("messages;staff"), each catalogue with its own plural rule.

    Flask-Babel merges the domains into one catalogue and then copies each one's ``plural``
    onto it, the last one winning: a language with no ``staff`` catalogue got Babel's empty
    stand-in, whose rule is English's ``n != 1``, for every message. Here the catalogues are
    chained instead: a message is looked up in the first domain, then the next, then shown in
    English, and each catalogue chooses its forms by its own ``Plural-Forms``.
    """

    def get_translations(self) -> support.NullTranslations:
        if not has_app_context():
            return support.NullTranslations()
        locale = get_locale()
        key = (str(locale), ";".join(self.domain))
        if key not in self.cache:
            chain: support.NullTranslations | None = None
            for folder, domain in zip(self.translation_directories, self.domain, strict=True):
                catalogue = support.Translations.load(folder, [locale], domain)
                if chain is None:
                    chain = catalogue
                else:
                    chain.add_fallback(catalogue)
            self.cache[key] = chain
        return self.cache[key]  # type: ignore[no-any-return]


# A run of Latin-script words ("Healthy Living - HeLP-Diabetes", "1 Example Row, London"), with
# the brackets around it if it has them (\u2019 is the apostrophe, \u2013 the en dash).
_LATIN_RUN = re.compile(
    r"\(?[A-Za-z0-9][\w'\u2019.&+]*(?:[\s,\u2013:/-]+[A-Za-z0-9][\w'\u2019.&+]*)*\)?"
    r"|[A-Za-z][\w'\u2019.&+-]*"
)
_OTHER_SCRIPT = re.compile(r"[^\W\d_A-Za-z\u00C0-\u024F]")


def _whole_brackets(run: str) -> str:
    """Leave a bracket that is not part of a pair outside the run."""
    if run.startswith("(") and not run.endswith(")"):
        return run[1:]
    if run.endswith(")") and not run.startswith("("):
        return run[:-1]
    return run


def bdi(value: object) -> Markup:
    """``value`` isolated from the text around it, as a name, reference or address may be in
    another script than the page: ``<bdi>``, and inside it each Latin phrase of a name that
    mixes scripts ("العيش الصحي (Healthy Living)") in its own ``<bdi>`` too."""
    text = str(value)
    if not _OTHER_SCRIPT.search(text):
        return Markup("<bdi>{}</bdi>").format(text)
    parts: list[str] = []
    end = 0
    for found in _LATIN_RUN.finditer(text):
        run = _whole_brackets(found.group())
        start = found.start() + found.group().index(run)
        if not re.search("[A-Za-z]", run):
            continue  # digits alone take the direction of the text around them
        parts.append(escape(text[end:start]) + Markup("<bdi>{}</bdi>").format(run))
        end = start + len(run)
    parts.append(escape(text[end:]))
    return Markup("<bdi>{}</bdi>").format(Markup("").join(parts))


STATUS_FILE = ROOT / "translations" / "status.yml"


@dataclass(frozen=True)
class Review:
    """Where a language's translation stands: a draft, or reviewed by someone on a date."""

    status: str  # "draft" or "reviewed"
    reviewer: str | None = None
    date: dt.date | None = None


@cache
def review_status() -> dict[str, Review]:
    """Each translated language's review status, from translations/status.yml (checked)."""
    data = yaml.safe_load(STATUS_FILE.read_text(encoding="utf-8"))
    reviews: dict[str, Review] = {}
    for lang in LANGUAGES[1:]:
        entry = dict(data.get(lang) or {})
        review = Review(
            entry.pop("status", None), entry.pop("reviewer", None), entry.pop("date", None)
        )
        complete = review.reviewer and isinstance(review.date, dt.date)
        if entry or not (
            (review.status == "draft" and review.reviewer is None and review.date is None)
            or (review.status == "reviewed" and complete)
        ):
            raise ValueError(
                f"{STATUS_FILE.name}: {lang} must be {{status: draft}} or "
                "{status: reviewed, reviewer: NAME, date: YYYY-MM-DD}"
            )
        reviews[lang] = review
    return reviews


def words_language(lang: str, domain: str) -> str:
    """The language a domain's words are in on a ``lang`` page: ``lang`` if it has that
    catalogue, else English (staff words fall back to English)."""
    folder = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    if lang == "en" or (folder / lang / "LC_MESSAGES" / f"{domain}.mo").exists():
        return lang
    return "en"


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
    review_status()  # a mistake in translations/status.yml stops the start, not a page


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
