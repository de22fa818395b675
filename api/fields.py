"""Serializer fields in the contract's formats, and bilingual help texts for the schema."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common import dates
from common.money import AMOUNT_PLACES, WAN_DIGITS, AmountError, parse_amount
from common.periods import PeriodError, parse_period
from common.text import LONG_TEXT, TextRule


def h(zh: str, en: str) -> str:
    """A schema description in both languages: "总投资（万元）/ Total investment (10^4 yuan)"."""
    return f"{zh} / {en}"


class CleanTextField(serializers.CharField):
    """A free-text field by the one text rule (common.text): control characters refused (a
    multi-line field keeps tab, LF and CR); a multi-line field is at most LONG_TEXT characters
    unless told otherwise (the model's limit)."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        if multiline:
            kwargs.setdefault("max_length", LONG_TEXT)
        super().__init__(**kwargs)
        self.validators.append(TextRule(multiline=multiline))


class AmountField(serializers.DecimalField):
    """An amount in 万元: a decimal string with exactly two decimals ("1234.50"). Input is read
    by the one amount rule (common.money): never negative, more than two decimals is refused,
    never rounded."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", WAN_DIGITS)
        kwargs.setdefault("decimal_places", AMOUNT_PLACES)
        kwargs.setdefault("min_value", Decimal("0"))  # for the schema; the rule refuses negatives
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Decimal:
        try:
            return parse_amount(data)
        except AmountError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-03"})
class PeriodField(serializers.Field):
    """A month "YYYY-MM" (common.periods), stored as the first day of the month."""

    def to_internal_value(self, data) -> dt.date:
        try:
            return parse_period(data)
        except PeriodError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None

    def to_representation(self, value: dt.date) -> str:
        return f"{value:%Y-%m}"


def parse_period_param(value: str | None, *, name: str = "period") -> dt.date | None:
    """A ?period= style query parameter → the first of the month, None when absent; a bad value
    is a 400 naming the parameter."""
    if value in (None, ""):
        return None
    try:
        return PeriodField().to_internal_value(value)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from None


@extend_schema_field({"type": "string", "format": "date", "example": "2026-05-31"})
class DateField(serializers.DateField):
    """A date people send: strict YYYY-MM-DD inside the one date range (common.dates)."""

    def to_internal_value(self, value) -> dt.date:
        if isinstance(value, dt.datetime):
            self.fail("datetime")
        try:
            return dates.parse_date(value)
        except dates.DateError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None


def parse_date_param(value: str | None, *, name: str) -> dt.date | None:
    """A ?as_of= style query parameter by the one date rule, None when absent; a bad or
    out-of-range value is a 400 naming the parameter."""
    try:
        return dates.parse_date_param(name, value)
    except dates.DateError as exc:
        raise serializers.ValidationError({name: [exc.message]}, code=exc.code) from None


MAX_ID = 2**63 - 1  # the largest id a bigint primary key holds


def strict_id(data) -> int | None:
    """An id as JSON or a form sends it: an integer (not a bool) or a string of ASCII digits.
    Anything else is None: a float (1.5 was read as 1), "1.0", " 1", full-width digits, and ids
    out of the key's range, so no value is ever coerced into some other record's id."""
    if isinstance(data, bool):
        return None
    if isinstance(data, str) and data.isascii() and data.isdigit():
        data = int(data)
    if isinstance(data, int) and 0 < data <= MAX_ID:
        return data
    return None


INTEGER_TEXT = re.compile(r"-?[0-9]+")


class StrictIntegerField(serializers.IntegerField):
    """An integer as JSON sends it, or a string of ASCII digits: never coerced from a float or
    from "1.0" (DRF's IntegerField reads 1.5 and "1.0" as 1)."""

    def to_internal_value(self, data):
        if isinstance(data, bool | float) or (isinstance(data, str) and not INTEGER_TEXT.fullmatch(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class CodeRelatedField(serializers.SlugRelatedField):
    """A park or industry referenced by its code. A value no code can have (NUL bytes, absurd
    length, not a string) is "does not exist" like any unknown code, never a database error."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data or len(data) > 64:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:64].replace("\x00", ""))
        return super().to_internal_value(data)
