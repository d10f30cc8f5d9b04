"""The review path for qualified translators (README "How a translator reviews").

    python scripts/translations.py pack [OUT_DIR]     one CSV per language (default build/translation-pack)
    python scripts/translations.py merge FILE.csv...  read reviewed CSVs back into the .po files
    python scripts/translations.py status             copy translations/status.yml into README.md

A pack row is one patient-facing string (one row per plural form): its English, the
translator's note, where it appears (source, page, screenshot), the current translation, and
empty columns for the reviewer's correction and a back-translation into English. ``merge``
takes every filled-in correction, refuses the whole file if a correction breaks a
placeholder or names a string the catalogue no longer has, and reports what it changed.
"""

from __future__ import annotations

import csv
import gettext
import re
import sys
from collections import defaultdict
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finder.i18n import STATUS_FILE, native_name, review_status  # noqa: E402
from finder.policy import LANGUAGES  # noqa: E402

TRANSLATIONS = ROOT / "translations"
README = ROOT / "README.md"
COLUMNS = [
    "language",
    "msgid",
    "msgid_plural",
    "plural_form",
    "translator_comment",
    "where",
    "screenshot",
    "current_translation",
    "reviewer_correction",
    "back_translation",
]
# The same keywords as the Makefile's extract (and gettext's own).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}
# Source file -> the page it is on (its path, and the name of the screenshot the browser
# tests take of it: tests/browser/test_screenshots.py, languages en ar ur bn).
PAGES = {
    "templates/public/start.jinja": ("/", "start"),
    "templates/public/question.jinja": ("/find/<question>", "question"),
    "finder/public/questions.py": ("/find/<question>", "question"),
    "templates/public/check.jinja": ("/find/check", None),
    "templates/public/results.jinja": ("/results", "results"),
    "templates/macros/options.jinja": ("/results", "results"),
    "finder/matching.py": ("/results", "results"),
    "finder/messages.py": ("/results", "results"),
    "templates/public/programme.jinja": ("/programmes/<slug>", "programme"),
    "finder/presenting.py": ("/programmes/<slug>", "programme"),
    "templates/public/programmes.jinja": ("/programmes", None),
    "templates/public/self_refer.jinja": ("/self-refer/<slug>", None),
    "templates/public/self_refer_done.jinja": ("/self-refer/<slug>/done", None),
    "finder/public/forms.py": ("/self-refer/<slug>", None),
    "templates/public/feedback.jinja": ("/feedback/<slug>", None),
    "templates/public/accessibility.jinja": ("/accessibility", None),
    "templates/public/privacy.jinja": ("/privacy", None),
    "templates/base.jinja": ("every page", "start"),
    "templates/language_switcher.jinja": ("every page", "start"),
    "templates/macros/forms.jinja": ("every form", None),
    "finder/forms.py": ("errors on forms", None),
    "templates/public/feedback_done.jinja": ("/feedback/<slug>/done", None),
    "templates/public/too_many.jinja": ("too many forms sent", None),
    "templates/public/handout.jinja": ("printed handout (staff print it)", None),
    "templates/public/letter.jinja": ("printed letter (staff print it)", None),
    "templates/public/sign_up_steps.jinja": ("printed sign-up steps (staff print it)", None),
    "templates/errors/404.jinja": ("page not found", None),
    "templates/errors/500.jinja": ("something went wrong", None),
    "templates/errors/generic.jinja": ("error pages", None),
}
SHOT_LANGUAGES = {"en", "ar", "ur", "bn"}
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def catalogue_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str) -> Catalog:
    with open(catalogue_path(lang), "rb") as f:
        return read_po(f, locale=lang)


def key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def strings(message: Message) -> tuple[str, ...]:
    """A message's translations: one, or one per plural form."""
    found = message.string
    if found is None:
        return ()
    return (found,) if isinstance(found, str) else tuple(found)


def sources() -> dict[str, list[str]]:
    """Singular msgid -> the source files it is extracted from (the .pot has no locations)."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    found: dict[str, set[str]] = defaultdict(set)
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        found[key(message)].add(filename)
    return {msgid: sorted(files) for msgid, files in found.items()}


def where(files: list[str], lang: str) -> tuple[str, str]:
    pages, shots = [], []
    for name in files:
        page, shot = PAGES.get(name, (None, None))
        pages.append(f"{page} ({name})" if page else name)
        if shot and lang in SHOT_LANGUAGES:
            shots.append(f"{lang}-{shot}.png")
    return "; ".join(pages), "; ".join(dict.fromkeys(shots))


def plural_forms(catalogue: Catalog) -> list[str]:
    """For each form index, which numbers take it ("form 1: 2, 3, 4, 22 ...")."""
    rule = gettext.c2py(catalogue.plural_expr)
    names = []
    for index in range(catalogue.num_plurals):
        examples = [n for n in range(200) if rule(n) == index][:5]
        names.append(f"form {index}: n = {', '.join(map(str, examples))} ...")
    return names


def pack(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    located = sources()
    for lang in LANGUAGES[1:]:
        catalogue = read(lang)
        forms = plural_forms(catalogue)
        rows = 0
        with open(out / f"{lang}.csv", "w", newline="", encoding="utf-8-sig") as f:
            writer = csv.DictWriter(f, COLUMNS)
            writer.writeheader()
            for message in catalogue:
                if not message.id:
                    continue
                page, shot = where(located.get(key(message.id), []), lang)
                common = {
                    "language": lang,
                    "msgid": key(message.id),
                    "translator_comment": " ".join(message.auto_comments),
                    "where": page,
                    "screenshot": shot,
                }
                if isinstance(message.id, tuple):
                    for index, text in enumerate(strings(message)):
                        writer.writerow(
                            {
                                **common,
                                "msgid_plural": message.id[1],
                                "plural_form": forms[index],
                                "current_translation": text,
                            }
                        )
                        rows += 1
                else:
                    writer.writerow({**common, "current_translation": message.string})
                    rows += 1
        print(f"{out / f'{lang}.csv'}: {rows} rows ({review_status()[lang].status})")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def single_number_forms(catalogue: Catalog) -> set[int]:
    """The plural forms only one number takes (Arabic's forms for 0, 1 and 2, Polish's for 1)."""
    rule = gettext.c2py(catalogue.plural_expr)
    taken = [rule(n) for n in range(1001)]
    return {index for index in set(taken) if taken.count(index) == 1}


def problem(message: Message, form: int | None, correction: str, single: set[int]) -> str | None:
    """What is wrong with a correction's placeholders, if anything."""
    english = (message.id,) if isinstance(message.id, str) else tuple(message.id)
    allowed = {p for text in english for p in placeholders(text)}
    given = placeholders(correction)
    if unknown := sorted(set(given) - allowed):
        return f"unknown placeholder {', '.join(unknown)}"
    needed = set(placeholders(english[-1]))
    if form in single:
        needed.discard("%(num)d")  # a form for one number only may spell the number out
    if missing := sorted(needed - set(given)):
        return f"missing placeholder {', '.join(missing)}"
    if len(given) != len(set(given)):
        return "a placeholder twice"
    if re.search(r"%(?!\(\w+\)|%)", correction.replace("%%", "")):
        return "a lone %: write a per cent sign as %%"
    return None


def form_index(row: dict[str, str]) -> int | None:
    found = re.match(r"form (\d+)", row.get("plural_form") or "")
    return int(found.group(1)) if found else None


def merge(files: list[Path]) -> int:
    for path in files:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        langs = {row["language"] for row in rows}
        if len(langs) != 1 or not langs <= set(LANGUAGES[1:]):
            print(f"{path}: one shipped language per file, found {sorted(langs)}")
            return 1
        lang = langs.pop()
        catalogue = read(lang)
        single = single_number_forms(catalogue)
        errors, changes = [], []
        for number, row in enumerate(rows, start=2):  # line 1 is the header
            correction = (row.get("reviewer_correction") or "").strip()
            if not correction:
                continue
            message = catalogue.get(row["msgid"])
            form = form_index(row)
            if message is None or (form is not None) != isinstance(message.id, tuple):
                errors.append(f"line {number}: {row['msgid']!r} is not in the catalogue")
                continue
            if form is not None and form >= len(strings(message)):
                errors.append(f"line {number}: {row['msgid']!r} has no plural form {form}")
                continue
            if why := problem(message, form, correction, single):
                errors.append(f"line {number}: {row['msgid']!r}: {why}")
                continue
            old = strings(message)[form if form is not None else 0]
            if correction != old:
                changes.append((message, form, old, correction))
        if errors:
            print(f"{path}: nothing merged; fix these and run again:")
            print("\n".join(f"  {e}" for e in errors))
            return 1
        for message, form, old, new in changes:
            if form is not None:
                forms = list(strings(message))
                forms[form] = new
                message.string = tuple(forms)
            else:
                message.string = new
            message.flags.discard("fuzzy")
            label = f" [form {form}]" if form is not None else ""
            print(f"{lang}: {key(message.id)!r}{label}\n    was: {old}\n    now: {new}")
        if changes:
            with open(catalogue_path(lang), "wb") as f:
                write_po(f, catalogue, width=76)
        print(
            f"{path}: {len(changes)} changed in {catalogue_path(lang)}."
            + (
                " Run 'make translations', and record the review in translations/status.yml."
                if changes
                else ""
            )
        )
    return 0


BEGIN, END = "<!-- translation-status: begin -->", "<!-- translation-status: end -->"


def status_table() -> str:
    lines = ["| Language | Status |", "| --- | --- |"]
    for lang, review in review_status().items():
        state = (
            f"reviewed by {review.reviewer} on {review.date:%-d %B %Y}"
            if review.status == "reviewed"
            else "draft (not yet checked by a qualified translator)"
        )
        lines.append(f"| {native_name(lang)} (`{lang}`) | {state} |")
    return "\n".join(lines)


def status() -> None:
    text = README.read_text(encoding="utf-8")
    before, rest = text.split(BEGIN)
    _old, after = rest.split(END)
    README.write_text(f"{before}{BEGIN}\n{status_table()}\n{END}{after}", encoding="utf-8")
    print(f"README.md: review status from {STATUS_FILE.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["pack"] and len(argv) <= 2:
        pack(Path(argv[1]) if len(argv) == 2 else ROOT / "build" / "translation-pack")
        return 0
    if argv[:1] == ["merge"] and len(argv) >= 2:
        return merge([Path(a) for a in argv[1:]])
    if argv == ["status"]:
        status()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
