"""The monthly grid (月度填报): one park's month of investment reports."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Sum, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from parks.access import visible_parks, writable_parks
from parks.models import Park
from projects import services
from projects.models import AnnualPlan, InvestmentReport, ReportStatus
from projects.reporting import expected_q
from projects.rules import counted_q, period_is_closed, period_now_due, report_due_date
from projects.selectors import can_write_park, projects_visible_to
from web.forms import (
    GridRowForm,
    _flat_attrs,
    parse_period_param,
)
from web.rows import around_pk, report_status_html
from web.templatetags.board import wan
from web.views.base import refuse_park_filter, today

GRID_PAGE_SIZE = 100  # rows per page of the monthly grid


GRID_MISSING_SHOWN = 50  # names listed in the "not reported yet" summary; the count is the whole park's


def _grid_url(park, period: dt.date, page_number: int = 1) -> str:
    params = {"park": park.pk, "period": f"{period:%Y-%m}"}
    if page_number > 1:
        params["page"] = page_number
    return f"{reverse('web:grid')}?{urlencode(params)}"


GRID_PARK_REFUSED = gettext_lazy("无法打开所选园区（不存在或不在您的权限范围内），已打开%(park)s。")


def _grid_park(request, park_id: str | None):
    """(the parks the user may pick, the chosen park). A GET for a park the user may not see (or
    that does not exist) opens the user's default park and says so; a POST for it is refused."""
    user = request.user
    if user.is_park_admin:
        parks = writable_parks(user)
        default_park = user.park
    else:
        parks = Park.objects.filter(parent__isnull=True)
        default_park = parks.first()
    # Any park the user sees may be opened (the reporting-status page links to sub-parks too);
    # the picker lists the user's writable parks, or the top-level parks.
    asked = park_id and park_id.isdigit()
    park = visible_parks(user).filter(pk=park_id).first() if asked else default_park
    if park_id and park is None and request.method == "GET" and default_park is not None:
        refuse_park_filter(request, GRID_PARK_REFUSED % {"park": default_park.name})
        park = default_park
    if park is None:
        raise Http404(_("没有可填报的园区。"))
    return parks, park


def _grid_rows(request, projects: list, period: dt.date) -> list[dict]:
    """One row per project: its report of the month, year to date and annual plan, and on a
    POST its form (bound to the posted data). A GET builds no forms: grid_rows_html draws the
    empty and prefilled inputs itself (the same HTML as the forms' widgets)."""
    existing = {r.project_id: r for r in InvestmentReport.objects.filter(project__in=projects, period=period)}
    ytd = dict(
        InvestmentReport.objects.filter(
            counted_q(), project__in=projects, period__gte=period.replace(month=1), period__lt=period
        )
        .values_list("project_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    plans = dict(
        AnnualPlan.objects.filter(project__in=projects, year=period.year).values_list(
            "project_id", "planned_investment"
        )
    )
    posted = request.method == "POST"
    rows = []
    for p in projects:
        report = existing.get(p.pk)
        form = None
        if posted:
            initial = (
                {"amount": report.amount, "progress": report.progress, "problems": report.problems} if report else None
            )
            form = grid_row_form(p, request.POST, initial=initial, has_report=report is not None)
        # An approved report is the commission's to change (CONTRACT v2): read-only for the park.
        locked = report is not None and report.status == ReportStatus.APPROVED and not request.user.is_commission
        rows.append(
            {
                "project": p,
                "report": report,
                "form": form,
                "ytd": ytd.get(p.pk),
                "plan": plans.get(p.pk),
                "locked": locked,
            }
        )
    return rows


def grid_row_form(project, data, *, initial, has_report: bool) -> GridRowForm:
    """The row's form, as the grid posts it (prefix p<id>, each input labelled with the project)."""
    form = GridRowForm(data, prefix=f"p{project.pk}", initial=initial, has_report=has_report)
    for field in form.fields.values():
        field.widget.attrs["aria-label"] = f"{project.name} {field.label}"
    return form


GRID_FIELDS = ("amount", "progress", "problems")


def grid_rows_html(rows: list[dict], *, park_id: int, writable: bool) -> SafeString:
    """The grid's table rows (the <tbody> loop), built in Python: exactly the HTML of the
    template loop they replaced, with the forms' widgets and the status include
    (tests/web/test_grid_rows.py compares both, hostile text, errors and both languages
    included). A row without a form (a GET) gets the inputs its unbound form would draw
    (GridTextInput / GridTextarea: the base fields' attributes, aria-label, id; the report's
    values prefilled). cProfile at 100 rows: the template loop with 300 widgets was ~0.1 s of
    the page's 0.165 s."""
    esc = conditional_escape
    detail_head, detail_tail = around_pk("web:detail")
    base = GridRowForm.base_fields
    labels = {name: str(base[name].label) for name in GRID_FIELDS}
    # The widgets' own attributes (GridRowForm keeps the textarea's when it swaps the widget).
    static = {name: _flat_attrs(base[name].widget.attrs) for name in GRID_FIELDS}
    statuses = {value: esc(str(label)) for value, label in ReportStatus.choices}
    t_none = esc(_("未报送"))
    names: dict[int, str] = {}

    def errors_html(errors) -> str:
        if not errors:
            return ""
        return '<ul class="field-errors">' + "".join(f"<li>{esc(e)}</li>" for e in errors) + "</ul>"

    def unbound(p, pk: int, name: str, value) -> str:
        """The unbound form's widget: GridTextInput / GridTextarea of web.forms."""
        attrs = static[name] + format_html(' aria-label="{} {}" id="id_p{}-{}"', p.name, labels[name], pk, name)
        if name == "amount":
            shown = "" if value is None or value == "" else format_html(' value="{}"', value)
            return f'<input type="text" name="p{pk}-amount"{shown}{attrs}>'
        body = esc(value) if value else ""
        return f'<textarea name="p{pk}-{name}"{attrs}>\n{body}</textarea>'

    out = []
    for r in rows:
        p, report, form = r["project"], r["report"], r["form"]
        pk = int(p.pk)
        css = "has-error" if form is not None and form.errors else ("unreported" if not report else "")
        park = ""
        if p.park_id != park_id:
            if p.park_id not in names:
                names[p.park_id] = esc(p.park.name)
            park = f'<br><small class="muted">{names[p.park_id]}</small>'
        cells = []
        for name in GRID_FIELDS:
            if writable and not r["locked"]:
                if form is not None:
                    cell = str(form[name])
                else:
                    cell = unbound(p, pk, name, getattr(report, name) if report else None)
            elif name == "amount":
                cell = esc(wan(report.amount if report else ""))
            else:
                cell = esc(getattr(report, name)) if report else ""
            if form is not None:
                cell += errors_html(form[name].errors)
            cells.append(cell)
        status = report_status_html(report, statuses) if report else f'<span class="badge st-none">{t_none}</span>'
        out.append(
            f'\n    <tr class="{css}" data-project="{pk}">\n'
            f'      <td><a href="{detail_head}{pk}{detail_tail}">{esc(p.name)}</a>{park}</td>\n'
            f'      <td class="num">{esc(wan(r["plan"]))}</td>\n'
            f'      <td class="num">{esc(wan(r["ytd"]))}</td>\n'
            f"      <td>{cells[0]}</td>\n"
            f"      <td>{cells[1]}</td>\n"
            f"      <td>{cells[2]}</td>\n"
            f'      <td class="status-cell">{status}</td>\n'
            f"    </tr>\n  "
        )
    if not out:
        out.append(f'\n    <tr><td colspan="7" class="muted">{esc(_("该园区没有项目。"))}</td></tr>\n  ')
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def _grid_save(request, rows: list[dict], period: dt.date, asked: str | None) -> bool:
    """The posted rows through projects.services.report_file (the same checks and messages as
    the API and the Excel import), all or none; True when saved. Errors go to the rows' forms
    and the page's messages."""
    rows = [r for r in rows if not r["locked"]]
    if not all(r["form"].is_valid() for r in rows):
        messages.error(request, _("有填写错误的行（已标红），本次未保存任何数据。"))
        return False
    # Two buttons (CONTRACT v2 review): 保存草稿 keeps new reports as drafts, 报送 submits the
    # rows (drafts and returned ones included); a closed month needs the commission's reason.
    status = ReportStatus.DRAFT if request.POST.get("action") == "draft" else ReportStatus.SUBMITTED
    lines = [
        services.ReportRow(
            project=r["project"],
            amount=r["form"].cleaned_data["amount"],
            progress=r["form"].cleaned_data["progress"],
            problems=r["form"].cleaned_data["problems"],
            ref=r["project"].pk,
        )
        for r in rows
    ]
    try:
        # The month goes to the service as asked for: a month out of range is the service's message.
        filing = services.report_file(
            user=request.user,
            period=asked or period,
            rows=lines,
            correct_existing=True,
            status=status,
            correction_reason=request.POST.get("correction_reason"),
        )
    except services.RowsRefused as refused:
        forms_by_project = {r["project"].pk: r["form"] for r in rows}
        shown: list[str] = []
        for bad in refused.rows:
            form = forms_by_project[bad.ref]
            for field, errors in bad.errors.items():
                form.add_error(field if field in form.fields else None, errors)
                shown += [e for e in errors if e not in shown]
        messages.error(request, " ".join(shown))
        return False
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    done = {"period": period.strftime("%Y-%m"), "c": len(filing.created), "u": len(filing.corrected)}
    if status == ReportStatus.DRAFT:
        messages.success(
            request, _("%(period)s 草稿已保存：新建 %(c)d 个，修改 %(u)d 个（草稿不计入统计，请记得报送）。") % done
        )
    else:
        messages.success(request, _("%(period)s 月度投资已保存：新报送 %(c)d 个项目，更正 %(u)d 个项目。") % done)
    return True


def _in_park_order(qs, parks: list, counts: dict[int, int], start: int, stop: int) -> list:
    """Rows start..stop of `qs` in the grid's order (park by sort order and code, then name, id),
    given each park's number of rows: one statement, a UNION ALL of one slice per park, each
    read on the index (park_id, name, id) with LIMIT instead of sorting the whole park. SQLite
    (no slicing inside a compound statement) sorts the usual way."""
    if not connection.features.supports_slicing_ordering_in_compound:
        ordering = ("park__sort_order", "park__code", "name", "id")
        return list(qs.filter(park_id__in=[p.pk for p in parks]).select_related("park").order_by(*ordering)[start:stop])
    parts, offset = [], 0
    for position, park in enumerate(parks):
        n = counts.get(park.pk, 0)
        lo, hi = max(start - offset, 0), min(stop - offset, n)
        if lo < hi:
            part = qs.filter(park_id=park.pk).annotate(grid_pos=Value(position, output_field=IntegerField()))
            parts.append(part.order_by("name", "id")[lo:hi])
        offset += n
    if not parts:
        return []
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = list(combined.order_by("grid_pos", "name", "id")) if len(parts) > 1 else list(combined)
    by_id = {park.pk: park for park in parks}
    for row in rows:
        row.park = by_id[row.park_id]
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def report_grid(request):
    """One park's month, GRID_PAGE_SIZE projects a page. A save posts the rows of the displayed
    page (their ids travel in the hidden `rows` field) and stores them all or none; the summary
    of who has not reported yet covers the whole park with one aggregate."""
    user = request.user
    as_of = today()
    asked = request.GET.get("period")
    # Without ?period= the grid opens on the month now due (November's reports are filed in
    # December), not on the calendar month.
    period = parse_period_param(asked, period_now_due(as_of), request=request)
    parks, park = _grid_park(request, request.GET.get("park"))
    writable = can_write_park(user, park.pk)
    if request.method == "POST" and not writable:
        raise PermissionDenied(_("您无权填报该园区的月度投资。"))
    # 关账: the park's grid is read-only for a closed month (the service refuses it anyway); the
    # commission may still correct, with a reason.
    closed = period_is_closed(period)
    needs_reason = closed and user.is_commission
    ordering = ("park__sort_order", "park__code", "name", "id")
    # Only the projects expected to report (projects.reporting: signed, under construction,
    # completed; not 投产/达效), and only a report that counts (submitted, approved) is reported.
    # The park and its sub-parks in the grid's order (one query), their expected projects counted
    # per park with those not reported yet (one GROUP BY): the pager's count, the summary, and
    # where each park's rows start on the pages.
    parks_in_order = list(
        Park.objects.filter(pk__in=Park.objects.descendant_ids([park.pk])).order_by("sort_order", "code")
    )
    in_park = projects_visible_to(user).filter(expected_q(), park_id__in=[p.pk for p in parks_in_order])
    reported = InvestmentReport.objects.filter(counted_q(), project=OuterRef("pk"), period=period)
    per_park = {
        row["park_id"]: row
        for row in in_park.order_by()
        .values("park_id")
        .annotate(total=Count("pk"), missing=Count("pk", filter=~Q(Exists(reported))))
    }
    summary = {
        "total": sum(r["total"] for r in per_park.values()),
        "missing": sum(r["missing"] for r in per_park.values()),
    }
    paginator = Paginator(in_park.order_by(*ordering), GRID_PAGE_SIZE)
    paginator.count = summary["total"]  # already counted above: no second COUNT
    number = paginator.get_page(request.GET.get("page")).number  # validated; no query (count known)
    start = (number - 1) * GRID_PAGE_SIZE
    if request.method == "POST" and "rows" in request.POST:
        # Exactly the rows the user saw, even if projects were added or removed meanwhile.
        ids = [int(x) for x in request.POST["rows"].split(",") if x.strip().isdigit()][:GRID_PAGE_SIZE]
        projects = list(in_park.filter(pk__in=ids).select_related("park").order_by(*ordering))
    else:
        counts = {pk: r["total"] for pk, r in per_park.items()}
        projects = _in_park_order(in_park, parks_in_order, counts, start, start + GRID_PAGE_SIZE)
    page = Page(projects, number, paginator)
    rows = _grid_rows(request, projects, period)
    if request.method == "POST" and _grid_save(request, rows, period, asked):
        return redirect(_grid_url(park, period, page.number))
    missing_counts = {pk: r["missing"] for pk, r in per_park.items()}
    missing = _in_park_order(
        in_park.filter(~Exists(reported)).only("id", "name", "park_id"),
        parks_in_order,
        missing_counts,
        0,
        GRID_MISSING_SHOWN,
    )
    editable = writable and (not closed or user.is_commission)
    due = report_due_date(period)
    prev_month = (period - dt.timedelta(days=1)).replace(day=1)
    next_month = (period + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "projects/report_grid.html",
        {
            "rows": rows,
            "grid_rows": grid_rows_html(rows, park_id=park.pk, writable=editable),
            "row_ids": ",".join(str(p.pk) for p in projects),
            "page": page,
            "query": urlencode({"park": park.pk, "period": f"{period:%Y-%m}"}),
            "park": park,
            "parks": parks,
            "period": period,
            "period_str": f"{period:%Y-%m}",
            "prev_month": f"{prev_month:%Y-%m}",
            "next_month": f"{next_month:%Y-%m}",
            "due": due,
            "days_to_due": (due - as_of).days,
            "missing": missing,
            "missing_count": summary["missing"],
            "project_count": summary["total"],
            "writable": editable,
            "closed": closed,
            "needs_reason": needs_reason,
            "as_of": as_of,
        },
    )
