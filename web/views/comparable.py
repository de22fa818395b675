"""The comparable-base page (可比口径): one period's growth by industry and for the city, with the
base each row uses (月报汇总 or 可比口径), and a form per row for the commission to enter, change
or remove a comparable prior-year figure. Writes go through scheduling.services (the same rules,
history and snapshot refresh as the API and the admin). Constant number of statements."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from common.money import AmountError, parse_amount
from common.spreadsheets import XLSX_CONTENT_TYPE, safe_row
from parks import access
from parks.models import Industry
from projects.imports import ImportRefused, check_upload, import_max_rows
from projects.rules import period_is_closed, stats_default_period
from scheduling import services
from scheduling.models import ComparableBase
from scheduling.selectors import industry_growth
from web.forms import parse_period_param
from web.views.base import today

TEMPLATE_HEADERS = (
    gettext_lazy("报告期*"),
    gettext_lazy("产业代码*（全市填“全市”）"),
    gettext_lazy("产业名称（仅供参考）"),
    gettext_lazy("可比上年同期（万元）*"),
)
ERRORS_SHOWN = 50


def _file_rows(upload) -> list[tuple[int, object, object, object]]:
    """(Excel row, period, industry code, amount) of each non-blank data row of the first sheet;
    ImportRefused for a file that is not a sound workbook or has too many rows."""
    import openpyxl

    check_upload(upload, name=getattr(upload, "name", ""))
    try:
        wb = openpyxl.load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise ImportRefused(_("无法读取该 Excel 文件；请下载模板填写后上传。")) from None
    rows = []
    try:
        for number, values in enumerate(wb.worksheets[0].iter_rows(min_row=2, max_col=4, values_only=True), 2):
            values = (*values, None, None, None, None)[:4]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) >= import_max_rows():
                raise ImportRefused(_("行数超过上限 %(n)d 行。") % {"n": import_max_rows()})
            rows.append((number, values[0], values[1], values[3]))
    finally:
        wb.close()
    return rows


def _import(request) -> None:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要导入的 Excel 文件。"))
        return
    try:
        saved = services.comparable_bases_file(user=request.user, rows=_file_rows(upload))
    except ImportRefused as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        shown = exc.messages[:ERRORS_SHOWN]
        more = len(exc.messages) - len(shown)
        tail = [_("……另有 %(n)d 处错误。") % {"n": more}] if more else []
        messages.error(request, " ".join([_("未导入任何数据："), *shown, *tail]))
    else:
        messages.success(request, _("已导入 %(n)d 条可比口径。") % {"n": saved})


@login_required
def comparable_template(request):
    """The Excel template of one period (?period=, default the dashboard's): the city and every
    industry, with the comparable bases already entered."""
    if not access.is_commission(request.user):
        raise PermissionDenied(_("只有发改委可以填写可比口径。"))
    import openpyxl

    period = parse_period_param(request.GET.get("period"), stats_default_period(today()), request=request)
    bases = dict(ComparableBase.objects.filter(period=period).values_list("industry_id", "prior_ytd"))
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("可比口径"))
    ws.append(safe_row([str(h) for h in TEMPLATE_HEADERS]))
    ws.append(safe_row([f"{period:%Y-%m}", _("全市"), _("全市"), bases.get(None)]))
    for pk, code, name in Industry.objects.order_by("code").values_list("pk", "code", "name"):
        ws.append(safe_row([f"{period:%Y-%m}", code, name, bases.get(pk)]))
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="comparable-{period:%Y-%m}.xlsx"'
    return response


def _post(request, period) -> None:
    user, action = request.user, request.POST.get("action")
    if action == "import":
        _import(request)
        return
    raw_industry = request.POST.get("industry") or ""
    industry = None
    if raw_industry:
        valid = raw_industry.isascii() and raw_industry.isdigit() and len(raw_industry) < 18
        industry = Industry.objects.filter(pk=int(raw_industry)).first() if valid else None
        if industry is None:
            messages.error(request, _("产业不存在。"))
            return
    base = ComparableBase.objects.filter(period=period, industry=industry).first()
    who = industry.name if industry else _("全市")
    try:
        if action == "delete":
            if base is not None:
                services.comparable_base_delete(user=user, base=base)
                messages.success(request, _("已删除 %(who)s 的可比口径。") % {"who": who})
            return
        if action != "save":
            messages.error(request, _("未知的操作。"))
            return
        try:
            amount = parse_amount(request.POST.get("prior_ytd", ""))
        except AmountError as exc:
            messages.error(request, f"{who}：{exc.message}")
            return
        services.comparable_base_save(user=user, period=period, industry=industry, prior_ytd=amount, base=base)
        messages.success(request, _("已保存 %(who)s 的可比口径。") % {"who": who})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))


@login_required
@require_http_methods(["GET", "POST"])
def comparable_bases(request):
    """GET ?period=YYYY-MM (default the dashboard's period); POST: save or delete one row's base."""
    if not access.is_commission(request.user):
        raise PermissionDenied(_("只有发改委可以填写可比口径。"))
    period = parse_period_param(request.GET.get("period"), stats_default_period(today()), request=request)
    if request.method == "POST":
        _post(request, period)
        return redirect(f"{reverse('web:comparable')}?period={period:%Y-%m}")
    figures = industry_growth(period=period)
    bases = dict(ComparableBase.objects.filter(period=period).values_list("industry_id", "prior_ytd"))
    rows = [{**figures["city"], "name": _("全市"), "industry_id": None, "depth": 0, "is_city": True}]
    rows += figures["industries"]
    for row in rows:
        row["base"] = bases.get(row["industry_id"])
    return render(
        request,
        "projects/comparable.html",
        {
            "period": period,
            "period_str": f"{period:%Y-%m}",
            "closed": period_is_closed(period),
            "rows": rows,
            "source": figures.get("source"),
        },
    )
