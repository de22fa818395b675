"""Template filters for the pages: amounts in 万元/亿元, status colours, countdown labels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.money import format_wan, format_yi
from scheduling import rules
from scheduling.models import milestone_label

register = template.Library()

# A node's label: the one definition in scheduling (kept under this name for the pages).
kind_label = milestone_label


@register.filter
def wan(value) -> str:
    """1234.5 → '1,234.50' (万元, two decimals, never rounded beyond the stored cents)."""
    if value is None or value == "":
        return "—"
    return format_wan(Decimal(value))


@register.filter
def yi(value) -> str:
    """万元 → 亿元 with two decimals, for summaries."""
    if value is None or value == "":
        return "—"
    return format_yi(Decimal(value))


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):.1f}%"


@register.filter
def signed_pp(value) -> str:
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    return f"{value:+.1f}"


def countdown_text(days: int | None, label: str = "") -> str:
    """'距开工还有 N 天' / '开工今天到期' / '开工已逾期 N 天' ('' when there is nothing to count)."""
    if days is None:
        return ""
    if days > 0:
        return ngettext("距%(label)s还有 %(days)d 天", "距%(label)s还有 %(days)d 天", days) % {
            "label": label,
            "days": days,
        }
    if days == 0:
        return _("%(label)s今天到期") % {"label": label}
    return ngettext("%(label)s已逾期 %(days)d 天", "%(label)s已逾期 %(days)d 天", -days) % {
        "label": label,
        "days": -days,
    }


@register.simple_tag
def countdown(planned: dt.date | None, today: dt.date, kind=None, name="", actual=None):
    if planned is None:
        return ""
    if rules.completed_by(actual, today):
        return _("已完成")
    return countdown_text((planned - today).days, kind_label(kind, name))


COUNTDOWN_CSS = {
    rules.RED: "cd-red",
    rules.YELLOW: "cd-yellow",
    rules.DUE_SOON: "cd-soon",
    rules.GREEN: "cd-green",
    None: "cd-none",
}


def countdown_class(days: int | None, settings) -> str:
    """The CSS class of a countdown of `days` (planned − today) under the commission's
    thresholds (scheduling.rules.countdown_level)."""
    return COUNTDOWN_CSS[rules.countdown_level(days, settings)]


@register.simple_tag
def countdown_css(planned, today, settings, actual=None):
    """{% countdown_css planned today thresholds actual %}: `thresholds` is the page's
    SchedulingSettings (loaded once by the view)."""
    if planned is None or rules.completed_by(actual, today):
        return "cd-done"
    return countdown_class((planned - today).days, settings)


STATUS_CSS = {
    "green": "st-green",
    "due_soon": "st-soon",
    "yellow": "st-yellow",
    "red": "st-red",
    "none": "st-none",
    "no_schedule": "st-noschedule",
}


@register.filter
def status_css(value) -> str:
    return STATUS_CSS.get(value, "st-none")


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None
