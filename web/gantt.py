"""The wall chart's geometry (挂图): one server-drawn SVG row per project, and the time axis.

Everything is in SVG user units equal to CSS pixels (the row's SVG is drawn at its natural size),
so the label boxes computed here are the boxes the browser draws, within the width estimate of
`text_width` (a CJK character is one em wide, anything else at most 0.62 em in the page's fonts).

A row, top to bottom (ROW_H = 48):
  - label lane A (LANE_A box y 2…15): labels above the bars;
  - the planned phase bars (y 17…27) between consecutive nodes, coloured by the end node's
    colour (scheduling.rules.milestone_level), the actual progress filled inside them (y 19…25):
    from a completed node's actual date to the next node's actual date, or to today while that
    next node is still open;
  - the baseline ghost bar (y 29…32), drawn only for a phase whose baseline differs from the plan;
  - label lane B (box y 34…47): labels below.
Nodes are marks on the bars at their planned date (nodes planned on the same day share a mark).
Labels are placed one at a time, the most urgent node first: in lane A or B, right or left of its
mark, in full ("开工 还有5天"), shortened ("开工") or cut ("竣工验…"); a label that fits nowhere
without touching a placed one (or the chart's edges) is left out and lives on in the mark's
<title> tooltip, which always holds the full text."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scheduling import rules

TRACK_W = 840
ROW_H = 48
AXIS_H = 36
FONT = 11  # px, the labels' and the axis' font size (static/css/app.css .gantt text)
LANE_A = (2.0, 15.0)
LANE_B = (34.0, 47.0)
BAR_Y, BAR_H = 17, 10
ACT_Y, ACT_H = 19, 6
BASE_Y, BASE_H = 29, 3
MARK_Y = BAR_Y + BAR_H / 2
GAP = 3  # px between a mark and its label, and between two labels
# The y coordinates the template draws with (the same numbers as above).
GEOMETRY = {
    "row_h": ROW_H,
    "axis_h": AXIS_H,
    "bar_y": BAR_Y,
    "bar_h": BAR_H,
    "act_y": ACT_Y,
    "act_h": ACT_H,
    "base_y": BASE_Y,
    "base_h": BASE_H,
    "mark_y": MARK_Y,
    "width": TRACK_W,
}

# The CSS class of each colour of scheduling.rules (the colours themselves are decided there).
LEVEL_CSS = {rules.RED: "red", rules.YELLOW: "yellow", rules.DUE_SOON: "soon", rules.GREEN: "ok", None: "done"}
LEVEL_RANK = {"red": 4, "yellow": 3, "soon": 2, "ok": 1, "done": 0}


def text_width(text: str, size: float = FONT) -> float:
    """An upper bound of the drawn width of `text` at `size` px: wide (CJK, full-width) and
    ambiguous characters one em (a CJK font draws "…" and "—" full width: a label shortened
    to "用地规…" was 4 px wider than estimated and ran past the chart's left edge), others
    0.62 em."""
    return sum(size if unicodedata.east_asian_width(c) in "WFA" else size * 0.62 for c in text)


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def intersects(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1


@dataclass
class Window:
    start: dt.date
    end: dt.date
    width: float = TRACK_W

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 1)

    def x(self, d: dt.date) -> float:
        """The x of a day, clipped to the window."""
        d = min(max(d, self.start), self.end)
        return round((d - self.start).days / self.days * self.width, 1)

    def inside(self, d: dt.date) -> bool:
        return self.start <= d <= self.end


def month_add(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def short_countdown(days: int) -> str:
    if days > 0:
        return ngettext("还有%(n)d天", "还有%(n)d天", days) % {"n": days}
    if days == 0:
        return _("今天到期")
    return ngettext("逾期%(n)d天", "逾期%(n)d天", -days) % {"n": -days}


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars] + "…"


# --- The axis ------------------------------------------------------------------------------------


def _tier(spans: list[tuple[float, float, list[str]]], y: float) -> list[dict]:
    """Labels centred in their spans, each the first of its variants (longest first) that fits
    its span with a margin on both sides; a span too narrow for even the shortest (a quarter cut
    by the window's edge) stays unlabelled. Spans do not overlap, so neither do the labels."""
    out = []
    for a, b, variants in spans:
        for text in variants:
            w = text_width(text)
            if w + 2 * GAP <= b - a:
                out.append({"x": round((a + b) / 2, 1), "y": y, "text": text, "w": w})
                break
    return out


def axis(window: Window, as_of: dt.date) -> dict:
    """Quarters on the upper tier, months on the lower one, the today line; no label overlaps
    another (in each span the longest form that fits)."""
    months, quarters = [], []
    m = window.start.replace(day=1)
    while m < window.end:
        nxt = month_add(m, 1)
        a, b = window.x(max(m, window.start)), window.x(min(nxt, window.end))
        months.append((a, b, [_("%(m)d月") % {"m": m.month}, str(m.month)]))
        m = nxt
    q = dt.date(window.start.year, (window.start.month - 1) // 3 * 3 + 1, 1)
    while q < window.end:
        nxt = month_add(q, 3)
        a, b = window.x(max(q, window.start)), window.x(min(nxt, window.end))
        n = (q.month - 1) // 3 + 1
        quarters.append(
            (
                a,
                b,
                [
                    _("%(y)d年第%(q)d季度") % {"y": q.year, "q": n},
                    f"{q.year} Q{n}",
                    f"{q.year % 100:02d}Q{n}",
                    f"Q{n}",
                ],
            )
        )
        q = nxt
    month_lines = [a for a, _b, _v in months]
    quarter_lines = [a for a, _b, _v in quarters if a > 0]
    return {
        "width": window.width,
        "height": AXIS_H,
        "quarters": _tier(quarters, 13),
        "months": _tier(months, 30),
        "month_lines": month_lines,
        "quarter_lines": quarter_lines,
        "today_x": window.x(as_of) if window.inside(as_of) else None,
    }


def row_backdrop(ax: dict) -> tuple[str, str]:
    """The month lines and the today line every row draws, as SVG markup made once per page
    (numbers only, formatted by Python: never localised)."""
    grid = "".join(f'<line class="bgrid" x1="{x}" x2="{x}" y1="0" y2="{ROW_H}"/>' for x in ax["month_lines"])
    today = ""
    if ax["today_x"] is not None:
        t = ax["today_x"]
        today = f'<line class="btoday" x1="{t}" x2="{t}" y1="0" y2="{ROW_H}"/>'
    return mark_safe(grid), mark_safe(today)  # noqa: S308 (floats and constants only)


def label_boxes(labels: list[dict], size: float = FONT) -> list[Box]:
    """The boxes of an axis tier's labels (centred text)."""
    return [Box(lb["x"] - lb["w"] / 2, lb["y"] - size, lb["x"] + lb["w"] / 2, lb["y"] + 2) for lb in labels]


# --- One project's row ---------------------------------------------------------------------------


@dataclass
class Row:
    bars: list[dict] = field(default_factory=list)
    ghosts: list[dict] = field(default_factory=list)
    actuals: list[dict] = field(default_factory=list)
    marks: list[dict] = field(default_factory=list)
    bases: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    before: int = 0
    after: int = 0


def _span(window: Window, a: dt.date, b: dt.date) -> tuple[float, float] | None:
    """The clipped x range of [a, b], None when it lies outside the window or is empty."""
    if b <= a or b < window.start or a > window.end:
        return None
    x0, x1 = window.x(a), window.x(b)
    return (x0, round(x1 - x0, 1)) if x1 > x0 else None


def _label_candidates(x: float, texts: list[str]):
    """(text, box, anchor x, text-anchor, baseline y) in the order tried."""
    for text in texts:
        w = text_width(text)
        for lane in (LANE_A, LANE_B):
            y0, y1 = lane
            yield text, Box(x + GAP + 3, y0, x + GAP + 3 + w, y1), x + GAP + 3, "start", y1 - 3
            yield text, Box(x - GAP - 3 - w, y0, x - GAP - 3, y1), x - GAP - 3, "end", y1 - 3


def place_labels(marks: list[dict], width: float = TRACK_W) -> list[dict]:
    """Place each mark's label where it touches no other (nor the chart's edges), most urgent
    first; return the labels placed. Marks keep their full text in `title` either way."""
    placed: list[Box] = []
    out = []
    for mark in sorted(marks, key=lambda m: m["priority"]):
        for text, box, tx, anchor, ty in _label_candidates(mark["x"], mark["texts"]):
            if box.x0 < 0 or box.x1 > width:
                continue
            if any(box.intersects(p) for p in placed):
                continue
            placed.append(box)
            out.append({"text": text, "x": tx, "y": ty, "anchor": anchor, "css": mark["css"], "box": box})
            mark["labelled"] = True
            break
    return out


def project_row(milestones, *, as_of: dt.date, window: Window, settings) -> Row:
    """The bars, marks and labels of one project (its milestones already fetched, in planned
    order); no query."""
    items = sorted(milestones, key=lambda m: (m.planned_date, m.sequence, m.id or 0))
    row = Row()
    levels = [LEVEL_CSS[rules.milestone_level(m, as_of, settings)] for m in items]
    for i in range(len(items) - 1):
        a, b = items[i], items[i + 1]
        css = levels[i + 1]
        span = _span(window, a.planned_date, b.planned_date)
        if span:
            row.bars.append({"x": span[0], "w": span[1], "css": css, "title": f"{a.display_name} → {b.display_name}"})
        baselines = (a.baseline_date or a.planned_date, b.baseline_date or b.planned_date)
        if baselines != (a.planned_date, b.planned_date):
            ghost = _span(window, *baselines)
            if ghost:
                row.ghosts.append(
                    {
                        "x": ghost[0],
                        "w": ghost[1],
                        "title": _("基线 %(a)s 至 %(b)s") % {"a": baselines[0], "b": baselines[1]},
                    }
                )
        if rules.is_done(a, as_of):
            finish = b.actual_date if rules.is_done(b, as_of) else as_of
            done = _span(window, a.actual_date, finish)
            if done:
                row.actuals.append({"x": done[0], "w": done[1], "css": css})
    by_day: OrderedDict = OrderedDict()
    for m, css in zip(items, levels, strict=True):
        if m.planned_date < window.start:
            row.before += 1
        elif m.planned_date > window.end:
            row.after += 1
        else:
            by_day.setdefault(m.planned_date, []).append((m, css))
        if m.baseline_date and m.baseline_date != m.planned_date and window.inside(m.baseline_date):
            row.bases.append(
                {"x": window.x(m.baseline_date), "title": f"{m.display_name} {_('基线')} {m.baseline_date}"}
            )
    for day, group in by_day.items():
        css = max((c for _m, c in group), key=LEVEL_RANK.get)
        first = group[0][0]
        name = first.display_name
        if len(group) > 1:
            name = _("%(first)s等%(n)d项") % {"first": name, "n": len(group)}
        open_days = [rules.days_left(m, as_of) for m, _c in group if rules.is_open(m, as_of)]
        days = min(open_days, key=abs) if open_days else None
        texts = [f"{name} {short_countdown(days)}"] if days is not None else []
        texts += [name, _cut(first.display_name, 3)]
        titles = []
        for m, _c in group:
            t = f"{m.display_name} {_('计划')} {m.planned_date}"
            if m.baseline_date and m.baseline_date != m.planned_date:
                t += f" / {_('基线')} {m.baseline_date}"
            if m.actual_date:
                t += f" / {_('实际')} {m.actual_date}"
            elif rules.is_open(m, as_of):
                t += f" / {short_countdown((m.planned_date - as_of).days)}"
            if getattr(m, "order_warning", None):
                t += f"\n{_('顺序异常')}：{m.order_warning}"
            titles.append(t)
        row.marks.append(
            {
                "x": window.x(day),
                "css": css,
                "texts": list(dict.fromkeys(texts)),
                "title": "\n".join(titles),
                # open nodes first, the nearest due (or the longest overdue… nearest to today) first
                "priority": (0, abs(days), day) if days is not None else (1, abs((as_of - day).days), day),
                "odd": any(getattr(m, "order_warning", None) for m, _c in group),
                "labelled": False,
            }
        )
    row.labels = place_labels(row.marks, window.width)
    return row


# --- The row's markup ----------------------------------------------------------------------------


def row_svg(row: Row, label: str, backdrop: tuple[str, str]) -> str:
    """One project's row as SVG markup, built here with format strings: the template's loops
    cost about 2 ms a row (0.4 s for the board's 200 rows), this a few tens of µs. Coordinates
    are Python floats (never localised); every text is escaped."""
    grid, today = backdrop
    parts = [
        f'<svg class="grow" width="{TRACK_W}" height="{ROW_H}" viewBox="0 0 {TRACK_W} {ROW_H}" role="img"'
        f' aria-label="{escape(label)}">',
        grid,
    ]
    parts += [
        f'<rect class="bghost" x="{b["x"]}" y="{BASE_Y}" width="{b["w"]}" height="{BASE_H}">'
        f"<title>{escape(b['title'])}</title></rect>"
        for b in row.ghosts
    ]
    parts += [
        f'<rect class="bbar {b["css"]}" x="{b["x"]}" y="{BAR_Y}" width="{b["w"]}" height="{BAR_H}" rx="2">'
        f"<title>{escape(b['title'])}</title></rect>"
        for b in row.bars
    ]
    parts += [
        f'<rect class="bact {b["css"]}" x="{b["x"]}" y="{ACT_Y}" width="{b["w"]}" height="{ACT_H}"/>'
        for b in row.actuals
    ]
    parts += [
        f'<path class="bbase" transform="translate({b["x"]} {BASE_Y})" d="M-3 1.5L0-1.5L3 1.5L0 4.5Z">'
        f"<title>{escape(b['title'])}</title></path>"
        for b in row.bases
    ]
    parts.append(today)
    parts += [
        f'<g class="bmark {m["css"]}{" odd" if m["odd"] else ""}"><circle cx="{m["x"]}" cy="{MARK_Y}" r="5"/>'
        f"<title>{escape(m['title'])}</title></g>"
        for m in row.marks
    ]
    parts += [
        f'<text class="blabel {t["css"]}" x="{t["x"]}" y="{t["y"]}" text-anchor="{t["anchor"]}">'
        f"{escape(t['text'])}</text>"
        for t in row.labels
    ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (numbers, constants and escaped texts only)
