"""Reporting periods (报告期): one month, stored as its first day. The one parser every door uses
(API fields and filters, web query parameters, the Excel import, the jobs, the services) and the
one range of months a report may be filed for."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

from common.dates import date_range

# The range of years the project list works in (Project.year, AnnualPlan.year and the periods):
# the months of the one date range (settings.DATE_MIN … DATE_MAX, common.dates).
FIRST_PERIOD, LAST_PERIOD = (day.replace(day=1) for day in date_range())
MIN_YEAR, MAX_YEAR = FIRST_PERIOD.year, LAST_PERIOD.year

INVALID_PERIOD = _("报告期格式应为 YYYY-MM，如 2026-03。")
PERIOD_OUT_OF_RANGE = _("报告期应在 %(first)s 至 %(last)s 之间。")

TEXT_RE = re.compile(r"^(\d{4})-(\d{2})$")
# What people type into a spreadsheet cell: 2026-03, 2026-3, 2026/03, 2026.03, 2026年3月.
CELL_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


class PeriodError(ValueError):
    """A value that is no period (code "invalid") or a month outside the range (code "range")."""

    def __init__(self, message, code: str):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code


def check_period(month: dt.date) -> dt.date:
    """`month` (any day of it) → its first day, if inside FIRST_PERIOD..LAST_PERIOD."""
    month = dt.date(month.year, month.month, 1)
    if not FIRST_PERIOD <= month <= LAST_PERIOD:
        raise _out_of_range()
    return month


def _out_of_range() -> PeriodError:
    return PeriodError(
        PERIOD_OUT_OF_RANGE % {"first": f"{FIRST_PERIOD:%Y-%m}", "last": f"{LAST_PERIOD:%Y-%m}"}, "range"
    )


def parse_period(value, *, cell: bool = False) -> dt.date:
    """ "YYYY-MM" text or a date → the first day of that month. With `cell=True` (an Excel cell)
    the spellings of CELL_RE are read too. Raises PeriodError (a ValueError) with the message."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return check_period(value)
    match = (CELL_RE if cell else TEXT_RE).match(value.strip()) if isinstance(value, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(INVALID_PERIOD, "invalid")
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:  # before a date is built: "0000-01" is no date at all
        raise _out_of_range()
    return check_period(dt.date(year, int(match.group(2)), 1))
