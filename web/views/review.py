"""The review page (月报审核): one period's submitted reports of the city, for the commission.

Filters by park (and its sub-parks), industry (and its descendants) and "amount jumps"
(projects.selectors.reports_for_review); approve many at once (checkboxes), return one with a
reason, close or reopen the month. Every write goes through projects.services (the same steps
as the API). A constant number of statements whatever the number of reports."""

from __future__ import annotations

import datetime as dt
import html

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from parks import access
from parks.models import Industry, Park
from projects import services
from projects.models import InvestmentReport, PeriodClose, ReportStatus
from projects.rules import last_full_month, period_now_due
from projects.selectors import (
    ReviewRows,
    projects_visible_to,
    reports_for_review,
    review_jump_thresholds,
    review_summary,
)
from web.forms import parse_period_param
from web.rows import around_pk
from web.templatetags.board import wan
from web.views.base import today

REVIEW_PAGE_SIZE = 100


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 18 else None


def _filters(request):
    park = Park.objects.filter(pk=_int(request.GET.get("park"))).first() if _int(request.GET.get("park")) else None
    industry = (
        Industry.objects.filter(pk=_int(request.GET.get("industry"))).first()
        if _int(request.GET.get("industry"))
        else None
    )
    status = request.GET.get("status") or ReportStatus.SUBMITTED
    if status not in (*ReportStatus.values, "all"):
        status = ReportStatus.SUBMITTED
    return park, industry, status, request.GET.get("jumps") == "1"


def _redirect(request, period):
    params = {k: v for k, v in request.GET.items() if k in ("park", "industry", "status", "jumps", "page")}
    params["period"] = f"{period:%Y-%m}"
    return redirect(f"{reverse('web:review')}?{urlencode(params)}")


def review_rows_html(reports, *, closed: bool, csrf: str) -> SafeString:
    """The table body's rows, built in Python: exactly the HTML the template's row loop made
    (tests/web/test_review_rows.py compares both, hostile text included); every value is
    escaped as the template's autoescape did (html.escape is what django's escape calls). `csrf` is the hidden input
    of {% csrf_token %} (django.template.backends.utils.csrf_input). cProfile: the loop through
    the template engine was most of the page's Python time at 100 rows."""
    esc = conditional_escape
    t_jump, t_reason_ph = esc(_("金额异常")), esc(_("退回原因（必填）"))
    t_reason, t_return, t_reason_label = esc(_("退回原因")), esc(_("退回")), esc(_("退回原因："))
    detail_head, detail_tail = around_pk("web:detail")
    jump_mark = f' <span title="{t_jump}">⚠</span>'
    # get_status_display hashes the lazy choices on every call (a third of this loop in cProfile):
    # the labels once; the park and industry names once each (html.escape is django's escape).
    labels = {value: esc(str(label)) for value, label in ReportStatus.choices}
    names: dict[tuple[str, int], str] = {}

    def named(kind, obj) -> str:
        key = (kind, obj.pk)
        if key not in names:
            names[key] = html.escape(str(obj.name))
        return names[key]

    def short(text) -> str:  # |truncatechars:80; a text of at most 80 characters is kept whole
        text = str(text)
        return text if len(text) <= 80 else Truncator(text).chars(80)

    out = []
    for r in reports:
        pk, project, status, jump = int(r.pk), r.project, r.status, r.jump
        st = html.escape(str(status))
        name = html.escape(str(project.name))
        check = ""
        if status == "submitted" and not closed:
            check = f'<input type="checkbox" name="ids" value="{pk}" form="approve-form" aria-label="{name}">'
        reason = ""
        if status == "returned" and r.return_reason:
            reason = (
                f'<div class="return-reason"><b>{t_reason_label}</b>'
                f'<span class="pre">{html.escape(str(r.return_reason))}</span></div>'
            )
        action = ""
        if not closed and status != "draft" and status != "returned":
            action = (
                f'\n        <form method="post" class="inline return-form">{csrf}'
                f'<input type="hidden" name="action" value="return"><input type="hidden" name="report" value="{pk}">\n'
                f'          <input type="text" name="reason" placeholder="{t_reason_ph}" '
                f'aria-label="{t_reason} {name}" size="16">\n'
                f'          <button type="submit" class="btn">{t_return}</button></form>'
            )
        out.append(
            f'\n    <tr data-report="{pk}" class="{"is-jump" if jump else ""}">\n'
            f"      <td>{check}</td>\n"
            f'      <td><a href="{detail_head}{int(project.pk)}{detail_tail}">{name}</a></td>\n'
            f"      <td>{named('park', project.park)}</td>\n"
            f"      <td>{named('industry', project.industry)}</td>\n"
            f'      <td class="num{" jump" if jump else ""}">{html.escape(wan(r.amount))}'
            f"{jump_mark if jump else ''}</td>\n"
            f'      <td class="num">{html.escape(wan(r.previous_amount))}</td>\n'
            f'      <td class="pre">{html.escape(short(r.progress))}</td>\n'
            f'      <td><span class="badge rs-{st}" data-status="{st}">'
            f"{labels.get(status, st)}</span>{reason}</td>\n"
            f"      <td>{action}</td>\n"
            f"    </tr>\n  "
        )
    if not out:
        out.append(f'\n    <tr><td colspan="9" class="muted">{esc(_("没有符合条件的月报。"))}</td></tr>\n  ')
    return mark_safe("\n  " + "".join(out))  # noqa: S308 — every value above is escaped


def _post(request, period) -> None:
    """One action of the page through the services; a refusal becomes the page's message."""
    user, action = request.user, request.POST.get("action")
    try:
        if action == "approve":
            ids = [_int(x) for x in request.POST.getlist("ids")]
            approved = services.reports_approve(user=user, report_ids=[i for i in ids if i], period=period)
            if not approved:
                messages.warning(request, _("没有选中可审核的月报（只有“已报送”的月报可以审核通过）。"))
            else:
                messages.success(request, _("已审核通过 %(n)d 份月报。") % {"n": len(approved)})
        elif action == "return":
            pk = _int(request.POST.get("report"))
            report = InvestmentReport.objects.filter(project__in=projects_visible_to(user), pk=pk).first()
            if report is None:
                messages.error(request, _("月报不存在或不在您的管辖范围内。"))
                return
            services.report_return(user=user, report=report, reason=request.POST.get("reason"))
            messages.success(request, _("已退回：%(name)s。") % {"name": report.project.name})
        elif action == "close":
            services.period_close(user=user, period=period, today=today())
            messages.success(request, _("%(p)s 已关账。") % {"p": f"{period:%Y-%m}"})
        elif action == "reopen":
            services.period_reopen(user=user, period=period)
            messages.success(request, _("%(p)s 已重新开账。") % {"p": f"{period:%Y-%m}"})
        else:
            messages.error(request, _("未知的操作。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))


@login_required
@require_http_methods(["GET", "POST"])
def review(request):
    """GET ?period=YYYY-MM (default the month now due), &park=, &industry=, &jumps=1, &status=."""
    if not access.is_commission(request.user):
        raise PermissionDenied(_("只有发改委可以审核月报。"))
    as_of = today()
    period = parse_period_param(request.GET.get("period"), period_now_due(as_of), request=request)
    if request.method == "POST":
        _post(request, period)
        return _redirect(request, period)
    park, industry, status, jumps = _filters(request)
    park_ids = Park.objects.descendant_ids([park.pk]) if park else None
    industry_ids = Industry.objects.descendant_ids([industry.pk]) if industry else None
    every = reports_for_review(
        user=request.user, period=period, status=None, park_ids=park_ids, industry_ids=industry_ids
    )
    # The count per status (the tabs) and the jumps among the submitted ones.
    summary = review_summary(user=request.user, period=period, park_ids=park_ids, industry_ids=industry_ids)
    shown = every if status == "all" else every.filter(status=status)
    if jumps:
        shown = shown.filter(jump=True)
    # The summary has already counted what is shown: no second COUNT over the month.
    count = None
    if status == "all" and not jumps:
        count = summary["total"]
    elif status != "all" and not jumps:
        count = summary[status]
    elif status == ReportStatus.SUBMITTED:
        count = summary["jumps"]
    parks = list(Park.objects.order_by("sort_order", "code"))
    order = [p.pk for p in parks if park_ids is None or p.pk in park_ids]
    rows = ReviewRows(
        shown,
        order,
        count=count,
        related=("project", "project__park", "project__industry", "submitted_by", "reviewed_by"),
        walk=not jumps,
    )
    paginator = Paginator(rows, REVIEW_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    closing = PeriodClose.objects.filter(period=period).select_related("closed_by").first()
    factor, minimum = review_jump_thresholds()
    reports = list(page.object_list)
    closed = bool(closing and closing.closed)
    query = {"period": f"{period:%Y-%m}"}
    for key, value in (("park", park and park.pk), ("industry", industry and industry.pk), ("jumps", jumps and "1")):
        if value:
            query[key] = value
    prev_month = (period.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    next_month = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return render(
        request,
        "projects/review.html",
        {
            "period": period,
            "period_str": f"{period:%Y-%m}",
            "prev_month": f"{prev_month:%Y-%m}",
            "next_month": f"{next_month:%Y-%m}",
            "page": page,
            "reports": reports,
            "review_rows": review_rows_html(reports, closed=closed, csrf=csrf_input(request)),
            "summary": summary,
            "status": status,
            "statuses": [(s, label, summary[s]) for s, label in ReportStatus.choices],
            "jumps": jumps,
            "park": park,
            "industry": industry,
            "parks": parks,
            "industries": Industry.objects.order_by("code"),
            "closing": closing,
            "closed": closed,
            "can_close": period <= last_full_month(as_of),
            "factor": factor,
            "minimum": minimum,
            "query": urlencode({**query, "status": status}),
            "filter_query": urlencode(query),
        },
    )
