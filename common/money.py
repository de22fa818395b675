"""Amounts are Decimal 万元 (10^4 yuan) everywhere. One rule for every amount typed in (the model
fields and so the admin, the API fields, the web form fields, the monthly grid and the Excel
import): a number, not negative, at most two decimals and WAN_DIGITS digits; an amount that does
not fit is refused, never rounded. The rest of this module formats amounts for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

WAN_DIGITS = 14  # up to 999,999,999,999.99 万元
AMOUNT_PLACES = 2
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
AMOUNT_LIMIT = Decimal(10) ** (WAN_DIGITS - AMOUNT_PLACES)  # the first amount too large

NOT_AN_AMOUNT = _("“%(value)s”不是有效的金额（万元）。")
# Django's own wording (and translation) of MinValueValidator(0), as every door said it so far.
NEGATIVE_AMOUNT = MinValueValidator.message
TOO_PRECISE = _("金额最多保留两位小数（万元），系统不会自动舍入。")
TOO_LARGE = _("金额过大。")


class AmountError(ValueError):
    """An amount refused by the rule; `code` is invalid, min_value, max_decimal_places or max_digits."""

    def __init__(self, message, code: str):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code


def _not_an_amount(value) -> AmountError:
    return AmountError(NOT_AN_AMOUNT % {"value": str(value)[:50]}, "invalid")


def check_amount(value: Decimal) -> Decimal:
    """THE amount rule: `value` with two decimals, or AmountError."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _not_an_amount(value)
    if value < 0:
        raise AmountError(NEGATIVE_AMOUNT % {"limit_value": 0}, "min_value")
    if value >= AMOUNT_LIMIT:  # first: quantizing 1E+26 to cents would overflow the context
        raise AmountError(TOO_LARGE, "max_digits")
    if value != value.quantize(CENT):
        raise AmountError(TOO_PRECISE, "max_decimal_places")
    return value.quantize(CENT)


def parse_amount(value, *, cell: bool = False) -> Decimal:
    """Typed or read input (text; int; float; Decimal) → the amount, by the rule. A float is read
    by its shortest repr, so a cell's 0.1 is 0.1; with `cell=True` (an Excel cell) thousands
    separators are allowed too."""
    if isinstance(value, bool) or value is None:
        raise _not_an_amount(value)
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if cell:
        text = text.replace(",", "").replace("，", "")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise _not_an_amount(value) from None
    return check_amount(amount)


def validate_amount(value) -> None:
    """The rule as a Django validator (model fields)."""
    try:
        check_amount(value)
    except AmountError as exc:
        raise ValidationError(exc.message, code=exc.code) from None


class AmountFormField(forms.DecimalField):
    """A form field for an amount: the rule, with its messages (and no second set of Django's)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", WAN_DIGITS)
        kwargs.setdefault("decimal_places", AMOUNT_PLACES)
        kwargs.pop("min_value", None)
        super().__init__(**kwargs)
        self.validators = []

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value)
        except AmountError as exc:
            raise ValidationError(exc.message, code=exc.code) from None

    def validate(self, value):
        forms.Field.validate(self, value)


class AmountModelField(models.DecimalField):
    """A model's amount column: validated by the rule alone (validate_amount replaces Django's
    DecimalValidator, so one message per problem); forms get AmountFormField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", WAN_DIGITS)
        kwargs.setdefault("decimal_places", AMOUNT_PLACES)
        kwargs.setdefault("validators", [validate_amount])
        super().__init__(*args, **kwargs)

    @cached_property
    def validators(self):
        return [v for v in super().validators if not isinstance(v, DecimalValidator)]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": AmountFormField, **kwargs})


def round_half_up(value: Decimal, places: Decimal = TENTH) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def growth_pct(current: Decimal, prior: Decimal) -> Decimal | None:
    """(current / prior − 1) × 100, half up to one decimal; None when there is no base."""
    if not prior:
        return None
    return round_half_up((Decimal(current) / Decimal(prior) - 1) * 100)


def wan_to_yi(value: Decimal) -> Decimal:
    """万元 → 亿元 (10^8 yuan), exact."""
    return Decimal(value) / Decimal(10000)


def format_wan(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def format_yi(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{wan_to_yi(value):,.2f}"


# --- amounts for people: THE one function every page's amount with a unit goes through --------

WAN = "wan"  # 万元: 4,510.00 万元 · 45,100 thousand yuan
YI = "yi"  # 亿元: 4.51 亿元 · 451 million yuan
_UNITS = {
    # unit: (zh suffix, en suffix, en value from 万元, en decimal places)
    WAN: ("万元", "thousand yuan", Decimal(10), 1),
    YI: ("亿元", "million yuan", Decimal("0.01"), 0),
}


def _grouped(value: Decimal, places: int, *, trim: bool) -> str:
    step = Decimal(1).scaleb(-places)
    text = f"{round_half_up(value, step):,.{places}f}"
    if trim and places and text.endswith("." + "0" * places):
        text = text[: -(places + 1)]
    return text


def format_amount(value: Decimal | None, unit: str = WAN, language: str | None = None) -> str:
    """A 万元 amount with its unit, in the page's language: Chinese "4,510.00 万元" / "4.51 亿元"
    (two decimals, half up), English "45,100 thousand yuan" / "451 million yuan" (the same
    precision: 0.01 万元 is 0.1 thousand yuan, shown only when not zero; 0.01 亿元 is one
    million). '—' for no amount."""
    if value is None or value == "":
        return "—"
    if unit not in _UNITS:
        raise ValueError(f"unknown amount unit {unit!r}")
    zh_suffix, en_suffix, en_factor, en_places = _UNITS[unit]
    if language is None:
        language = get_language() or "zh-hans"
    value = Decimal(value)
    if language.lower().startswith("en"):
        return f"{_grouped(value * en_factor, en_places, trim=True)} {en_suffix}"
    zh_value = value if unit == WAN else wan_to_yi(value)
    return f"{_grouped(zh_value, AMOUNT_PLACES, trim=False)} {zh_suffix}"
