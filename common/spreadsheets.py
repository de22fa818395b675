"""What every spreadsheet the project writes (API exports, the web list export, the weekly
report, the import templates) must do to a text cell: one function, one place."""

from __future__ import annotations

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is read as a formula by Excel, LibreOffice or WPS
# (CSV/formula injection), so it is written with a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Neutralise spreadsheet formulas: a text cell never starts with = + - @ tab or CR."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
