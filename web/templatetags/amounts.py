"""Amounts with their unit, in the page's language (common.money.format_amount, the one
function): {{ x|amount_wan }} → 4,510.00 万元 · 45,100 thousand yuan; {{ x|amount_yi }} →
4.51 亿元 · 451 million yuan. Table cells under a header that names the unit keep |wan."""

from __future__ import annotations

from django import template

from common.money import WAN, YI, format_amount

register = template.Library()


@register.filter
def amount_wan(value) -> str:
    return format_amount(value, WAN)


@register.filter
def amount_yi(value) -> str:
    return format_amount(value, YI)
