"""What every spreadsheet the project writes (API exports, the web list export, the weekly
report, the import templates) must do to a cell: one function, one place (``safe_cell``)."""

from __future__ import annotations

import re

from django.utils.functional import Promise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is read as a formula by Excel, LibreOffice or WPS
# (CSV/formula injection), so it is written with a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The characters an XLSX cell cannot hold (XML 1.0; openpyxl's ILLEGAL_CHARACTERS_RE raises
# IllegalCharacterError on them). The text rule (common.text) refuses them at every door; a value
# stored before it is written with each one replaced by U+FFFD, in CSV too.
ILLEGAL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def safe_text(value: str) -> str:
    """A text cell: characters XLSX cannot hold replaced by U+FFFD, then formulas neutralised
    (a cell never starts with = + - @ tab or CR: it gets a leading quote)."""
    if not value:
        return value
    value = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_cell(value):
    """Any cell value: text (also a lazy translation) by ``safe_text``; numbers, dates, None as
    they are."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        return safe_text(value)
    return value


def safe_row(values) -> list:
    """A row of cells, each by ``safe_cell``."""
    return [safe_cell(v) for v in values]
