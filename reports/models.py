"""The weekly delay report (每周滞后项目通报): one row per ISO week, its files, its earlier
revisions and the mails sent for it.

Exactly-once rests on constraints, not on care: `WeeklyReport.week` is unique, and a
`ReportDelivery` is unique per (report, revision, recipient), so a second run, a beat firing
twice or a Celery retry can neither create a second report nor mail anybody twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parks.models import Park


def report_upload_to(instance, filename: str) -> str:  # pragma: no cover - names are set by services
    return f"weekly/{filename}"


class WeeklyReport(models.Model):
    """The report of one ISO week, as of that week's Monday (Asia/Shanghai)."""

    week = models.CharField(_("周次"), max_length=8, unique=True, help_text="YYYY-Www (ISO 8601)")
    as_of = models.DateField(_("统计日期"))
    revision = models.PositiveIntegerField(_("版本"), default=1)
    generated_at = models.DateTimeField(_("生成时间"))
    xlsx = models.FileField(_("Excel文件"), upload_to=report_upload_to, max_length=255)
    pdf = models.FileField(_("PDF文件"), upload_to=report_upload_to, max_length=255)
    html = models.FileField(_("网页版"), upload_to=report_upload_to, max_length=255)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)

    class Meta:
        verbose_name = _("每周滞后通报")
        verbose_name_plural = _("每周滞后通报")
        ordering = ["-as_of"]
        constraints = [
            models.CheckConstraint(condition=Q(week__regex=r"^\d{4}-W\d{2}$"), name="weekly_report_week_format"),
        ]

    def __str__(self) -> str:
        return f"{self.week} r{self.revision}"


class WeeklyReportSection(models.Model):
    """One park's section (the park and its sub-parks) of one revision of a report: what that
    park's administrators are mailed and may download."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="sections")
    park = models.ForeignKey(Park, verbose_name=_("园区"), on_delete=models.CASCADE, related_name="+")
    xlsx = models.FileField(_("Excel文件"), upload_to=report_upload_to, max_length=255)
    pdf = models.FileField(_("PDF文件"), upload_to=report_upload_to, max_length=255)
    html = models.FileField(_("网页版"), upload_to=report_upload_to, max_length=255)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)

    class Meta:
        verbose_name = _("园区分报告")
        verbose_name_plural = _("园区分报告")
        constraints = [
            models.UniqueConstraint(fields=["report", "park"], name="weekly_section_one_per_park"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.park}"


class WeeklyReportRevision(models.Model):
    """The record of a revision that a forced regeneration replaced (its files stay on disk
    under their own revision directory)."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("版本"))
    generated_at = models.DateTimeField(_("生成时间"))
    replaced_at = models.DateTimeField(_("被替换时间"))
    xlsx = models.CharField(_("Excel文件"), max_length=255)
    pdf = models.CharField(_("PDF文件"), max_length=255)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)

    class Meta:
        verbose_name = _("通报历史版本")
        verbose_name_plural = _("通报历史版本")
        ordering = ["report", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["report", "revision"], name="weekly_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report.week} r{self.revision}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class ReportDelivery(models.Model):
    """One mail of one revision to one recipient. Created with the report in its transaction,
    sent after the commit; claimed by a guarded update before sending so that two workers never
    send the same mail."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="deliveries")
    revision = models.PositiveIntegerField(_("版本"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(_("邮箱"))
    park = models.ForeignKey(
        Park, verbose_name=_("园区"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("通报发送记录")
        verbose_name_plural = _("通报发送记录")
        ordering = ["report", "revision", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "revision", "recipient"], name="weekly_delivery_once"),
        ]
        indexes = [models.Index(fields=["status"], name="weekly_delivery_status")]

    def __str__(self) -> str:
        return f"{self.report.week} r{self.revision} → {self.email}"


class ReportReminder(models.Model):
    """One 催报 mail (reports.reminders): to one park's administrators (`park` set: the missing
    and returned reports of that park and its sub-parks) or the commission's summary (`park`
    null), for one month and one step of the schedule (`step`: days from the due date, −3, 0,
    3, 6, …). Unique per (period, step, park) — and per (period, step) for the summary — so a
    second run, a beat firing twice or a retry can never mail the same list twice; written in
    the run's transaction, claimed by a guarded update and sent after the commit, as the weekly
    report's deliveries. `items` is what the mail lists, frozen when the row is written."""

    period = models.DateField(_("报告期"), help_text=_("月份，存为当月1日"))
    step = models.SmallIntegerField(_("催报节点（距截止日天数）"))
    park = models.ForeignKey(
        Park, verbose_name=_("园区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipients = models.JSONField(_("收件人"), default=list)
    items = models.JSONField(_("所列项目"), default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    run = models.CharField(_("生成批次"), max_length=32, blank=True, help_text=_("写入该行的那次运行"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("催报邮件")
        verbose_name_plural = _("催报邮件")
        ordering = ["-period", "step", "park_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "step", "park"], condition=Q(park__isnull=False), name="reminder_once_per_park"
            ),
            models.UniqueConstraint(
                fields=["period", "step"], condition=Q(park__isnull=True), name="reminder_once_summary"
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="reminder_period_first_of_month"),
        ]
        indexes = [models.Index(fields=["period", "step", "status"], name="reminder_period_step_status")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.step:+d} {self.park or '—'}"
