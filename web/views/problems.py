"""The 督办 page (/problems/): every problem in the caller's scope, filtered by status, category,
park, department and overdue, sorted by deadline; the commission assigns (many at once),
confirms (many at once) and reopens; a park admin handles its own. "转为督办" on the project
card raises a problem from a monthly report's 存在问题 (/projects/<id>/problems/new/). Every
write goes through escalation.services (the same steps as the API); a constant number of
statements whatever the number of problems."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.prepared import Prepared, related_to
from escalation import rules, services
from escalation.models import Department, Problem, ProblemCategory, ProblemStatus
from parks import access
from parks.models import Park
from projects.selectors import can_write_park, projects_visible_to
from scheduling.models import SchedulingSettings
from web.rows import csrf_input
from web.views.base import today

PAGE_SIZE = 100
FILTERS = ("status", "category", "park", "department", "overdue")
ORDER = ("deadline", "raised_on", "pk")  # the index problem_list_order


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the list without counting it all: PAGE_SIZE + 1 rows are read, so "next"
    is known without a COUNT over every problem in scope (the default order is served by the
    index problem_list_order, so a page reads about PAGE_SIZE rows)."""

    number: int
    object_list: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(qs, number) -> Page:
    n = _int(number) or 1
    n = min(max(n, 1), 100_000)
    rows = list(qs[(n - 1) * PAGE_SIZE : n * PAGE_SIZE + 1])
    return Page(n, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE)


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 18 else None


def decorate(problems, as_of, settings) -> list:
    """Countdown text and colour, category and status labels of each problem (no query; the
    labels looked up once, not per row through get_FOO_display)."""
    items = list(problems)
    categories = {k: str(v) for k, v in ProblemCategory.choices}
    statuses = {k: str(v) for k, v in ProblemStatus.choices}
    head, tail = reverse("web:detail", args=[0]).rsplit("0", 1)  # one reverse, not one per row
    for p in items:
        p.detail_url = f"{head}{p.project_id}{tail}"
        p.category_label = categories.get(p.category, p.category)
        p.status_label = statuses.get(p.status, p.status)
        p.days = rules.days_left(p, as_of)
        p.cd = rules.countdown_text(p.days)
        p.level = rules.countdown_level(p, as_of, settings)
        p.overdue = rules.is_overdue(p, as_of)
    return items


def _date(d) -> str:
    return d.isoformat() if d else ""  # the template's |date:"Y-m-d" on a DateField


def render_rows(problems, *, is_commission: bool, csrf_token: str) -> SafeString:
    """The table's rows (decorated problems) as the template's loop wrote them, byte for byte,
    built in Python: every value escaped (escape / format_html), the per-row forms' strings
    translated once. tests/web/test_problems.py compares it with the former template loop."""
    csrf = csrf_input(csrf_token)
    handle = (
        f'<form method="post" class="inline">{csrf}<input type="hidden" name="action" value="handle">'
        '<input type="hidden" name="problem" value="{pk}">\n'
        f'          <input type="text" name="note" placeholder="{escape(_("办理情况（必填）"))}" '
        f'aria-label="{escape(_("办理情况"))}" size="14">\n'
        f'          <input type="date" name="handled_on" aria-label="{escape(_("办理日期"))}">\n'
        f'          <button type="submit" class="btn">{escape(_("办理"))}</button></form>'
    )
    reopen = (
        f'<form method="post" class="inline">{csrf}<input type="hidden" name="action" value="reopen">'
        '<input type="hidden" name="problem" value="{pk}">\n'
        f'          <input type="text" name="reason" placeholder="{escape(_("退回原因（必填）"))}" '
        f'aria-label="{escape(_("退回原因"))}" size="12">\n'
        f'          <button type="submit" class="btn">{escape(_("退回重办"))}</button></form>'
    )
    out = []
    for p in problems:
        pk = escape(p.pk)
        status = escape(p.status)
        name = escape(p.project.name)
        check = (
            f'<td><input type="checkbox" name="ids" value="{pk}" form="bulk-form" aria-label="{name}"></td>'
            if is_commission
            else ""
        )
        cd = f'<br><span class="cd st-{escape(p.level)}">{escape(p.cd)}</span>' if p.cd else ""
        handled = (
            f"<br><small>{_date(p.handled_on)} {escape(Truncator(p.handling_note).chars(60))}</small>"
            if p.handled_on
            else ""
        )
        dept = p.department.name if p.department else ""
        out.append(
            f'\n    <tr data-problem="{pk}" data-status="{status}">\n'
            f"      {check}\n"
            f"      <td>{escape(p.dispatch_no or '—')}</td>\n"
            f'      <td><a href="{escape(p.detail_url)}#problems">{name}</a></td>\n'
            f"      <td>{escape(p.project.park.name)}</td>\n"
            f"      <td>{escape(p.category_label)}</td>\n"
            f'      <td class="pre">{escape(Truncator(p.description).chars(120))}</td>\n'
            f"      <td>{escape(dept or '—')}</td>\n"
            f"      <td>{_date(p.deadline) or '—'}{cd}</td>\n"
            f'      <td><span class="badge ps-{status}">{escape(p.status_label)}</span>{handled}</td>\n'
            "      <td>\n"
            f"        {handle.replace('{pk}', pk) if p.status == ProblemStatus.ASSIGNED else ''}\n"
            f"        {reopen.replace('{pk}', pk) if is_commission and p.status == ProblemStatus.HANDLED else ''}\n"
            "      </td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above went through escape / format_html


def _filtered(request, as_of):
    qs = services.problems_visible_to(request.user)
    g = request.GET
    if g.get("status") in ProblemStatus.values:
        qs = qs.filter(status=g["status"])
    if g.get("category") in ProblemCategory.values:
        qs = qs.filter(category=g["category"])
    park = _int(g.get("park"))
    if park:
        qs = qs.filter(project__park_id__in=Park.objects.descendant_ids([park]))
    dept = _int(g.get("department"))
    if dept:
        qs = qs.filter(department_id=dept)
    if g.get("overdue") == "1":
        qs = qs.filter(rules.overdue_q(as_of))
    elif g.get("overdue") == "0":
        qs = qs.exclude(rules.overdue_q(as_of))
    return qs


def _scoped(user, pk) -> Problem | None:
    return services.problems_visible_to(user).select_related("project").filter(pk=_int(pk) or 0).first()


def _post(request) -> None:
    user, action = request.user, request.POST.get("action")
    try:
        if action in ("assign", "confirm"):
            ids = [i for i in (_int(x) for x in request.POST.getlist("ids")) if i]
            chosen = list(services.problems_visible_to(user).select_related("project").filter(pk__in=ids))
            if not chosen:
                messages.warning(request, _("请先勾选督办问题。"))
                return
            dept = Department.objects.filter(pk=_int(request.POST.get("department")) or 0, active=True).first()
            for problem in chosen:
                if action == "assign":
                    services.problem_assign(
                        user=user, problem=problem, department=dept or "", deadline=request.POST.get("deadline")
                    )
                else:
                    services.problem_confirm(user=user, problem=problem)
            done = _("已交办 %(n)d 件。") if action == "assign" else _("已确认办结 %(n)d 件。")
            messages.success(request, done % {"n": len(chosen)})
            return
        problem = _scoped(user, request.POST.get("problem"))
        if problem is None:
            messages.error(request, _("督办问题不存在或不在您的管辖范围内。"))
            return
        if action == "handle":
            services.problem_handle(
                user=user, problem=problem, note=request.POST.get("note"), handled_on=request.POST.get("handled_on")
            )
            messages.success(request, _("已办理：%(no)s。") % {"no": problem.dispatch_no or problem.pk})
        elif action == "reopen":
            services.problem_reopen(user=user, problem=problem, reason=request.POST.get("reason"))
            messages.success(request, _("已退回重办：%(no)s。") % {"no": problem.dispatch_no or problem.pk})
        else:
            messages.error(request, _("未知的操作。"))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))


@login_required
@require_http_methods(["GET", "POST"])
def problem_list(request):
    if request.method == "POST":
        _post(request)
        params = {k: v for k, v in request.GET.items() if k in (*FILTERS, "page")}
        return redirect(f"{reverse('web:problems')}?{urlencode(params)}")
    as_of = today()
    settings = SchedulingSettings.load()
    qs = _filtered(request, as_of).select_related("project", "project__park", "department")
    page = page_of(qs.order_by(*ORDER), request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k in FILTERS}
    problems = decorate(page.object_list, as_of, settings)
    is_commission = access.is_commission(request.user)
    csrf_token = get_token(request)  # one token for the rows' forms and the bulk form
    return render(
        request,
        "problems/problem_list.html",
        {
            "problems": problems,
            "rows": render_rows(problems, is_commission=is_commission, csrf_token=csrf_token),
            "csrf_token": csrf_token,
            "page": page,
            "filter_query": urlencode(params),
            "query": urlencode(params),
            "f": params,
            "statuses": ProblemStatus.choices,
            "categories": ProblemCategory.choices,
            "parks": access.visible_parks(request.user).order_by("sort_order", "code"),
            "departments": list(Department.objects.filter(active=True)),
            "is_commission": is_commission,
            "as_of": as_of,
        },
    )


@login_required
@require_POST
def problem_raise(request, pk: int):
    """转为督办: a problem of project `pk` (in the caller's writable scope), its description
    pre-filled from a report's 存在问题 (the card's form), the category chosen by the user."""
    project = get_object_or_404(projects_visible_to(request.user), pk=pk)
    if not can_write_park(request.user, project.park_id):
        raise PermissionDenied(_("您无权处理该项目的督办问题。"))
    try:
        services.problem_raise(
            user=request.user,
            project=project,
            category=request.POST.get("category"),
            description=request.POST.get("description"),
        )
        messages.success(request, _("已转为督办问题，等待发改委交办。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("web:detail", args=[project.pk]) + "#problems")


# Compiled once (common.prepared): the card shows them on every view.
_CARD_PROBLEMS = Prepared(
    lambda pk: Problem.objects.filter(project_id=pk).select_related("department").order_by("deadline", "pk")
)


def card_context(project, as_of, *, settings, reports, can_raise: bool, csrf_token: str) -> dict:
    """The project card's 督办 section: its problems with their countdown (one statement), from
    what the card has read already: its `settings`, all the project's `reports` (one per
    period), whether the user may write to the project's park (`can_raise`) and the page's
    `csrf_token` (one for every form of the page, as the template's tag gives)."""
    problems = decorate(related_to(project, "project", _CARD_PROBLEMS(project.pk)), as_of, settings)
    problem_reports = [r for r in sorted(reports, key=lambda r: r.period, reverse=True) if r.problems != ""][:12]
    select = category_select_html(ProblemCategory.choices)
    return {
        "problems": problems,
        "problem_rows": card_rows_html(problems),
        "problem_reports": problem_reports,
        "raise_forms": raise_forms_html(project.pk, problem_reports, select, csrf_token) if can_raise else "",
        "category_select": select,
        "categories": ProblemCategory.choices,
        "can_raise": can_raise,
        "csrf_token": csrf_token,
    }


def card_rows_html(problems) -> SafeString:
    """The card's 督办 rows (decorated problems), built in Python: exactly the HTML of the
    template loop they replaced (tests/web/test_card_rows.py compares them)."""
    esc = conditional_escape
    out = []
    for p in problems:
        cd = f' <span class="cd st-{esc(p.level)}" data-testid="problem-countdown">{esc(p.cd)}</span>' if p.cd else ""
        dept = p.department.name if p.department else ""
        out.append(
            f'\n      <tr data-problem="{esc(p.pk)}"><td>{esc(p.dispatch_no or "—")}</td>'
            f'<td>{esc(p.category_label)}</td><td class="pre">{esc(p.description)}</td><td>{esc(dept or "—")}</td>\n'
            f"      <td>{_date(p.deadline) or '—'}{cd}</td>\n"
            f'      <td><span class="badge ps-{esc(p.status)}">{esc(p.status_label)}</span></td></tr>\n    '
        )
    if not out:
        out.append(f'<tr><td colspan="6" class="muted">{esc(_("暂无督办问题。"))}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def category_select_html(categories) -> SafeString:
    """The raise forms' category <select> (the same in every form of the card)."""
    esc = conditional_escape
    options = "".join(f'<option value="{esc(v)}">{esc(label)}</option>' for v, label in categories)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<select name="category" aria-label="{esc(_("问题类别"))}"><option value="">{esc(_("问题类别"))}</option>'
        f"{options}</select>"
    )


def raise_forms_html(project_pk: int, problem_reports, select: str, csrf_token: str) -> SafeString:
    """One 转为督办 form per report with 存在问题 (the card's loop), built in Python: exactly the
    template loop's HTML, the {% csrf_token %} tag's input included."""
    esc = conditional_escape
    csrf = csrf_input(csrf_token)
    action = esc(reverse("web:problem_raise", args=[project_pk]))
    head = f'\n  <form method="post" action="{action}" class="inline raise-form">{csrf}\n'
    label, textarea = (
        esc(_("存在问题")),
        f'<textarea name="description" rows="2" cols="50" aria-label="{esc(_("问题描述"))}">',
    )
    button = f'<button type="submit" class="btn" data-testid="raise-problem">{esc(_("转为督办"))}</button>'
    out = []
    for r in problem_reports:
        out.append(
            f"{head}    <b>{r.period.year:04d}-{r.period.month:02d} {label}</b>\n"
            f"    {textarea}{esc(r.problems)}</textarea>\n"
            f"    {select}\n"
            f"    {button}\n"
            "  </form>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
