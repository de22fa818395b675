"""The three forms of one report: XLSX (openpyxl), an HTML fragment (web view and PDF body)
and PDF (WeasyPrint, A4, Noto Sans CJK SC, nothing fetched).

WeasyPrint lays out every table cell as its own box, about half a millisecond each on this
machine: a 10,000-row, 12-column table takes minutes. Up to `REPORTS_PDF_TABLE_MAX_ROWS` rows a
list is a real table; above it the PDF switches to a compact listing, one preformatted line per
row in the monospaced "Noto Sans Mono CJK SC" (CJK characters two columns wide), which costs one
box per row. Nothing is cut: a value longer than its column pushes the line on."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.spreadsheets import safe_cell, safe_row

from .selectors import ReportData

RED_FILL = "F8CBAD"
YELLOW_FILL = "FFF2CC"
HEADER_FILL = "D9E1F2"


@dataclass(frozen=True)
class Column:
    label: str
    width: int  # characters (Excel) / display columns (compact PDF)
    value: Callable
    align: str = "left"
    number_format: str | None = None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _severity(row) -> str:
    return getattr(row, "severity", "") or ""


# --- column sets -----------------------------------------------------------------------------
def delay_columns() -> list[Column]:
    return [
        Column(_("项目名称"), 40, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("所属产业"), 12, lambda r: r.industry),
        Column(_("滞后节点"), 12, lambda r: r.milestone),
        Column(_("基线日期"), 11, lambda r: r.baseline_date, number_format="yyyy-mm-dd"),
        Column(_("计划日期"), 11, lambda r: r.planned_date, number_format="yyyy-mm-dd"),
        Column(_("逾期天数"), 8, lambda r: r.days_overdue, align="right"),
        Column(_("严重程度"), 8, lambda r: r.severity_label),
        Column(_("包联领导"), 10, lambda r: r.leader),
        Column(_("最新形象进度"), 30, lambda r: r.progress),
        Column(_("存在问题"), 30, lambda r: r.problems),
    ]


def resolved_columns() -> list[Column]:
    return [
        Column(_("项目名称"), 40, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("节点"), 12, lambda r: r.milestone),
        Column(_("上周逾期天数"), 12, lambda r: r.days_overdue_last_week, align="right"),
        Column(_("销号原因"), 30, lambda r: r.reason),
    ]


def due_columns() -> list[Column]:
    return [
        Column(_("项目名称"), 40, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("所属产业"), 12, lambda r: r.industry),
        Column(_("节点"), 12, lambda r: r.milestone),
        Column(_("计划日期"), 11, lambda r: r.planned_date, number_format="yyyy-mm-dd"),
        Column(_("倒计时（天）"), 12, lambda r: r.days_left, align="right"),
        Column(_("包联领导"), 10, lambda r: r.leader),
    ]


def lag_columns() -> list[Column]:
    return [
        Column(_("项目名称"), 40, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("所属产业"), 12, lambda r: r.industry),
        Column(_("年度计划投资（万元）"), 18, lambda r: r.plan, align="right", number_format="#,##0.00"),
        Column(_("应完成（万元）"), 16, lambda r: r.expected, align="right", number_format="#,##0.00"),
        Column(_("累计完成（万元）"), 16, lambda r: r.ytd, align="right", number_format="#,##0.00"),
        Column(_("完成进度（%）"), 12, lambda r: r.pct, align="right", number_format="0.0"),
        Column(_("状态"), 12, lambda r: r.severity_label),
    ]


def order_columns() -> list[Column]:
    return [
        Column(_("项目名称"), 40, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("节点"), 12, lambda r: r.milestone),
        Column(_("实际完成日期"), 12, lambda r: r.actual_date, number_format="yyyy-mm-dd"),
        Column(_("顺序异常"), 50, lambda r: r.warning),
    ]


def spend_columns() -> list[Column]:
    return [
        Column(_("项目名称"), 40, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("所属产业"), 12, lambda r: r.industry),
        Column(_("总投资（万元）"), 16, lambda r: r.total, align="right", number_format="#,##0.00"),
        Column(_("累计完成（万元）"), 16, lambda r: r.cumulative, align="right", number_format="#,##0.00"),
        Column(_("投资进度（%）"), 12, lambda r: r.spend_pct, align="right", number_format="0.0"),
        Column(_("形象进度（%）"), 12, lambda r: r.schedule_pct, align="right", number_format="0.0"),
        Column(_("差值（百分点）"), 12, lambda r: r.gap, align="right", number_format="0.0"),
    ]


def reporting_park_columns() -> list[Column]:
    return [
        Column(_("所在园区"), 16, lambda p: p.name),
        Column(_("应报项目"), 10, lambda p: p.expected, align="right"),
        Column(_("已报送"), 10, lambda p: p.reported, align="right"),
        Column(_("已审核"), 10, lambda p: p.approved, align="right"),
        Column(_("已退回"), 10, lambda p: p.returned, align="right"),
        Column(_("未报"), 10, lambda p: p.missing_count, align="right"),
        Column(_("报送率（%）"), 10, lambda p: p.percent, align="right"),
    ]


def reporting_row_columns() -> list[Column]:
    return [
        Column(_("项目名称"), 40, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("月报状态"), 10, lambda r: r.status_label),
        Column(_("退回原因"), 40, lambda r: r.reason),
    ]


def reporting_heading(data: ReportData) -> str:
    """'九、月报填报情况（2026-11，截止 2026-12-05，未报 3 个、退回 1 个）'."""
    reporting, summary = data.reporting, data.summary()
    text = _("九、月报填报情况（%(period)s，截止 %(due)s，未报 %(missing)s 个、退回 %(returned)s 个）") % {
        "period": f"{reporting.period:%Y-%m}",
        "due": reporting.due_date.isoformat(),
        "missing": summary["reports_missing"],
        "returned": summary["reports_returned"],
    }
    return text + (_("（已关账）") if reporting.closed else "")


def problem_columns(*, overdue: bool = False) -> list[Column]:
    columns = [
        Column(_("督办单号"), 12, lambda r: r.dispatch_no),
        Column(_("项目名称"), 36, lambda r: r.project),
        Column(_("所在园区"), 14, lambda r: r.park),
        Column(_("问题类别"), 10, lambda r: r.category),
        Column(_("问题描述"), 40, lambda r: r.description),
        Column(_("责任部门"), 16, lambda r: r.department),
        Column(_("办结时限"), 12, lambda r: r.deadline, number_format="yyyy-mm-dd"),
        Column(_("状态"), 10, lambda r: r.status),
    ]
    if overdue:
        columns.append(Column(_("超期天数"), 8, lambda r: r.days_overdue, align="right"))
    return columns


def summary_columns() -> list[Column]:
    return [
        Column(_("名称"), 20, lambda r: r["name"]),
        Column(_("滞后节点"), 10, lambda r: r["milestones"], align="right"),
        Column(_("其中红色"), 10, lambda r: r["milestones_red"], align="right"),
        Column(_("其中黄色"), 10, lambda r: r["milestones_yellow"], align="right"),
        Column(_("滞后项目"), 10, lambda r: r["projects"], align="right"),
        Column(_("红色项目"), 10, lambda r: r["projects_red"], align="right"),
        Column(_("黄色项目"), 10, lambda r: r["projects_yellow"], align="right"),
    ]


def due_soon_heading(days: int) -> str:
    """'未来N天到期节点', N the commission's due_soon_days."""
    return _("未来%(days)s天到期节点") % {"days": days}


def title_of(data: ReportData) -> str:
    return _("%(scope)s每周滞后项目通报（%(week)s，截至 %(as_of)s）") % {
        "scope": data.scope_name,
        "week": data.week,
        "as_of": data.as_of.isoformat(),
    }


# --- HTML ------------------------------------------------------------------------------------
def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    gap = max(width - _display_width(text), 0)
    return (" " * gap + text) if align == "right" else (text + " " * gap)


def listing(columns: Sequence[Column], rows: Sequence, *, compact: bool, numbered: bool = True) -> SafeString:
    """A list as an HTML table, or (compact) as one preformatted line per row."""
    if not rows:
        return mark_safe('<p class="empty">' + escape(_("无")) + "</p>")  # noqa: S308
    if compact:
        head = [(_("序号"), 6, "right")] if numbered else []
        head += [(c.label, c.width, c.align) for c in columns]
        header = " ".join(_pad(label, width, align) for label, width, align in head)
        # Consecutive rows of one severity share one preformatted block: WeasyPrint then
        # styles and boxes a handful of elements instead of one per row (about a third faster).
        blocks: list[tuple[str, list[str]]] = []
        last = len(columns) - 1
        for i, row in enumerate(rows, 1):
            parts = [_pad(str(i), 6, "right")] if numbered else []
            for j, c in enumerate(columns):
                text = _text(c.value(row)).replace("\n", " ")
                parts.append(text if j == last else _pad(text, c.width, c.align))
            sev = _severity(row)
            if not blocks or blocks[-1][0] != sev:
                blocks.append((sev, []))
            blocks[-1][1].append(" ".join(parts))
        lines = ['<div class="mono"><p class="mono-head">' + escape(header) + "</p>"]
        lines.extend(f'<p class="sev-{sev}">' + escape("\n".join(block)) + "</p>" for sev, block in blocks)
        lines.append("</div>")
        return mark_safe("".join(lines))  # noqa: S308
    out = ['<table class="report-table"><thead><tr>']
    if numbered:
        out.append("<th>" + escape(_("序号")) + "</th>")
    out.extend(
        f'<th class="num">{escape(c.label)}</th>' if c.align == "right" else f"<th>{escape(c.label)}</th>"
        for c in columns
    )
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows, 1):
        sev = _severity(row)
        out.append(f'<tr class="sev-{sev}">' if sev else "<tr>")
        if numbered:
            out.append(f'<td class="num">{i}</td>')
        for c in columns:
            cls = ' class="num"' if c.align == "right" else ""
            out.append(f"<td{cls}>{escape(_text(c.value(row)))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return mark_safe("".join(out))  # noqa: S308


def render_html(data: ReportData, *, generated_at: dt.datetime, compact: bool | None = None) -> str:
    """The report body (no <html>): the web view includes it, the PDF wraps it."""
    summary = data.summary()
    if compact is None:
        # One decision for the whole document, so a big report is compact throughout.
        limit = getattr(settings, "REPORTS_PDF_TABLE_MAX_ROWS", 1000)
        size = len(data.delays) + len(data.newly) + len(data.resolved) + len(data.due_soon) + len(data.lagging)
        size += len(data.order_warnings) + len(data.spend_ahead)
        size += len(data.reporting.rows) if data.reporting else 0
        compact = size > limit

    def lst(columns, rows, **kw):
        return listing(columns, rows, compact=compact, **kw)

    groups = [
        {"name": data.parks[pk]["name"], "count": len(rows), "listing": lst(delay_columns(), rows)}
        for pk, rows in data.park_groups()
    ]
    context = {
        "data": data,
        "title": title_of(data),
        "generated_at": timezone.localtime(generated_at),
        "summary": summary,
        "by_park": lst(summary_columns(), summary["by_park"], numbered=False),
        "by_industry": lst(summary_columns(), summary["by_industry"], numbered=False),
        "longest": lst(delay_columns()[:8], data.longest()),
        "newly": lst(delay_columns(), data.newly),
        "resolved": lst(resolved_columns(), data.resolved),
        "groups": groups,
        "due_soon": lst(due_columns(), data.due_soon),
        "lagging": lst(lag_columns(), data.lagging),
        "lag_month": data.lag_month,
        "order_warnings": lst(order_columns(), data.order_warnings),
        "spend_ahead": lst(spend_columns(), data.spend_ahead),
        "problems_new": lst(problem_columns(), data.problems.new),
        "problems_overdue": lst(problem_columns(overdue=True), data.problems.overdue),
        "problems_handled": lst(problem_columns(), data.problems.handled),
        "problems_confirmed": lst(problem_columns(), data.problems.confirmed),
    }
    if data.reporting is not None:
        context["reporting_heading"] = reporting_heading(data)
        context["reporting_parks"] = lst(reporting_park_columns(), data.reporting.parks, numbered=False)
        context["reporting_rows"] = lst(reporting_row_columns(), data.reporting.rows)
    return render_to_string("reports/weekly_body.html", context)


def render_pdf(data: ReportData, *, generated_at: dt.datetime) -> bytes:
    from weasyprint import HTML

    body = render_html(data, generated_at=generated_at, compact=None)
    document = render_to_string("reports/weekly_pdf.html", {"title": title_of(data), "body": mark_safe(body)})  # noqa: S308

    def no_fetch(url, *args, **kwargs):
        raise ValueError(f"the weekly report fetches nothing: {url}")

    return HTML(string=document, url_fetcher=no_fetch, base_url=None).write_pdf()


# --- XLSX ------------------------------------------------------------------------------------
def summary_totals(data: ReportData, summary: dict) -> list[tuple[str, int]]:
    """The headline counts of the summary sheet."""
    return [
        (_("滞后节点"), summary["milestones"]),
        (_("其中红色节点"), summary["milestones_red"]),
        (_("其中黄色节点"), summary["milestones_yellow"]),
        (_("滞后项目"), summary["projects"]),
        (_("其中红色项目"), summary["projects_red"]),
        (_("其中黄色项目"), summary["projects_yellow"]),
        (_("本周新增滞后节点"), summary["newly_delayed"]),
        (_("本周销号节点"), summary["resolved"]),
        (due_soon_heading(data.due_soon_days), summary["due_soon"]),
        (_("投资滞后项目"), summary["investment_lagging"]),
        (_("顺序异常节点"), summary["order_warnings"]),
        (_("投资与形象进度不匹配项目"), summary["spend_ahead"]),
        (_("月报未报项目"), summary["reports_missing"]),
        (_("月报退回项目"), summary["reports_returned"]),
        (_("本周新增督办问题"), summary["problems_new"]),
        (_("超期督办问题"), summary["problems_overdue"]),
        (_("本周办理督办问题"), summary["problems_handled"]),
        (_("本周确认办结督办问题"), summary["problems_confirmed"]),
    ]


class _XlsxWriter:
    """A write-only workbook and its styles: sheets laid out before their first row."""

    def __init__(self):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        self.bold = Font(bold=True)
        self.header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self.fills = {
            "red": PatternFill("solid", fgColor=RED_FILL),
            "yellow": PatternFill("solid", fgColor=YELLOW_FILL),
        }
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.wb = Workbook(write_only=True)

    def new_sheet(self, title: str, widths: Sequence[int], *, frozen: str | None = None):
        from openpyxl.utils import get_column_letter

        ws = self.wb.create_sheet(title)
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width + 2
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = True
        if frozen:
            ws.freeze_panes = frozen
            ws.print_title_rows = "1:1"
        return ws

    def header_row(self, ws, labels) -> None:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for label in labels:
            cell = WriteOnlyCell(ws, value=safe_cell(label))
            cell.font, cell.fill, cell.alignment = self.bold, self.header_fill, self.wrap
            cells.append(cell)
        ws.append(cells)

    def table_sheet(self, title: str, columns: Sequence[Column], rows: Sequence) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter

        ws = self.new_sheet(title, [6, *[c.width for c in columns]], frozen="B2")
        if rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns) + 1)}{len(rows) + 1}"
        self.header_row(ws, [_("序号"), *[c.label for c in columns]])
        severity_at = {n for n, c in enumerate(columns) if c.label in (_("严重程度"), _("状态"))}
        styled = [n for n, c in enumerate(columns) if c.number_format or n in severity_at or n == 0]
        for i, row in enumerate(rows, 1):
            values: list = safe_row([i, *[c.value(row) for c in columns]])
            fill = self.fills.get(_severity(row))
            for n in styled:
                cell = WriteOnlyCell(ws, value=values[n + 1])
                if columns[n].number_format:
                    cell.number_format = columns[n].number_format
                if fill is not None and (n in severity_at or (n == 0 and severity_at)):
                    cell.fill = fill
                values[n + 1] = cell
            ws.append(values)

    def summary_sheet(self, data: ReportData, summary: dict, generated_at: dt.datetime) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        ws = self.new_sheet(_("汇总"), [22, 12, 12, 12, 12, 12, 12])
        title = WriteOnlyCell(ws, value=safe_cell(title_of(data)))
        title.font = Font(bold=True, size=14)
        ws.append([title])
        ws.append(safe_row([_("生成时间"), timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M")]))
        ws.append([])
        for label, value in summary_totals(data, summary):
            ws.append(safe_row([label, value]))
        for heading, key in ((_("按园区"), "by_park"), (_("按产业"), "by_industry")):
            ws.append([])
            cell = WriteOnlyCell(ws, value=safe_cell(heading))
            cell.font = self.bold
            ws.append([cell])
            self.header_row(ws, [c.label for c in summary_columns()])
            for item in summary[key]:
                ws.append(safe_row([c.value(item) for c in summary_columns()]))


def render_xlsx(data: ReportData, *, generated_at: dt.datetime) -> bytes:
    """Write-only workbook (streams rows; a normal workbook recomputes its dimensions on every
    styled row and goes quadratic at 10,000 rows). Layout is set before the first row."""
    writer = _XlsxWriter()
    writer.summary_sheet(data, data.summary(), generated_at)
    writer.table_sheet(_("滞后明细"), delay_columns(), data.delays)
    writer.table_sheet(_("滞后最长"), delay_columns(), data.longest())
    writer.table_sheet(_("本周新增滞后"), delay_columns(), data.newly)
    writer.table_sheet(_("本周销号"), resolved_columns(), data.resolved)
    writer.table_sheet(_("临期节点"), due_columns(), data.due_soon)
    writer.table_sheet(_("投资滞后"), lag_columns(), data.lagging)
    writer.table_sheet(_("顺序异常"), order_columns(), data.order_warnings)
    writer.table_sheet(_("投资与形象进度不匹配"), spend_columns(), data.spend_ahead)
    if data.reporting is not None:
        writer.table_sheet(_("月报填报情况"), reporting_park_columns(), data.reporting.parks)
        writer.table_sheet(_("月报未报与退回"), reporting_row_columns(), data.reporting.rows)
    writer.table_sheet(_("本周新增督办"), problem_columns(), data.problems.new)
    writer.table_sheet(_("超期督办"), problem_columns(overdue=True), data.problems.overdue)
    writer.table_sheet(_("本周办理督办"), problem_columns(), data.problems.handled)
    writer.table_sheet(_("本周确认办结督办"), problem_columns(), data.problems.confirmed)
    buffer = io.BytesIO()
    writer.wb.save(buffer)
    return buffer.getvalue()
