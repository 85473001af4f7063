"""CSV and XLSX cells that a spreadsheet never runs as a formula (OWASP "CSV injection").

Survey answers, report texts and names are typed by strangers: a cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return would be a formula in Excel or LibreOffice (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`). Every CSV the
app writes goes through `csv_text` (such text gets a leading apostrophe, which spreadsheets show as a text marker),
every XLSX row through `append_row` (such text is stored as a string cell with the quote-prefix style: shown as
typed, never evaluated). Numbers stay numbers, negative ones included."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from backend.text import xml_safe

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Text that is only a number ("-5", "+1.5", "-2e3"): a spreadsheet reads it as that number, no formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def formula_like(value: Any) -> bool:
    """Whether a spreadsheet would take this text cell for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value)


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: formula-like text behind an apostrophe, anything else as it is."""
    return "'" + value if formula_like(value) else value


def csv_text(rows: Iterable[Sequence[Any]], lineterminator: str = "\r\n") -> str:
    """The rows as CSV text, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return out.getvalue()


def append_row(sheet: Worksheet, row: Sequence[Any]) -> None:
    """Append a row to an XLSX sheet; formula-like text becomes a quote-prefixed string cell (openpyxl would
    otherwise store a text starting with `=` as a formula). Characters XML 1.0 forbids are left out (`xml_safe`):
    openpyxl refuses them, and one stored control character would otherwise fail the whole file."""
    sheet.append([xml_safe(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[sheet.max_row]:
        if formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
