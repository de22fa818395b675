"""Chart geometry for the pages: inline SVG coordinates computed on the server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from common.dates import date_range
from scheduling import rules

# A plan marker's class from the milestone's colour (scheduling.rules.milestone_level).
MARK_CSS = {rules.RED: "late", rules.YELLOW: "late", rules.DUE_SOON: "soon", rules.GREEN: "ok", None: "done"}


def mark_css(milestone, as_of: dt.date, settings) -> str:
    return MARK_CSS[rules.milestone_level(milestone, as_of, settings)]


def growth_chart(figures: dict | None) -> dict | None:
    """Horizontal bars of the top-level industries' YTD growth against the city's (inline SVG)."""
    if not figures:
        return None
    rows = [i for i in figures.get("industries", []) if i.get("depth", 0) == 0]
    city = figures.get("city", {}).get("growth_pct")
    values = [Decimal(r["growth_pct"]) for r in rows if r.get("growth_pct") is not None]
    if city is not None:
        values.append(Decimal(city))
    lo = min([Decimal(0), *values])
    hi = max([Decimal(10), *values])
    label_w, width, row_h = 130, 640, 28
    span = hi - lo or Decimal(1)

    def x(v) -> float:
        return float(label_w + (Decimal(v) - lo) / span * (width - label_w - 170))

    zero = x(0)
    bars = []
    for i, r in enumerate(rows):
        g = r.get("growth_pct")
        y = 10 + i * row_h
        if g is None:
            bars.append({"name": r["name"], "y": y, "ty": y + 16, "none": True, "x": zero, "w": 0, "value": None})
            continue
        xv = x(g)
        bars.append(
            {
                "name": r["name"],
                "y": y,
                "ty": y + 16,
                "x": min(zero, xv),
                "w": max(abs(xv - zero), 1),
                "value": g,
                "diff": r.get("diff_pp"),
                "tx": max(zero, xv) + 4,
                "up": city is not None and Decimal(g) >= Decimal(city),
                "comparable": r.get("prior_source") == "comparable",
            }
        )
    height = 20 + len(rows) * row_h
    return {
        "bars": bars,
        "width": width + 40,
        "height": height,
        "zero": zero,
        "city": city,
        "city_comparable": figures.get("city", {}).get("prior_source") == "comparable",
        "any_comparable": figures.get("city", {}).get("prior_source") == "comparable"
        or any(b.get("comparable") for b in bars),
        "city_x": x(city) if city is not None else None,
        "period": figures.get("period"),
        "city_ytd": figures.get("city", {}).get("ytd"),
        "bottom": height - 4,
    }


def timeline(milestones, as_of: dt.date, settings) -> dict | None:
    """Coordinates for the small SVG timeline of a project: baseline ◇, plan ●, actual ✓."""
    dates = [as_of]
    for m in milestones:
        dates += [d for d in (m.baseline_date, m.planned_date, m.actual_date) if d]
    if not milestones:
        return None
    # The axis stays inside the one date range (common.dates): a row stored out of it before
    # the rule sits at the axis' edge instead of overflowing the date arithmetic.
    first, last = date_range()
    start = max(min(dates), first) - dt.timedelta(days=15)
    end = min(max(dates), last) + dt.timedelta(days=15)
    span = (end - start).days or 1
    left, width, row_h = 130, 720, 24

    def x(d):
        d = min(max(d, start), end)
        return round(left + (d - start).days / span * (width - left - 10), 1)

    rows = []
    for i, m in enumerate(milestones):
        y = 30 + i * row_h
        rows.append(
            {
                "label": m.display_name,
                "y": y,
                "ty": y + 4,
                "bx": x(m.baseline_date) if m.baseline_date else None,
                "bxm": x(m.baseline_date) - 5 if m.baseline_date else None,
                "ym": y - 5,
                "px": x(m.planned_date),
                "ax": x(m.actual_date) if m.actual_date else None,
                "slip": m.baseline_date and m.planned_date != m.baseline_date,
                "css": mark_css(m, as_of, settings),
            }
        )
    ticks = []
    month = dt.date(start.year, start.month, 1)
    step = max(1, span // 300 + 1)
    i = 0
    while month <= end:
        if month >= start and i % step == 0:
            ticks.append({"x": x(month), "label": f"{month:%Y-%m}"})
        i += 1
        month = dt.date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    height = 40 + len(rows) * row_h
    return {"rows": rows, "ticks": ticks, "today_x": x(as_of), "height": height, "width": width, "left": left}
