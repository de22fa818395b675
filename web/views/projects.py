"""The project list (项目清单), its XLSX export and the project card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.pagination import CountedRows, page_window
from common.prepared import Prepared, related_to
from parks.access import can_write_anything, remember_park_tree, visible_parks_among
from parks.models import Industry
from parks.selectors import give_user_park, park_and_industry_lists
from projects.models import AnnualPlan, InvestmentReport, Level, ReportStatus, Stage, Status
from projects.rules import counts as report_counts
from projects.selectors import (
    can_write_park,
    projects_visible_to,
    visible_project_count,
    visible_project_count_column,
)
from scheduling import rules
from scheduling.models import Milestone, SchedulingSettings
from scheduling.selectors import with_spend_ahead
from web.charts import timeline
from web.exports import projects_stream
from web.forms import (
    ProjectFilterForm,
)
from web.history import history_entries, history_rows_html
from web.rows import around_pk, report_status_html, ymd
from web.templatetags.amounts import amount_wan, amount_yi
from web.templatetags.board import STATUS_CSS, countdown_class, countdown_text, kind_label, pct, wan
from web.views.base import XLSX, scoped_by_park, today
from web.views.problems import card_context as problem_card

EXPORT_CHUNK = 1000  # rows fetched per round trip of the export's server-side cursor

SORTS = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "investment": ["total_investment", "id"],
    "-investment": ["-total_investment", "-id"],
    "next": ["next_date", "id"],
    "-next": ["-next_date", "-id"],
    "year": ["year", "id"],
    "-year": ["-year", "-id"],
    "status": ["status_rank", "next_date", "id"],
    "-status": ["-status_rank", "id"],
    "park": ["park__sort_order", "park__code", "name"],
}


# The list's columns: read as values, not as projects with their park and industry (a third of
# the page's CPU went into building the 150 model instances of a page).
ROW_FIELDS = (
    "id", "code", "name", "park_id", "park__name", "industry_id", "industry__name", "level", "stage",
    "total_investment", "status", "spend_ahead", "next_date", "next_kind", "next_name",
)  # fmt: skip


class _Named:
    __slots__ = ("pk", "name")

    def __init__(self, pk, name):
        self.pk, self.name = pk, name


class ListRow:
    """One row of the list: the ROW_FIELDS of a project as attributes, with `pk` and its `park`
    and `industry` (pk and name), as the page reads them from a project."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.pk = values["id"]
        self.park = _Named(values["park_id"], values["park__name"])
        self.industry = _Named(values["industry_id"], values["industry__name"])


def filtered_projects(request, as_of: dt.date, *, with_unfiltered: bool = False, settings=None):
    """(queryset, form, sort) of the list's selection; with `with_unfiltered`, a fourth item
    says whether no filter narrows the user's visible projects (the pager may then take the
    count the database keeps, projects.selectors.visible_project_count). `settings`: the
    page's SchedulingSettings when it has loaded them already (one statement fewer)."""
    all_parks, industries = park_and_industry_lists()
    remember_park_tree(request.user, all_parks)  # the user's scope without a tree statement
    give_user_park(request.user, all_parks)
    qs, park = scoped_by_park(request, projects_visible_to(request.user))
    qs = with_spend_ahead(qs, as_of=as_of, settings=settings or SchedulingSettings.load())
    data = request.GET.copy()
    if park is None:  # a refused ?park= (said on the page) must not drop the other filters
        data.pop("park", None)
    form = ProjectFilterForm(data or None, parks=visible_parks_among(request.user, all_parks), industries=industries)
    unfiltered = park is None
    if form.is_valid():
        d = form.cleaned_data
        if d["industry"]:
            qs = qs.filter(industry_id__in=Industry.objects.descendant_ids([d["industry"].pk]))
        for key in ("level", "stage", "status"):
            if d[key]:
                qs = qs.filter(**{key: d[key]})
        if d["spend_ahead"]:
            qs = qs.filter(spend_ahead=True)
        if d["q"]:
            q = d["q"].strip()
            qs = qs.filter(Q(name__icontains=q) | Q(owner__icontains=q) | Q(code__icontains=q))
        unfiltered = unfiltered and not any(
            d[key] for key in ("industry", "level", "stage", "status", "spend_ahead", "q")
        )
    # The next node and the colour's rank are the project's stored summary columns (kept by
    # scheduling.services.refresh_next_milestones and flag_delays): the sorts below are served
    # by the partial indexes on (status_rank, next_date, id) and (next_date, id) with LIMIT.
    sort = request.GET.get("sort", "status")
    qs = qs.order_by(*SORTS.get(sort, SORTS["status"]))
    if with_unfiltered:
        return qs, form, sort, unfiltered
    return qs, form, sort


PER_PAGE = 50


@login_required
def project_list(request):
    as_of = today()
    thresholds = SchedulingSettings.load()
    qs, form, sort, unfiltered = filtered_projects(request, as_of, with_unfiltered=True, settings=thresholds)
    if request.GET.get("export") == "xlsx":
        return project_export(qs, as_of)
    # Every visible project: counted from the per-park rows the database keeps, not COUNT(*),
    # and on PostgreSQL read as a column of the page's own statement.
    total = visible_project_count_column(request.user) if unfiltered else None
    window = page_window(request.GET.get("page"), PER_PAGE)
    if total is not None and window is not None:
        rows_qs = qs.annotate(list_total=total).values(*ROW_FIELDS, "list_total")
        counted = CountedRows(
            lambda: visible_project_count(request.user), rows_qs, window, total=lambda row: row["list_total"]
        )
        paginator = Paginator(counted, PER_PAGE)
    else:
        paginator = Paginator(qs.values(*ROW_FIELDS), PER_PAGE)
        if unfiltered:
            paginator.count = visible_project_count(request.user)
    page = paginator.get_page(request.GET.get("page"))
    rows = page.object_list = [ListRow(r) for r in page.object_list]
    labels: dict[tuple, str] = {}  # a page repeats a few node kinds and day counts
    texts: dict[tuple, str] = {}
    for p in rows:
        if p.next_date:
            key = (p.next_kind, p.next_name)
            if key not in labels:
                labels[key] = kind_label(*key)
            label = p.next_label = labels[key]
            p.cd_days = (p.next_date - as_of).days
            key = (p.cd_days, label)
            if key not in texts:
                texts[key] = countdown_text(*key)
            p.cd = texts[key]
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("sort", None)
    params.pop("export", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "form": form,
            "sort": sort,
            "as_of": as_of,
            "thresholds": thresholds,
            "rows": list_rows_html(rows, thresholds=thresholds),
            "query": params.urlencode(),
            "can_write": can_write_anything(request.user),
        },
    )


def list_rows_html(rows, *, thresholds) -> SafeString:
    """The list's rows (the <tbody> loop), built in Python: exactly the HTML of the template loop
    they replaced (tests/web/test_list_rows.py compares both, hostile text included), every
    value escaped as autoescape did. Each row carries `cd_days` and `cd` when it has a next node
    (set by project_list). cProfile at 50 rows: the template loop was ~8 ms of the page's CPU."""
    esc = conditional_escape
    detail_head, detail_tail = around_pk("web:detail")
    levels = {value: esc(label) for value, label in Level.choices}
    stages = {value: esc(label) for value, label in Stage.choices}
    statuses = {value: esc(label) for value, label in Status.choices}
    t_ahead = f' <span class="badge st-yellow spend-ahead">{esc(_("投资与形象进度不匹配"))}</span>'
    names: dict[tuple[str, int], str] = {}

    def named(kind: str, obj) -> str:
        if obj is None:
            return ""
        key = (kind, obj.pk)
        if key not in names:
            names[key] = esc(obj.name)
        return names[key]

    out = []
    for p in rows:
        code = f'<br><small class="muted">{esc(p.code)}</small>' if p.code else ""
        if p.next_date:
            css = countdown_class(p.cd_days, thresholds)
            nxt = f'<span class="cd {css}">{esc(p.cd)}</span><br><small class="muted">{p.next_date.isoformat()}</small>'
        else:
            nxt = '<span class="muted">—</span>'
        out.append(
            "\n    <tr>\n"
            f'      <td><a href="{detail_head}{int(p.pk)}{detail_tail}">{esc(p.name)}</a>{code}</td>\n'
            f"      <td>{named('park', p.park)}</td>\n"
            f"      <td>{named('industry', p.industry)}</td>\n"
            f"      <td>{levels[p.level] if p.level in levels else esc(p.level)}</td>\n"
            f"      <td>{stages[p.stage] if p.stage in stages else esc(p.stage)}</td>\n"
            f'      <td class="num">{esc(wan(p.total_investment))}</td>\n'
            f'      <td><span class="badge {STATUS_CSS.get(p.status, "st-none")}">'
            f"{statuses[p.status] if p.status in statuses else esc(p.status)}</span>{t_ahead if p.spend_ahead else ''}</td>\n"
            f"      <td>{nxt}</td>\n"
            "    </tr>\n  "
        )
    if not out:
        out.append(f'\n    <tr><td colspan="8" class="muted">{esc(_("没有符合条件的项目。"))}</td></tr>\n  ')
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def project_export(qs, as_of: dt.date) -> StreamingHttpResponse:
    """The filtered list as XLSX, streamed: the rows are read from one server-side cursor in
    chunks (one statement, flat memory) and written as they come."""
    level_labels = {k: str(v) for k, v in Level.choices}
    stage_labels = {k: str(v) for k, v in Stage.choices}
    status_labels = {k: str(v) for k, v in Status.choices}
    next_labels: dict[tuple, str] = {}
    language = translation.get_language()

    def rows():
        for r in qs.values(
            "id", "code", "name", "owner", "park__name", "industry__name", "level", "year", "stage",
            "total_investment", "status", "next_date", "next_kind", "next_name",
        ).iterator(chunk_size=EXPORT_CHUNK):  # fmt: skip
            key = (r["next_kind"], r["next_name"])
            if r["next_date"] and key not in next_labels:
                next_labels[key] = kind_label(*key)
            r["park_name"] = r["park__name"]
            r["industry_name"] = r["industry__name"]
            r["level_label"] = level_labels.get(r["level"], r["level"])
            r["stage_label"] = stage_labels.get(r["stage"], r["stage"])
            r["status_label"] = status_labels.get(r["status"], r["status"])
            r["next_label"] = next_labels[key] if r["next_date"] else ""
            yield r

    def content():
        with translation.override(language):
            yield from projects_stream(rows(), today=as_of)

    response = StreamingHttpResponse(content(), content_type=XLSX)
    name = f"projects-{as_of:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def milestone_rows_html(milestones, *, thresholds) -> SafeString:
    """The card's node table rows (the <tbody> loop), built in Python: exactly the HTML of the
    template loop they replaced (tests/web/test_card_rows.py). Each node carries `slip`, and
    `cd` and `days` while open (set by project_detail)."""
    esc = conditional_escape
    t_order, t_done = esc(_("顺序异常")), esc(_("已完成"))
    out = []
    for m in milestones:
        warn = ""
        if m.order_warning:
            w = esc(m.order_warning)
            warn = f' <span class="badge st-yellow order-warning" title="{w}">{t_order}</span><br><small class="muted">{w}</small>'
        cd = getattr(m, "cd", "")
        if cd:
            cell = f'<span class="cd {countdown_class(m.days, thresholds)}">{esc(cd)}</span>'
        else:
            cell = f'<span class="cd cd-done">{t_done}</span>'
        out.append(
            f"\n      <tr><td>{esc(m.display_name)}</td><td>{ymd(m.baseline_date)}</td>"
            f"<td>{ymd(m.planned_date)}</td>\n"
            f'      <td class="num">{f"{m.slip:+d}" if m.slip else "0"}</td>\n'
            f"      <td>{ymd(m.actual_date) or '—'}{warn}</td>\n"
            f"      <td>{cell}</td></tr>\n    "
        )
    if not out:
        out.append(f'<tr><td colspan="6" class="muted">{esc(_("尚未设置节点。"))}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def timeline_html(timeline) -> SafeString:
    """The card's SVG timeline (web.charts.timeline's coordinates), built in Python: exactly
    the HTML of the template block it replaced ('' without nodes)."""
    if not timeline:
        return mark_safe("")
    esc = conditional_escape
    t_base, t_plan, t_actual = esc(_("基线")), esc(_("计划")), esc(_("实际"))
    w, h = timeline["width"], timeline["height"]
    out = [
        f'\n  <svg class="timeline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{esc(_("节点时间轴"))}">\n    '
    ]
    for t in timeline["ticks"]:
        out.append(
            f'<line x1="{t["x"]}" y1="14" x2="{t["x"]}" y2="{h}" class="tick"/>'
            f'<text x="{t["x"]}" y="10" class="ticklbl">{esc(t["label"])}</text>'
        )
    out.append(
        f'\n    <line x1="{timeline["today_x"]}" y1="12" x2="{timeline["today_x"]}" y2="{h}" class="today"/>\n    '
    )
    for r in timeline["rows"]:
        y = r["y"]
        slip = f'<line x1="{r["bx"]}" y1="{y}" x2="{r["px"]}" y2="{y}" class="slip"/>' if r["slip"] else ""
        base = ""
        if r["bx"] is not None:
            base = (
                f'<rect x="{r["bxm"]}" y="{r["ym"]}" width="10" height="10" class="baseline" '
                f'transform="rotate(45 {r["bx"]} {y})"><title>{t_base}</title></rect>'
            )
        actual = ""
        if r["ax"] is not None:
            actual = f'<path d="M{r["ax"]} {y} m-5 0 l4 5 l7 -10" class="actual"><title>{t_actual}</title></path>'
        out.append(
            f'\n      <text x="4" y="{r["ty"]}" class="lbl">{esc(r["label"])}</text>\n'
            f"      {slip}\n      {base}\n"
            f'      <circle cx="{r["px"]}" cy="{y}" r="6" class="plan {esc(r["css"])}"><title>{t_plan}</title></circle>\n'
            f"      {actual}\n    "
        )
    out.append(
        f'\n  </svg>\n  <p class="legend"><span class="sw baseline"></span>{t_base} <span class="sw plan ok"></span>'
        f'{t_plan} <span class="sw actualsw"></span>{esc(_("实际完成"))} <span class="sw todaysw"></span>'
        f"{esc(_('今天'))}</p>\n  "
    )
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def report_rows_html(reports) -> SafeString:
    """The card's monthly report rows (the <tbody> loop), built in Python: exactly the HTML of
    the template loop they replaced. Each report carries `cumulative` and `plan_pct`."""
    esc = conditional_escape
    statuses = {value: esc(label) for value, label in ReportStatus.choices}
    out = []
    for r in reports:
        out.append(
            f'\n      <tr><td>{r.period.year:04d}-{r.period.month:02d}</td><td class="num">{esc(wan(r.amount))}</td>'
            f'<td class="num">{esc(wan(r.cumulative))}</td><td class="num">{esc(pct(r.plan_pct))}</td>'
            f'<td class="pre">{esc(r.progress)}</td><td class="pre">{esc(r.problems)}</td>\n'
            f"      <td>{report_status_html(r, statuses)}</td></tr>\n    "
        )
    if not out:
        out.append(f'<tr><td colspan="7" class="muted">{esc(_("尚无月度报告。"))}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def facts_html(project, total_done, spend_ahead_pp) -> SafeString:
    """The card's 项目卡片 facts (the <dl>'s rows), built in Python: exactly the HTML of the
    template block they replaced (tests/web/test_card_rows.py compares them); values shown as
    the template shows them (localize, amount_wan / amount_yi, '—' for none), every one escaped."""
    esc = conditional_escape

    def show(value) -> str:  # {{ value }}: localized, escaped
        return esc(localize(value))

    def row(label: str, value: str, css: str = "") -> str:
        return f"\n    <dt>{esc(label)}</dt><dd{css}>{value}</dd>"

    p = project
    stage = show(p.get_stage_display()) + (f" · {show(p.phase)}" if p.phase else "")
    total = _("%(wan)s（%(yi)s）") % {
        "wan": show(amount_wan(p.total_investment)),
        "yi": show(amount_yi(p.total_investment)),
    }
    gap = "—" if spend_ahead_pp is None else f"{show(spend_ahead_pp)} {esc(_('个百分点'))}"
    bond = (
        f"<dt>{esc(_('申请专项债'))}</dt><dd>{show(amount_wan(p.special_bond_amount))}</dd>"
        if p.is_special_bond
        else ""
    )
    out = [
        row(_("项目代码"), show(p.code or "—")),
        row(_("建设单位"), show(p.owner)),
        row(_("所在园区"), show(p.park.name if p.park else "")),
        row(_("所属产业"), show(p.industry.name if p.industry else "")),
        row(_("项目级别"), show(p.get_level_display())),
        row(_("列入年度"), show(p.year)),
        row(_("建设阶段"), stage),
        row(_("总投资"), total),
        row(_("累计完成投资"), show(amount_wan(total_done))),
        row(_("投资进度减形象进度"), gap, ' class="spend-gap"'),
        row(_("目标日期"), ymd(p.target_date) or "—"),
        row(_("包联领导"), show(p.leader or "—")),
        row(_("联系人"), f"{show(p.contact_person or '—')} {show(p.contact_phone)}"),
        f"\n    {bond}",
        row(_("建设内容"), show(p.construction_content or "—"), ' class="pre"'),
        "\n  ",
    ]
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


# The card's reads of the project's rows, compiled once (common.prepared): a fifth of the page's
# time was Django building and compiling the same SQL on every view.
_CARD_MILESTONES = Prepared(
    lambda pk: Milestone.objects.filter(project_id=pk).order_by("planned_date", "sequence", "id")
)
_CARD_PLANS = Prepared(lambda pk: AnnualPlan.objects.filter(project_id=pk).values("year", "planned_investment"))
_CARD_REPORTS = Prepared(lambda pk: InvestmentReport.objects.filter(project_id=pk).order_by("period"))


@login_required
def project_detail(request, pk: int):
    project = get_object_or_404(projects_visible_to(request.user).select_related("park", "industry"), pk=pk)
    if request.user.park_id is not None and request.user.park_id == project.park_id:
        request.user.park = project.park  # the header names the user's park: the one read with the project
    as_of = today()
    thresholds = SchedulingSettings.load()
    milestones = rules.set_order_warnings(related_to(project, "project", _CARD_MILESTONES(project.pk)))
    for m in milestones:
        if rules.is_open(m, as_of):
            m.cd = countdown_text((m.planned_date - as_of).days, m.display_name)
            m.days = (m.planned_date - as_of).days
        m.slip = (m.planned_date - m.baseline_date).days if m.baseline_date else 0
    plans = {row["year"]: row["planned_investment"] for row in _CARD_PLANS(project.pk)}
    reports = related_to(project, "project", _CARD_REPORTS(project.pk))  # who filed and reviewed: not on the card
    cumulative: dict[int, Decimal] = {}
    for r in reports:
        # Only submitted and approved reports count (projects.rules); a draft or a returned one
        # is listed with its status but adds nothing to the year to date.
        r.counts = report_counts(r.status)
        y = r.period.year
        cumulative[y] = cumulative.get(y, Decimal(0)) + (r.amount if r.counts else Decimal(0))
        r.cumulative = cumulative[y]
        plan = plans.get(y)
        r.plan = plan
        r.plan_pct = (r.cumulative / plan * 100).quantize(Decimal("0.1")) if plan else None
    shown_reports = list(reversed(reports))
    can_edit = can_write_park(request.user, project.park_id)
    total_done = sum((r.amount for r in reports if r.counts), Decimal(0))
    standard = [m for m in milestones if rules.is_standard(m.kind)]
    spent = sum((r.amount for r in reports if r.counts and r.period <= as_of), Decimal(0))  # as the ORM form
    history = history_entries(project)
    spend = (spent, project.total_investment, sum(rules.is_done(m, as_of) for m in standard), len(standard))
    spend_ahead_pp = rules.spend_ahead_gap(*spend)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "facts": facts_html(project, total_done, spend_ahead_pp),
            "milestones": milestones,
            "milestone_rows": milestone_rows_html(milestones, thresholds=thresholds),
            "timeline": timeline_html(timeline(milestones, as_of, thresholds)),
            "reports": shown_reports,
            "report_rows": report_rows_html(shown_reports),
            "plans": sorted(plans.items()),
            "total_done": total_done,
            "spend_ahead_pp": spend_ahead_pp,
            "spend_ahead": rules.is_spend_ahead(*spend, thresholds),
            "history": history,
            "history_rows": history_rows_html(history),
            "as_of": as_of,
            "thresholds": thresholds,
            "can_edit": can_edit,
            **problem_card(
                project, as_of, settings=thresholds, reports=reports, can_raise=can_edit, csrf_token=get_token(request)
            ),
        },
    )
