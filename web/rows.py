"""Pieces shared by the table rows the views draw in Python (the `*_rows_html` functions of
web/views/): the same text the templates' tags and filters gave, each value escaped as
autoescape does. Each caller's rows are tested byte for byte against the template loop they
replaced (tests/web/test_*_rows.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.translation import gettext as _

_SENTINEL = 987654321987


def around_pk(name: str) -> tuple[str, str]:
    """The escaped text before and after the primary key in `{% url name pk %}`, so a row's
    link is head + pk + tail without a reverse() per row."""
    head, tail = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    return conditional_escape(head), conditional_escape(tail)


def csrf_input(token) -> str:
    """What `{% csrf_token %}` renders for the context's `csrf_token` ('' without one)."""
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{conditional_escape(token)}">'


def ymd(day) -> str:
    """`{{ day|date:"Y-m-d" }}` ('' for none)."""
    return day.isoformat() if day else ""


def report_status_html(report, statuses: dict) -> str:
    """projects/_report_status.html of one report (`statuses`: value → escaped label): its
    status badge, the return reason and the correction reason."""
    esc = conditional_escape
    st = esc(report.status)
    out = f'<span class="badge rs-{st}" data-status="{st}">{statuses.get(report.status, st)}</span>'
    if report.status == "returned" and report.return_reason:
        out += (
            f'\n<div class="return-reason" data-testid="return-reason"><b>{esc(_("退回原因："))}</b>'
            f'<span class="pre">{esc(report.return_reason)}</span></div>'
        )
    if report.correction_reason:
        out += (
            f'\n<div class="correction-reason"><b>{esc(_("关账后更正原因："))}</b>'
            f'<span class="pre">{esc(report.correction_reason)}</span></div>'
        )
    return out + "\n"
