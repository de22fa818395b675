"""common.money.format_amount, the one formatting of an amount with its unit: a table of values in
both languages (no "4.51100M yuan", "0.00 10k yuan", "10.04 100M yuan")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from common.money import WAN, YI, format_amount

TABLE = [
    # 万元 stored, unit, Chinese, English
    ("45100", YI, "4.51 亿元", "451 million yuan"),
    ("4510", WAN, "4,510.00 万元", "45,100 thousand yuan"),
    ("45100", WAN, "45,100.00 万元", "451,000 thousand yuan"),
    ("100400", YI, "10.04 亿元", "1,004 million yuan"),
    ("0", WAN, "0.00 万元", "0 thousand yuan"),
    ("0", YI, "0.00 亿元", "0 million yuan"),
    ("0.01", WAN, "0.01 万元", "0.1 thousand yuan"),
    ("1234.56", WAN, "1,234.56 万元", "12,345.6 thousand yuan"),
    ("60000.00", YI, "6.00 亿元", "600 million yuan"),
    ("45150", YI, "4.52 亿元", "452 million yuan"),  # half up, in both
    ("45149.99", YI, "4.51 亿元", "451 million yuan"),
    ("999999999999.99", WAN, "999,999,999,999.99 万元", "9,999,999,999,999.9 thousand yuan"),
    ("999999999999.99", YI, "100,000,000.00 亿元", "10,000,000,000 million yuan"),
]


@pytest.mark.parametrize(("wan", "unit", "zh", "en"), TABLE)
def test_amount_in_both_languages(wan, unit, zh, en):
    assert format_amount(Decimal(wan), unit, "zh-hans") == zh
    assert format_amount(Decimal(wan), unit, "en") == en


@pytest.mark.parametrize(("wan", "unit", "zh", "en"), TABLE[:3])
def test_the_active_language_is_used(wan, unit, zh, en):
    with translation.override("en"):
        assert format_amount(Decimal(wan), unit) == en
    with translation.override("zh-hans"):
        assert format_amount(Decimal(wan), unit) == zh


@pytest.mark.parametrize("value", [None, ""])
def test_no_amount_is_a_dash(value):
    assert format_amount(value, YI, "en") == "—"


def test_unknown_unit_is_a_programming_error():
    with pytest.raises(ValueError):
        format_amount(Decimal(1), "k")
