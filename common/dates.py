"""The one range of dates (settings.DATE_MIN … DATE_MAX, e.g. 2000-01-01 … 2100-12-31) for every
date people enter or ask about: milestone plans and actual dates, project targets, holidays,
`?as_of=` and the other date query parameters, report periods (common.periods derives its months
from it) and ISO weeks. Inside the range the calendar and the date arithmetic of the pages (a
year back, some months ahead) never overflow; outside it a value is refused with a message
naming the field, never stored, never a 500.

- `date_range()` → (first, last) from the settings;
- `check_date(value, *, field=None)` → the date, or DateError (code "range");
- `validate_date_in_range` the model validator (on every DateField that people enter);
- `parse_date(text, *, field=None)` → a date from strict "YYYY-MM-DD" text, range-checked;
- `parse_date_param(name, value)` → a query parameter's date, None when absent.
- `DateFormField` the form field of the web forms and the API's date filters.
The API's serializer field (api.fields.DateField) and the import (projects.imports.parse_date)
wrap these."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_DATE = _("日期格式应为 YYYY-MM-DD，如 2026-05-31。")
DATE_OUT_OF_RANGE = _("日期应在 %(first)s 至 %(last)s 之间。")

TEXT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DateError(ValueError):
    """A value that is no date (code "invalid") or a date outside the range (code "range");
    `field` names the field or parameter when the caller gave one."""

    def __init__(self, message, code: str, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.field = field


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def date_range() -> tuple[dt.date, dt.date]:
    """(first, last) day people may enter, from settings.DATE_MIN / DATE_MAX."""
    return _as_date(settings.DATE_MIN), _as_date(settings.DATE_MAX)


def range_message() -> str:
    first, last = date_range()
    return str(DATE_OUT_OF_RANGE % {"first": first.isoformat(), "last": last.isoformat()})


def check_date(value: dt.date, *, field: str | None = None) -> dt.date:
    """`value` (a date; a datetime counts as its day) if inside the range, else DateError."""
    if isinstance(value, dt.datetime):
        value = value.date()
    first, last = date_range()
    if not first <= value <= last:
        raise DateError(range_message(), "range", field)
    return value


def validate_date_in_range(value) -> None:
    """The model validator of every DateField people enter (Django ValidationError)."""
    if value is None:
        return
    try:
        check_date(value)
    except DateError as exc:
        raise ValidationError(exc.message, code=exc.code) from None


def parse_date(value, *, field: str | None = None, cell: bool = False) -> dt.date:
    """A date or strict "YYYY-MM-DD" text (not 20260520, not 2026-02-30) inside the range. With
    `cell=True` (an Excel cell) 2026/05/31 and 2026.05.31 are read too."""
    if isinstance(value, dt.date):
        return check_date(value, field=field)
    text = value.strip() if isinstance(value, str) else ""
    if cell:
        text = text.replace("/", "-").replace(".", "-")
    try:
        if not TEXT_RE.match(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise DateError(INVALID_DATE, "invalid", field) from None
    return check_date(day, field=field)


def parse_date_param(name: str, value) -> dt.date | None:
    """A query parameter's date (`name` for the message), None when absent or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, field=name)


class DateFormField(forms.DateField):
    """A form field (web forms, the API's query-string filters) that reads dates by the one rule:
    strict YYYY-MM-DD inside the range, its message naming what is wrong."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_date(value)
        except DateError as exc:
            raise ValidationError(exc.message, code=exc.code) from None
