"""Problem escalation (督办), CONTRACT v2 "Problem escalation": a problem of a project, raised by
its park, assigned by the commission to a responsible department with a deadline (交办), handled
by the park, confirmed (or reopened) by the commission.

    open ──assign──▶ assigned ──handle──▶ handled ──confirm──▶ confirmed
                     ▲   │ (reassign)        │
                     │   └───────────────────┘
                     └──────reopen (reason)──┘

The dispatch number (督办单号) is given at the first assignment, from a per-year counter row
locked with SELECT … FOR UPDATE (gap-free and unique under concurrent assignments); a
reassignment keeps it. Every change is in the history (simple_history: who, when, old → new)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.dates import validate_date_in_range
from common.text import LONG_TEXT, LONG_TEXT_RULE, TextRule
from projects.models import Project, who_field


class Department(models.Model):
    """A responsible department (自然资源和规划局, 住建局, 供电公司 …), kept by the commission."""

    name = models.CharField(_("部门名称"), max_length=100, unique=True, validators=[TextRule()])
    email = models.EmailField(_("联系邮箱"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任部门")
        verbose_name_plural = _("责任部门")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProblemCategory(models.TextChoices):
    LAND = "land", _("用地")
    FUNDS = "funds", _("资金")
    PERMITS = "permits", _("审批手续")
    UTILITIES = "utilities", _("水电气暖")
    DEMOLITION = "demolition", _("征地拆迁")
    OTHER = "other", _("其他")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待交办")
    ASSIGNED = "assigned", _("已交办")
    HANDLED = "handled", _("已办理")
    CONFIRMED = "confirmed", _("已确认办结")


class DispatchCounter(models.Model):
    """The last dispatch number given in a year (one row per year, locked while numbering)."""

    year = models.PositiveIntegerField(_("年度"), primary_key=True)
    last = models.PositiveIntegerField(_("最后序号"), default=0)

    class Meta:
        verbose_name = _("督办单号计数")
        verbose_name_plural = _("督办单号计数")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


def dispatch_label(year: int, seq: int) -> str:
    """The dispatch number as printed: 督办〔2026〕7号 is stored as "2026-0007"."""
    return f"{year}-{seq:04d}"


class Problem(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="problems")
    category = models.CharField(_("问题类别"), max_length=16, choices=ProblemCategory.choices)
    description = models.TextField(_("问题描述"), max_length=LONG_TEXT, validators=[LONG_TEXT_RULE])
    status = models.CharField(_("状态"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    deadline = models.DateField(_("办结时限"), null=True, blank=True, validators=[validate_date_in_range])
    dispatch_year = models.PositiveIntegerField(_("督办年度"), null=True, blank=True, editable=False)
    dispatch_seq = models.PositiveIntegerField(_("督办序号"), null=True, blank=True, editable=False)
    dispatch_no = models.CharField(_("督办单号"), max_length=16, null=True, blank=True, unique=True, editable=False)
    assigned_on = models.DateField(_("交办日期"), null=True, blank=True)
    assigned_by = who_field(_("交办人"))
    raised_on = models.DateField(_("提出日期"), validators=[validate_date_in_range])
    raised_by = who_field(_("提出人"))
    handled_on = models.DateField(_("办理日期"), null=True, blank=True, validators=[validate_date_in_range])
    handling_note = models.TextField(_("办理情况"), blank=True, max_length=LONG_TEXT, validators=[LONG_TEXT_RULE])
    handled_by = who_field(_("办理人"))
    confirmed_on = models.DateField(_("确认办结日期"), null=True, blank=True)
    confirmed_by = who_field(_("确认人"))
    reopen_reason = models.TextField(_("退回原因"), blank=True, max_length=LONG_TEXT, validators=[LONG_TEXT_RULE])
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("督办问题")
        verbose_name_plural = _("督办问题")
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispatch_year", "dispatch_seq"], name="problem_dispatch_seq_unique"),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=models.F("raised_on")),
                name="problem_deadline_after_raised",
            ),
        ]
        indexes = [
            # The overdue scan: unhandled problems by deadline.
            models.Index(fields=["deadline"], name="problem_open_deadline", condition=Q(handled_on__isnull=True)),
            models.Index(fields=["status", "deadline"], name="problem_status_deadline"),
            # The /problems/ page's order (deadline, raised_on, id): a page is read off the index.
            models.Index(fields=["deadline", "raised_on", "id"], name="problem_list_order"),
        ]

    def __str__(self) -> str:
        return self.dispatch_no or f"#{self.pk}"


class ProblemOverdue(models.Model):
    """One overdue episode of one problem: opened on its first overdue day (deadline + 1) the
    first night it is found overdue, closed when it is handled (on the handling day) or its
    deadline moves past the day or its project is archived (on the night's day). Only the
    start and the end are stored: the days overdue and the severity are derived when read
    (escalation.rules.episode_days, from the deadline), so a night writes only the episodes
    that open or close. At most one open episode per problem (partial unique index)."""

    problem = models.ForeignKey(Problem, verbose_name=_("督办问题"), on_delete=models.CASCADE, related_name="overdues")
    deadline = models.DateField(_("办结时限"))
    opened_on = models.DateField(_("首次超期日期"))
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("超期记录")
        verbose_name_plural = _("超期记录")
        ordering = ["-opened_on", "problem"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem"], condition=Q(closed_on__isnull=True), name="problem_one_open_overdue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem} {self.opened_on}"


class ProblemMailEvent(models.TextChoices):
    ASSIGNED = "assigned", _("交办通知")
    OVERDUE = "overdue", _("超期提醒")


class ProblemMail(models.Model):
    """One mail to a department about a problem: unique per problem, event and key (the
    department for an assignment, the overdue episode for a reminder), so a retry or a second
    worker never sends it twice."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="mails")
    event = models.CharField(_("事件"), max_length=16, choices=ProblemMailEvent.choices)
    key = models.CharField(_("键"), max_length=32)
    recipient = models.EmailField(_("收件人"))
    status = models.CharField(_("发送状态"), max_length=8, default="pending")
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办邮件")
        verbose_name_plural = _("督办邮件")
        constraints = [
            models.UniqueConstraint(fields=["problem", "event", "key"], name="problem_mail_once"),
        ]

    def __str__(self) -> str:
        return f"{self.problem} {self.event}"
