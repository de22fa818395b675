"""Amounts are Decimal 万元 (10^4 yuan) everywhere; these helpers only format them for people."""

from decimal import ROUND_HALF_UP, Decimal

WAN_DIGITS = 14  # up to 999,999,999,999.99 万元
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


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
