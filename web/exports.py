"""Spreadsheets only the web pages write: the project list as filtered on the page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from common.spreadsheets import safe_row


def projects_workbook(rows: Iterable[dict], *, today: dt.date) -> bytes:
    """The project list as filtered on the page; `rows` are dicts from the list queryset
    (`.values()`-like), so writing costs no further query."""
    import openpyxl

    headers = [
        _("项目ID"),
        _("项目代码"),
        _("项目名称"),
        _("建设单位"),
        _("所在园区"),
        _("所属产业"),
        _("项目级别"),
        _("列入年度"),
        _("建设阶段"),
        _("总投资（万元）"),
        _("节点状态"),
        _("下一节点"),
        _("计划日期"),
        _("倒计时（天）"),
    ]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("重点项目"))
    ws.append(safe_row(headers))
    for r in rows:
        next_date = r.get("next_date")
        ws.append(
            safe_row(
                [
                    r["id"],
                    r["code"] or "",
                    r["name"],
                    r["owner"],
                    r["park_name"],
                    r["industry_name"],
                    r["level_label"],
                    r["year"],
                    r["stage_label"],
                    r["total_investment"],
                    r["status_label"],
                    r["next_label"] or "",
                    next_date,
                    (next_date - today).days if next_date else None,
                ]
            )
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
