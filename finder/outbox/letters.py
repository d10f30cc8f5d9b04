"""Letters as PDFs for Notify's precompiled-letter service: A4, the address in the window
Notify reads it from, fonts embedded.

The font is DejaVu Sans (Debian's fonts-dejavu-core, in the Dockerfile), which covers the Latin
scripts of our languages; Arabic and Urdu script need text shaping and Bengali another font,
so letters go in LETTER_LANGUAGES only (send() refuses the others)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LETTER_LANGUAGES = ("en", "tr", "so", "pl", "ro", "es", "pt")
ADDRESS_LINES_MIN = 3  # Notify: a name and at least two more lines, at most seven
ADDRESS_LINES_MAX = 7
# Notify's letter specification: the address block starts 24.6 mm from the left edge and
# 39.5 mm from the top of the first page, 95.9 mm wide and 26.8 mm high.
ADDRESS_AT = (24.6, 39.5)
ADDRESS_SIZE = (95.9, 26.8)
MARGIN = 20.0


def pdf(address: str, body: str, language: str) -> bytes:
    """The letter: the address in Notify's window, then the text, a paragraph per blank line."""
    if language not in LETTER_LANGUAGES:
        raise ValueError(f"letters are made in {', '.join(LETTER_LANGUAGES)} only")
    document = FPDF(format="A4", unit="mm")
    document.set_title("Letter")
    document.set_margins(MARGIN, MARGIN, MARGIN)
    document.add_font("DejaVu", fname=str(FONT))
    document.add_page()
    lines = [line.strip() for line in address.splitlines() if line.strip()][:ADDRESS_LINES_MAX]
    document.set_font("DejaVu", size=9)
    document.set_xy(*ADDRESS_AT)
    document.multi_cell(ADDRESS_SIZE[0], ADDRESS_SIZE[1] / ADDRESS_LINES_MAX, "\n".join(lines))
    document.set_font("DejaVu", size=12)
    document.set_xy(MARGIN, ADDRESS_AT[1] + ADDRESS_SIZE[1] + 20)
    for paragraph in body.split("\n\n"):
        document.multi_cell(0, 6, paragraph.strip())
        document.ln(4)
    return bytes(document.output())
