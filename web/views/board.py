"""The wall chart (挂图): a Gantt chart of the selected projects, grouped by park or industry.

Statements per request, whatever the number of projects: the groups' totals (one aggregate),
the groups' names (one), the page's rows (one; its count comes from the totals) and their
milestones (one prefetch).
Finished projects (scheduling.rules.finished_q, read from the stored column: finished_stored_q) are collapsed: counted in their group's totals,
drawn only with ?finished=1. ?print=1 draws the whole selection (up to BOARD_PRINT_MAX rows)
for printing on A3 landscape pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Sum
from django.shortcuts import render
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.money import YI, format_amount
from parks.models import Industry, Park
from projects.models import Stage
from scheduling import rules
from scheduling.models import Milestone, SchedulingSettings
from web import gantt
from web.forms import parse_period_param
from web.rows import around_pk
from web.templatetags.board import STATUS_CSS, countdown_class, countdown_text, kind_label
from web.views.base import today
from web.views.projects import filtered_projects

PAGE_SIZE = 200


def _window(request, as_of: dt.date) -> tuple[gantt.Window, int]:
    try:
        months = min(max(int(request.GET.get("months", 15)), 3), 36)
    except ValueError:
        months = 15
    start = parse_period_param(
        request.GET.get("start"), gantt.month_add(as_of.replace(day=1), -3), request=request, name="start"
    )
    return gantt.Window(start, gantt.month_add(start, months)), months


class CountedPaginator(Paginator):
    """A paginator told its count (the groups' totals already hold it): no COUNT(*) statement."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def _group_totals(qs, key: str, as_of: dt.date) -> list[dict]:
    """Per group of the whole selection: projects, finished ones, total investment (万元), in
    the groups' order; two statements (the aggregate, the groups' names)."""
    # Grouped on the selection itself: its spend_* annotations are not selected by values(), and
    # a `pk IN (selection)` wrapper cost a hash join of the city (~85 ms at 100k, EXPLAIN ANALYZE).
    rows = (
        qs.order_by()
        .values(key)
        .annotate(
            n=Count("id"),
            done=Count("id", filter=rules.finished_stored_q()),
            total=Sum("total_investment"),
        )
    )
    by_id = {r[key]: r for r in rows}
    model = Park if key == "park_id" else Industry
    out = []
    for obj in model.objects.filter(pk__in=list(by_id)).order_by("sort_order", "code"):
        r = by_id[obj.pk]
        out.append({"obj": obj, "n": r["n"], "done": r["done"], "total": r["total"] or Decimal(0), "rows": []})
    return out


def board_rows_html(groups, *, group: str, show_finished: bool, as_of: dt.date, thresholds) -> SafeString:
    """The chart's group headers and rows (the <tbody> loop), built in Python: exactly the HTML
    of the template loop they replaced (tests/web/test_board_rows.py compares both, hostile
    text included); every value escaped as autoescape did, numbers unlocalised as under the
    template's {% localize off %}. cProfile at 200 rows: the template loop was ~0.2 s of the
    page, this a few ms."""
    esc = conditional_escape
    t_total, t_order, t_done = esc(_("总投资")), esc(_("顺序异常")), esc(_("已完成"))
    t_before, t_after = esc(_("时间轴之前的节点")), esc(_("时间轴之后的节点"))
    detail_head, detail_tail = around_pk("web:detail")
    stages = {value: esc(str(label)) for value, label in Stage.choices}
    names: dict[tuple[str, int], str] = {}

    def named(kind: str, obj) -> str:
        key = (kind, obj.pk)
        if key not in names:
            names[key] = esc(obj.name)
        return names[key]

    other = "industry" if group == "park" else "park"
    out = []
    for g in groups:
        n, done = g["n"], g["done"]
        count = ngettext("%(n)s 个项目", "%(n)s 个项目", n) % {"n": n}
        gdone = ""
        if done:
            if show_finished:
                text = ngettext("其中 %(n)s 个已完成", "其中 %(n)s 个已完成", done) % {"n": done}
            else:
                text = ngettext("%(n)s 个已完成项目已收起", "%(n)s 个已完成项目已收起", done) % {"n": done}
            gdone = f'<span class="gdone">{text}</span>'
        out.append(
            f'\n  <tbody>\n    <tr class="bgroup" data-group="{int(g["obj"].pk)}"><th colspan="3">\n'
            f"      {esc(g['obj'].name)}\n"
            f'      <span class="gtotal">{count} · {t_total} {esc(format_amount(g["total"], YI))}</span>\n'
            f"      {gdone}\n    </th></tr>\n    "
        )
        for p in g["rows"]:
            st = STATUS_CSS.get(p.status, "st-none")
            finished = getattr(p, "finished", False)
            warn = ""
            if getattr(p, "order_warnings", None):
                title = "；".join(esc(w) for w in p.order_warnings)
                warn = f' <span class="badge st-yellow order-warning" title="{title}">{t_order}</span>'
            row = p.gantt
            out_before = f' · <span class="bout" title="{t_before}">‹{row.before}</span>' if row.before else ""
            out_after = f' · <span class="bout" title="{t_after}">{row.after}›</span>' if row.after else ""
            cd = getattr(p, "cd", "")
            if cd:
                css = countdown_class((p.next_date - as_of).days, thresholds)
                cell = f'<span class="cd {css}">{esc(cd)}</span>'
            elif finished:
                cell = f'<span class="muted">{t_done}</span>'
            else:
                cell = '<span class="muted">—</span>'
            out.append(
                f'\n    <tr class="brow {st}{" finished" if finished else ""}" data-project="{int(p.pk)}">\n'
                f'      <td class="bname"><span class="dot {st}"></span>'
                f'<a href="{detail_head}{int(p.pk)}{detail_tail}">{esc(p.name)}</a>{warn}<br><small class="muted">'
                f"{named(other, getattr(p, other))} · {esc(format_amount(p.total_investment, YI))} · "
                f"{stages.get(p.stage, esc(p.stage))}{out_before}{out_after}</small></td>\n"
                f'      <td class="bcd">{cell}</td>\n'
                f'      <td class="btrack">{p.svg}</td>\n'
                f"    </tr>\n    "
            )
        out.append("\n  </tbody>\n  ")
    if not out:
        out.append(
            f'\n  <tbody><tr><td colspan="3" class="muted">{esc(_("没有符合条件的项目。"))}</td></tr></tbody>\n  '
        )
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def _page_ids(rows, groups, key: str, *, show_finished: bool, offset: int, limit: int) -> list[int] | None:
    """The ids of the rows [offset, offset + limit) of the chart, in one statement: the groups'
    totals say which groups the page spans and where, and each of those groups' slice is read
    in order from the partial index (group, finished, status_rank, name, id) — a few hundred
    index entries instead of sorting the selection (EXPLAIN ANALYZE at 100k: 119 ms → a few ms).
    None where the database has no LIMIT in a UNION's branches (SQLite): one sorted statement."""
    if not connection.features.supports_slicing_ordering_in_compound:
        return None
    branches, start = [], 0
    for g in groups:
        n = g["n"] - (0 if show_finished else g["done"])
        lo, hi = max(offset - start, 0), min(offset + limit - start, n)
        if hi > lo:
            branch = rows.filter(**{key: g["obj"].pk}).order_by("status_rank", "name", "id")
            branches.append(branch.values_list("id", flat=True)[lo:hi])
        start += n
    if not branches:
        return []
    return list(branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0])


@login_required
def board(request):
    as_of = today()
    thresholds = SchedulingSettings.load()
    qs, form, _sort = filtered_projects(request, as_of)
    group = "industry" if request.GET.get("group") == "industry" else "park"
    key = f"{group}_id"
    show_finished = request.GET.get("finished") == "1"
    printing = request.GET.get("print") == "1"
    window, months = _window(request, as_of)

    groups = _group_totals(qs, key, as_of)
    order = ["park__sort_order", "park__code"] if group == "park" else ["industry__sort_order", "industry__code"]
    rows = qs.select_related("park", "industry").order_by(*order, key, "status_rank", "name", "id")
    # The selection's spend_* annotations (web.views.projects.with_spend_ahead, the list's column)
    # are not drawn here: not selected, eight correlated subqueries a row fewer (a ?spend_ahead=1
    # filter still applies, the WHERE holds its own expression).
    rows.query.set_annotation_mask(())
    if not show_finished:
        rows = rows.exclude(rules.finished_stored_q())
    rows = rows.prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date", "sequence", "id"))
    )
    limit = settings.BOARD_PRINT_MAX if printing else PAGE_SIZE
    count = sum(g["n"] - (0 if show_finished else g["done"]) for g in groups)
    page = CountedPaginator(rows, limit, count=count).get_page(1 if printing else request.GET.get("page"))
    ids = _page_ids(rows, groups, key, show_finished=show_finished, offset=(page.number - 1) * limit, limit=limit)
    if ids is not None:  # the page's rows fetched by id, in the same order
        page.object_list = list(rows.filter(pk__in=ids))
    if printing and page.paginator.num_pages > 1:
        messages.warning(
            request,
            _("选中 %(n)d 个项目，打印视图最多 %(max)d 个：请缩小筛选范围后再打印其余项目。")
            % {"n": page.paginator.count, "max": limit},
        )
    by_key = {g["obj"].pk: g for g in groups}
    axis = gantt.axis(window, as_of)
    backdrop = gantt.row_backdrop(axis)
    for p in page.object_list:
        milestones = rules.set_order_warnings(p.milestones.all())
        p.order_warnings = [m.order_warning for m in milestones if m.order_warning]
        p.gantt = gantt.project_row(milestones, as_of=as_of, window=window, settings=thresholds)
        p.svg = gantt.row_svg(p.gantt, p.name, backdrop)
        p.finished = rules.is_finished(milestones, as_of)
        if p.next_date:
            p.cd_days = (p.next_date - as_of).days
            p.cd = countdown_text(p.cd_days, kind_label(p.next_kind, p.next_name))
        by_key[getattr(p, key)]["rows"].append(p)
    last = not page.has_next()
    shown = [g for g in groups if g["rows"] or (last and g["n"] == g["done"] and not show_finished)]
    params = request.GET.copy()
    for name in ("page", "print"):
        params.pop(name, None)
    toggle = params.copy()
    if show_finished:
        toggle.pop("finished", None)
    else:
        toggle["finished"] = "1"
    return render(
        request,
        "projects/board.html",
        {
            "groups": shown,
            "board_rows": board_rows_html(
                shown, group=group, show_finished=show_finished, as_of=as_of, thresholds=thresholds
            ),
            "page": page,
            "form": form,
            "group": group,
            "axis": axis,
            "geo": gantt.GEOMETRY,
            "printing": printing,
            "as_of": as_of,
            "thresholds": thresholds,
            "start": window.start,
            "end": window.end,
            "months": months,
            "show_finished": show_finished,
            "finished_total": sum(g["done"] for g in groups),
            "toggle_query": toggle.urlencode(),
            "query": params.urlencode(),
        },
    )
