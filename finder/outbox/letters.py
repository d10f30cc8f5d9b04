"""Letters as PDFs, laid out to GOV.UK Notify's letter specification, in every site language.

The same PDF goes to Notify's precompiled-letter service or, without a Notify key, is printed
by the practice (``for_message``: one letter whichever way it goes). Notify's specification
(its guidance page "Letter specification"), in millimetres on A4 portrait:

- printable area: 15 from the left and right edges, 5 from the top and bottom;
- the address block, which shows through the envelope's window: 24.6 from the left, 39.5 from
  the top, 95.4 wide and 26.8 high, on the first page only, nothing else in it;
- the "letter contact block", beside it: 125 from the left, 30 from the top, 65 wide and high.
  Ours holds the practice's name, phone number and opening hours.

Then the date and the text, a paragraph per blank line, and each page numbered. Large print
(RNIB: at least 16 point) sets the contact block, date and text at LARGE_PRINT point with
wider lines; the address keeps the size that fits Notify's window.

Fonts (embedded, subset): DejaVu Sans (fonts-dejavu-core) for the Latin scripts; Noto Sans
Bengali, Noto Naskh Arabic and Noto Nastaliq Urdu (fonts-noto-core) for the others, shaped by
HarfBuzz (uharfbuzz) and laid out right to left for Arabic and Urdu. DejaVu is every letter's
fallback, for an address or a link in Latin script.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align

from finder import clock
from finder.extensions import db
from finder.models import OutboundMessage, Practice
from finder.policy import LANGUAGES

FONTS = Path("/usr/share/fonts/truetype")
LATIN = ("DejaVu", FONTS / "dejavu/DejaVuSans.ttf")
# Each language's font, where DejaVu Sans lacks its script.
SCRIPT_FONTS = {
    "bn": ("NotoSansBengali", FONTS / "noto/NotoSansBengali-Regular.ttf"),
    "ar": ("NotoNaskhArabic", FONTS / "noto/NotoNaskhArabic-Regular.ttf"),
    "ur": ("NotoNastaliqUrdu", FONTS / "noto/NotoNastaliqUrdu-Regular.ttf"),
}
RIGHT_TO_LEFT = frozenset({"ar", "ur"})
ADDRESS_LINES_MIN = 3  # Notify: a name and at least two more lines, at most seven
ADDRESS_LINES_MAX = 7
# Notify's letter specification (the module's docstring), in millimetres from the top left.
MARGIN_SIDES, MARGIN_TOP_BOTTOM = 15.0, 5.0
ADDRESS_AT, ADDRESS_SIZE = (24.6, 39.5), (95.4, 26.8)
CONTACT_AT, CONTACT_SIZE = (125.0, 30.0), (65.0, 65.0)
ADDRESS_POINTS = 9.0  # seven lines fit the window's height
TEXT_POINTS, LARGE_PRINT = 12.0, 16.0
LINE_SPACING, LARGE_LINE_SPACING = 1.4, 1.6  # line height as a multiple of the type size
BODY_FROM = 105.0  # below the contact block
FOOTER = 12.0  # the page number's line, this far above the page's bottom edge
MM_PER_POINT = 25.4 / 72


@dataclass(frozen=True)
class Sender:
    """Who the letter is from, for its contact block."""

    name: str
    phone: str | None = None
    opening_hours: str | None = None

    @classmethod
    def of(cls, practice: Practice) -> Sender:
        return cls(practice.name, practice.phone, practice.opening_hours)


def address(name: str, postal_address: str | None) -> str | None:
    """A name and an address with its parts separated by commas, as Notify's address lines
    (one a line); None when they are not ADDRESS_LINES_MIN to ADDRESS_LINES_MAX lines."""
    if not postal_address:
        return None
    lines = [name.strip(), *(p.strip() for p in postal_address.split(",") if p.strip())]
    return "\n".join(lines) if ADDRESS_LINES_MIN <= len(lines) <= ADDRESS_LINES_MAX else None


def unbroken(number: str) -> str:
    """A phone number on one line, its groups in their order even in an Arabic or Urdu
    sentence: no-break spaces, which the Unicode bidirectional algorithm (rule W4) counts as
    part of the number, where a plain space would let the groups run right to left."""
    return number.replace(" ", "\u00a0")


class _Letter(FPDF):
    def __init__(self, language: str, large_print: bool) -> None:
        super().__init__(format="A4", unit="mm")
        self.language = language
        self.rtl = language in RIGHT_TO_LEFT
        self.points = LARGE_PRINT if large_print else TEXT_POINTS
        self.spacing = LARGE_LINE_SPACING if large_print else LINE_SPACING
        self.set_margins(MARGIN_SIDES, MARGIN_TOP_BOTTOM, MARGIN_SIDES)
        self.set_auto_page_break(True, margin=FOOTER + MARGIN_TOP_BOTTOM)
        self.add_font(LATIN[0], fname=str(LATIN[1]))
        self.font_name = LATIN[0]
        if language in SCRIPT_FONTS:
            self.font_name, path = SCRIPT_FONTS[language]
            self.add_font(self.font_name, fname=str(path))
            self.set_fallback_fonts([LATIN[0]], exact_match=False)
            self.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else "ltr")

    @property
    def align(self) -> Align:
        return Align.R if self.rtl else Align.L

    def leading(self, points: float | None = None) -> float:
        """The height of a line of type at ``points`` (the letter's size by default)."""
        return (points or self.points) * MM_PER_POINT * self.spacing

    def lines_of(self, width: float, points: float, text: str) -> int:
        """How many lines ``text`` takes at ``width`` in the current font."""
        lines = self.multi_cell(width, self.leading(points), text, dry_run=True, output="LINES")
        assert isinstance(lines, list)  # noqa: S101 - what output="LINES" returns
        return len(lines)

    def block(self, at: tuple[float, float], size: tuple[float, float], lines: list[str]) -> None:
        """Lines in a box, at the letter's size or the largest that fits (never over it)."""
        points = self.points
        while True:
            self.set_font(self.font_name, size=points)
            count = sum(self.lines_of(size[0], points, text) for text in lines)
            if count * self.leading(points) <= size[1] or points <= ADDRESS_POINTS:
                break
            points -= 1
        self.set_xy(*at)
        for text in lines:
            self.set_x(at[0])
            self.multi_cell(size[0], self.leading(points), text, align=self.align)


def pdf(
    to: str,
    body: str,
    language: str,
    sender: Sender,
    dated: dt.date,
    large_print: bool = False,
) -> bytes:
    """The letter: the address in Notify's window, the sender's contact block, the date, then
    the text, a paragraph per blank line; each page numbered."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    document = _Letter(language, large_print)
    document.set_title("Letter")
    # Made again from its message, a letter is the same file (the practice's copy is Notify's).
    document.set_creation_date(dt.datetime.combine(dated, dt.time(), tzinfo=clock.LONDON))
    document.add_page()
    # The address: left to right as the post office reads it, at the size that fits.
    lines = [line.strip() for line in to.splitlines() if line.strip()][:ADDRESS_LINES_MAX]
    document.set_font(LATIN[0], size=ADDRESS_POINTS)
    document.set_xy(*ADDRESS_AT)
    document.multi_cell(
        ADDRESS_SIZE[0], ADDRESS_SIZE[1] / ADDRESS_LINES_MAX, "\n".join(lines), align=Align.L
    )
    with force_locale(language):
        contact = [sender.name]
        if sender.phone:
            # Translators: in a letter's contact block, under the GP practice's name.
            contact.append(_("Call us on %(phone)s", phone=unbroken(sender.phone)))
        if sender.opening_hours:
            # Translators: the hours are the practice's own words, in English.
            contact.append(_("Opening hours: %(hours)s", hours=sender.opening_hours))
        document.block(CONTACT_AT, CONTACT_SIZE, contact)
        document.set_font(document.font_name, size=document.points)
        document.set_xy(MARGIN_SIDES, BODY_FROM)
        when = format_date(dated, "long", locale=language)
        document.multi_cell(0, document.leading(), when, align=document.align)
        document.ln(document.leading())
        for paragraph in body.split("\n\n"):
            document.multi_cell(0, document.leading(), paragraph.strip(), align=document.align)
            document.ln(document.leading() / 2)
        pages = document.pages_count
        document.set_auto_page_break(False)
        for page in range(1, pages + 1):
            document.page = page
            document.set_font(document.font_name, size=document.points)
            document.set_xy(MARGIN_SIDES, document.h - MARGIN_TOP_BOTTOM - FOOTER)
            # Translators: at the foot of each page of a letter.
            number = _("Page %(page)d of %(pages)d", page=page, pages=pages)
            document.multi_cell(0, document.leading(), number, align=Align.C)
    return bytes(document.output())


def for_message(message: OutboundMessage) -> bytes:
    """The letter a recorded message is: from its practice, dated the day it was made."""
    practice = db.session.get(Practice, message.practice_id) if message.practice_id else None
    sender = Sender.of(practice) if practice is not None else Sender("")
    return pdf(
        message.to,
        message.body,
        message.language,
        sender,
        message.created_at.astimezone(clock.LONDON).date(),
        large_print=message.large_print,
    )
