"""CSV downloads safe to open in a spreadsheet: the one helper every app's export uses.

A text cell starting with =, +, -, @, tab or CR is a formula to Excel or LibreOffice (CSV injection,
OWASP), so it is written with a leading single quote; numbers are written as they are, and so is
text that is a plain number ("-79.91", "-1e-3": a spreadsheet reads it as that number and nothing
else), so a file of rejected rows can be fixed and imported again. "-2+3" or "-A1" stay quoted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def spreadsheet_safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_download(rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV attachment of `rows` (the header first), every cell spreadsheet-safe."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([spreadsheet_safe(value) for value in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value
