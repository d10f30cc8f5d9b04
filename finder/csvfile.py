"""Every CSV the site produces, written one way: safe to open in a spreadsheet, in any script.

Spreadsheets run a cell that starts with a formula sign (CSV or formula injection: OWASP's
"CSV Injection" page; ASVS 5.0 1.2.10). Text that starts with one, or with one after leading
white space (Excel and LibreOffice can skip it), or with a tab, carriage return or NUL, gets a
single quote in front, which makes the cell text. Text cells are always quoted, so a field
separator inside them (`;` in locales whose spreadsheets split on it) cannot start a new cell.

Only text is neutralised: numbers are written as numbers. A number cannot carry a formula (it
is digits with at most a sign and a point), and a prefixed -3 would be text, not data, to the
person adding up a column.

The file starts with a UTF-8 byte order mark: without it Excel reads the bytes as the local
code page and shows Bengali, Arabic or Polish names as mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

BOM = "\ufeff"
FORMULA_SIGNS = ("=", "+", "-", "@")
# Characters that begin a formula or a new cell in some spreadsheet even without a sign.
CONTROL = ("\t", "\r", "\0")

Cell = str | int | float | bool | None


def neutralise(value: Cell) -> Cell:
    """A value as its cell: text that a spreadsheet would run gets a single quote in front."""
    if value is None:
        return ""
    if isinstance(value, str) and (value[:1] in CONTROL or value.lstrip()[:1] in FORMULA_SIGNS):
        return "'" + value
    return value


def text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The rows as CSV text."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralise(v) for v in header])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return out.getvalue()


def response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    """The rows as a CSV download named `filename`."""
    return Response(
        text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
