"""The review of monthly reports and the closing of a month (CONTRACT v2, "Report review" and
"Period close"). Called through `projects.services` (report_review_submit, report_return,
report_approve, reports_approve, period_close, period_reopen); every door (API, web) calls those.

The steps:

    draft ──submit──▶ submitted ──approve──▶ approved
    returned ─submit─▶    │  ▲                  │
       ▲                  └──┴─────return───────┘
       └──────────────────────(with a reason)

Each step is a guarded update on the status the caller read (``UPDATE … WHERE id = … AND status =
old``): of two reviewers acting on the same report at once exactly one changes it (the other's
update matches no row and is a 409), so the report ends in one state with one history row per
step that happened. The history row (simple_history) is written for exactly the rows updated,
with the step as its change reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.exceptions import Conflict
from common.periods import PeriodError, parse_period
from common.text import LONG_TEXT_RULE
from parks import access

from . import rules
from .models import InvestmentReport, PeriodClose, ReportStatus
from .selectors import can_write_park
from .signals import reports_changed

# Which status each step starts from (the contract's steps) and where it goes.
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((ReportStatus.DRAFT, ReportStatus.RETURNED), ReportStatus.SUBMITTED),
    "return": ((ReportStatus.SUBMITTED, ReportStatus.APPROVED), ReportStatus.RETURNED),
    "approve": ((ReportStatus.SUBMITTED,), ReportStatus.APPROVED),
}

# The change reasons in the history (short: simple_history keeps 100 characters).
CHANGE_REASONS = {
    "submit": gettext_noop("报送"),
    "return": gettext_noop("退回"),
    "approve": gettext_noop("审核通过"),
    "draft": gettext_noop("保存草稿"),
    "correct": gettext_noop("关账后更正"),
}

STEP_NOT_ALLOWED = gettext_noop("该月报当前状态为“%(status)s”，不能%(step)s。")
STEP_CHANGED_MEANWHILE = gettext_noop(
    "该月报的状态已被他人同时修改（现为“%(status)s”），本次操作未执行，请刷新后重试。"
)
REVIEW_COMMISSION_ONLY = gettext_noop("只有发改委可以审核或退回月报。")
STEP_NOT_WRITABLE = gettext_noop("您无权报送该项目的月报。")
REASON_REQUIRED = gettext_noop("请填写退回原因。")
APPROVED_LOCKED = gettext_noop("该月报已审核通过，园区不能再修改；如需更正，请联系发改委退回。")
PERIOD_CLOSED = gettext_noop("%(period)s 已关账，园区不能再新增、修改或报送该月的月报；如需更正，请联系发改委。")
PERIOD_CLOSED_REVIEW = gettext_noop("%(period)s 已关账，不能再审核或退回该月的月报；如需调整，请先重新开账。")
CORRECTION_REASON_REQUIRED = gettext_noop("%(period)s 已关账：发改委更正该月月报须填写更正原因。")
CLOSE_COMMISSION_ONLY = gettext_noop("只有发改委可以关账或重新开账。")
CLOSE_FUTURE = gettext_noop("%(period)s 尚未结束，不能关账（最近可关账的月份为 %(last)s）。")
ALREADY_CLOSED = gettext_noop("%(period)s 已经关账。")
NOT_CLOSED = gettext_noop("%(period)s 未关账，无需重新开账。")

STEP_NAMES = {"submit": gettext_noop("报送"), "return": gettext_noop("退回"), "approve": gettext_noop("审核通过")}


def _status_label(status: str) -> str:
    return str(ReportStatus(status).label)


def _month(period: dt.date) -> str:
    return period.strftime("%Y-%m")


# --- Closed months: the one check every writing service calls ----------------------------


def clean_reason(field: str, value, *, required_message: str) -> str:
    """A free-text reason (return, correction): not only spaces, by the long-text rule; else a 400
    on `field`."""
    cleaned = value.strip() if isinstance(value, str) else ""
    if not cleaned:
        raise ValidationError({field: [required_message]})
    try:
        LONG_TEXT_RULE(cleaned)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return cleaned


def closed_periods(periods: Sequence[dt.date]) -> set[dt.date]:
    """Which of `periods` are closed: one query whatever their number."""
    months = {p.replace(day=1) for p in periods if p is not None}
    if not months:
        return set()
    return set(PeriodClose.objects.filter(period__in=months, closed=True).values_list("period", flat=True))


def check_closed_write(*, user, periods: Sequence[dt.date], correction_reason: str | None) -> str:
    """A write (create, change, submit) touching `periods`: a park admin into a closed month is a
    409 {"period"}; the commission needs a non-empty correction reason (400 on
    `correction_reason`). Returns the cleaned reason ("" when no closed month is touched)."""
    closed = sorted(closed_periods(periods))
    if not closed:
        return ""
    month = _month(closed[0])
    if not access.is_commission(user):
        raise Conflict("period", _(PERIOD_CLOSED) % {"period": month}, code="period_closed")
    return clean_reason(
        "correction_reason", correction_reason, required_message=_(CORRECTION_REASON_REQUIRED) % {"period": month}
    )


def check_not_approved_for_park(*, user, report: InvestmentReport) -> None:
    """A park admin may change its report while draft, submitted or returned; approved: 409."""
    if report.status == ReportStatus.APPROVED and not access.is_commission(user):
        raise Conflict("status", _(APPROVED_LOCKED), code="approved")


# --- The steps -------------------------------------------------------------------------------


def _check_step_role(user, step: str, report: InvestmentReport) -> None:
    if step == "submit":
        if not can_write_park(user, report.project.park_id):
            raise PermissionDenied(_(STEP_NOT_WRITABLE))
    elif not access.is_commission(user):
        raise PermissionDenied(_(REVIEW_COMMISSION_ONLY))


def _write_history(reports: list[InvestmentReport], *, user, step: str) -> None:
    InvestmentReport.history.bulk_history_create(
        reports, update=True, default_user=user, default_change_reason=_(CHANGE_REASONS[step])
    )


def _after_step(project_ids) -> None:
    """Figures follow the status (a returned report stops counting): the project's investment
    status is refreshed once the step is committed, as after an edit (scheduling listens)."""
    reports_changed.send(sender=InvestmentReport, project_ids=sorted(set(project_ids)))


@transaction.atomic
def report_step(*, user, report: InvestmentReport, step: str, reason: str | None = None) -> InvestmentReport:
    """One step of the review (`submit`, `return`, `approve`) on `report` as the caller read it.

    1. Role: submit its park's admin or the commission; return and approve the commission (403).
    2. Status: the step must start from the report's status (409 {"status"}).
    3. Return needs a reason that is not only spaces (400 {"reason"}).
    4. A closed month: a park admin's submit is a 409 {"period"}; no review step either (reopen
       first): the published figures stay as they were closed.
    5. The guarded update on the status read; no row changed → someone else moved it (409).
    6. One history row, the project's investment status refreshed after commit."""
    if step not in STEPS:
        raise ValueError(step)
    _check_step_role(user, step, report)
    sources, target = STEPS[step]
    old = report.status
    if old not in sources:
        raise Conflict(
            "status",
            _(STEP_NOT_ALLOWED) % {"status": _status_label(old), "step": _(STEP_NAMES[step])},
            code="status",
        )
    values: dict = {"status": target, "updated_at": timezone.now()}
    if step == "return":
        cleaned = clean_reason("reason", reason, required_message=_(REASON_REQUIRED))
        values |= {"return_reason": cleaned, "reviewed_by": user, "reviewed_at": values["updated_at"]}
    elif step == "approve":
        values |= {"return_reason": "", "reviewed_by": user, "reviewed_at": values["updated_at"]}
    else:  # submit: resubmitting clears the reason of the return
        values |= {"return_reason": ""}
        if access.is_park_admin(user) or not report.submitted_by_id:
            values["submitted_by"] = user
    if rules.period_is_closed(report.period):
        if step == "submit" and not access.is_commission(user):
            raise Conflict("period", _(PERIOD_CLOSED) % {"period": _month(report.period)}, code="period_closed")
        raise Conflict("period", _(PERIOD_CLOSED_REVIEW) % {"period": _month(report.period)}, code="period_closed")
    changed = InvestmentReport.objects.filter(pk=report.pk, status=old).update(**values)
    if changed != 1:
        now = InvestmentReport.objects.filter(pk=report.pk).values_list("status", flat=True).first() or old
        raise Conflict("status", _(STEP_CHANGED_MEANWHILE) % {"status": _status_label(now)}, code="status")
    for key, value in values.items():
        setattr(report, key, value)
    _write_history([report], user=user, step=step)
    _after_step([report.project_id])
    return report


@transaction.atomic
def reports_approve(*, user, report_ids: Sequence[int], period: dt.date | None = None) -> list[InvestmentReport]:
    """Approve many submitted reports at once (the review page's checkboxes), set-based: the
    reports of `report_ids` that are still submitted (in `period` when given) are locked,
    updated with one guarded statement and given one history row each (one bulk insert). Those
    no longer submitted are left alone; returns the approved ones."""
    if not access.is_commission(user):
        raise PermissionDenied(_(REVIEW_COMMISSION_ONLY))
    ids = sorted({int(pk) for pk in report_ids})
    if not ids:
        return []
    pending = InvestmentReport.objects.filter(pk__in=ids, status=ReportStatus.SUBMITTED)
    if period is not None:
        pending = pending.filter(period=period)
    pending = pending.exclude(rules.closed_q())
    locked = list(pending.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not locked:
        return []
    now = timezone.now()
    InvestmentReport.objects.filter(pk__in=locked, status=ReportStatus.SUBMITTED).update(
        status=ReportStatus.APPROVED, return_reason="", reviewed_by=user, reviewed_at=now, updated_at=now
    )
    approved = list(InvestmentReport.objects.filter(pk__in=locked, status=ReportStatus.APPROVED, reviewed_at=now))
    _write_history(approved, user=user, step="approve")
    _after_step([r.project_id for r in approved])
    return approved


# --- Period close ----------------------------------------------------------------------------


def _check_close_role(user) -> None:
    if not access.is_commission(user):
        raise PermissionDenied(_(CLOSE_COMMISSION_ONLY))


def parse_close_period(value) -> dt.date:
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise ValidationError({"period": [exc.message]}) from None


@transaction.atomic
def period_close(*, user, period: dt.date | str, today: dt.date | None = None) -> PeriodClose:
    """Close a month (关账): park admins can no longer write its reports. A month that has not
    ended yet is refused (400 {"period"}); closing a closed month is a 409 {"period"}."""
    _check_close_role(user)
    month = parse_close_period(period)
    today = today or timezone.localdate()
    last = rules.last_full_month(today)
    if month > last:
        raise ValidationError({"period": [_(CLOSE_FUTURE) % {"period": _month(month), "last": _month(last)}]})
    row = PeriodClose.objects.select_for_update().filter(period=month).first()
    if row is not None and row.closed:
        raise Conflict("period", _(ALREADY_CLOSED) % {"period": _month(month)}, code="closed")
    row = row or PeriodClose(period=month)
    row.closed, row.closed_at, row.closed_by = True, timezone.now(), user
    row._history_user = user
    row._change_reason = "close"
    row.save()
    return row


@transaction.atomic
def period_reopen(*, user, period: dt.date | str) -> PeriodClose:
    """Reopen a closed month; the row stays (closed=False) so `periods/` lists it."""
    _check_close_role(user)
    month = parse_close_period(period)
    row = PeriodClose.objects.select_for_update().filter(period=month).first()
    if row is None or not row.closed:
        raise Conflict("period", _(NOT_CLOSED) % {"period": _month(month)}, code="not_closed")
    row.closed, row.reopened_at, row.reopened_by = False, timezone.now(), user
    row._history_user = user
    row._change_reason = "reopen"
    row.save()
    return row
