"""The comparable-base page (可比口径): one period's growth by industry and for the city, with the
base each row uses (月报汇总 or 可比口径), and a form per row for the commission to enter, change
or remove a comparable prior-year figure. Writes go through scheduling.services (the same rules,
history and snapshot refresh as the API and the admin). Constant number of statements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.money import AmountError, parse_amount
from parks import access
from parks.models import Industry
from projects.rules import period_is_closed, stats_default_period
from scheduling import services
from scheduling.models import ComparableBase
from scheduling.selectors import industry_growth
from web.forms import parse_period_param
from web.views.base import today


def _post(request, period) -> None:
    user, action = request.user, request.POST.get("action")
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
