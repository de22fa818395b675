"""Milestones and their countdown schedules, delay records, growth snapshots.

Dates are calendar days in Asia/Shanghai (`DateField`); timestamps are aware datetimes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.dates import validate_date_in_range
from common.money import WAN_DIGITS, AmountModelField
from common.periods import PeriodError, check_period
from common.text import TextRule
from parks.models import Industry
from projects.models import Project, who_field


class MilestoneKind(models.TextChoices):
    SIGNING = "signing", _("签约")
    LAND = "land", _("供地")
    LAND_USE_PERMIT = "land_use_permit", _("用地规划许可证")
    PLANNING_PERMIT = "planning_permit", _("工程规划许可证")
    CONSTRUCTION_PERMIT = "construction_permit", _("施工许可证")
    PROPERTY_CERTIFICATE = "property_certificate", _("不动产权证书")
    CONSTRUCTION_START = "construction_start", _("开工")
    TOPPING_OUT = "topping_out", _("主体完工")
    COMPLETION = "completion", _("竣工验收")
    PRODUCTION_START = "production_start", _("投产")
    FULL_CAPACITY = "full_capacity", _("达效")
    OTHER = "other", _("其他")


# The order the nodes of a project must keep (same day allowed: 拿地即开工, 四证齐发).
# The four permits share one rank: they may come in any order among themselves.
MILESTONE_RANK: dict[str, int] = {
    MilestoneKind.SIGNING: 1,
    MilestoneKind.LAND: 2,
    MilestoneKind.LAND_USE_PERMIT: 3,
    MilestoneKind.PLANNING_PERMIT: 3,
    MilestoneKind.CONSTRUCTION_PERMIT: 3,
    MilestoneKind.PROPERTY_CERTIFICATE: 3,
    MilestoneKind.CONSTRUCTION_START: 4,
    MilestoneKind.TOPPING_OUT: 5,
    MilestoneKind.COMPLETION: 6,
    MilestoneKind.PRODUCTION_START: 7,
    MilestoneKind.FULL_CAPACITY: 8,
}


def milestone_label(kind: str | None, name: str | None = "") -> str:
    """How a node is called: its name, else its kind's label. An “other” node (or a record
    without a kind) is only its name, never the word “其他”. Every label of a node (model,
    delay record, pages, report) comes from here."""
    if kind == MilestoneKind.OTHER or not kind:
        return name or ""
    if name:
        return name
    try:  # the member's label (dict(MilestoneKind.choices) was rebuilt on every call: 0.3 ms)
        return str(MilestoneKind(kind).label)
    except ValueError:
        return kind


def order_conflicts(items, field: str) -> dict[int, tuple[object, bool]]:
    """The nodes of `items` whose `field` date breaks MILESTONE_RANK: {index: (other, early)}
    with the first node it conflicts with, `early` True when it comes before a node that must
    precede it, False when after a node that must follow it (then only if it does not come too
    early as well). Items have `kind` and the date `field`; nodes of the same rank, an “other”
    node or a missing date never conflict. The one order check of both rules below."""
    found: dict[int, tuple[object, bool]] = {}
    for i, a in enumerate(items):
        rank_a, date_a = MILESTONE_RANK.get(a.kind), getattr(a, field)
        if rank_a is None or date_a is None:
            continue
        late = None
        for b in items:
            rank_b, date_b = MILESTONE_RANK.get(b.kind), getattr(b, field)
            if rank_b is None or date_b is None:
                continue
            if rank_b < rank_a and date_a < date_b:
                found[i] = (b, True)
                break
            if late is None and rank_b > rank_a and date_a > date_b:
                late = b
        if i not in found and late is not None:
            found[i] = (late, False)
    return found


def milestone_order_errors(items) -> dict[int, dict[str, str]]:
    """The order rule of planned dates (a plan must keep the nodes' order).

    `items` is a sequence of objects with `kind` and `planned_date`. Returns
    {index: {"planned_date": message}} for each item planned before a node that must precede it;
    empty when the plan is consistent. Used by the model, the forms, the API and the template
    service so the rule lives in one place. Actual dates are facts and are never refused: their
    order gives a warning (scheduling.rules.order_warnings)."""
    labels = dict(MilestoneKind.choices)
    errors: dict[int, dict[str, str]] = {}
    for i, (b, early) in order_conflicts(items, "planned_date").items():
        if early:
            a = items[i]
            errors[i] = {
                "planned_date": str(
                    _("“%(a)s”的日期（%(da)s）不能早于“%(b)s”（%(db)s）。")
                    % {
                        "a": labels[a.kind],
                        "da": a.planned_date.isoformat(),
                        "b": labels[b.kind],
                        "db": b.planned_date.isoformat(),
                    }
                )
            }
    return errors


class Milestone(models.Model):
    """A node of a project's timetable. `baseline_date` is the first planned date ever set and
    never moves, so the slip (planned − baseline) is always visible."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("节点类型"), max_length=32, choices=MilestoneKind.choices)
    name = models.CharField(
        _("节点名称"), max_length=100, blank=True, help_text=_("类型为“其他”时必填"), validators=[TextRule()]
    )
    planned_date = models.DateField(_("计划日期"), validators=[validate_date_in_range])
    baseline_date = models.DateField(_("基线日期"), editable=False, help_text=_("首次计划日期，调整计划后保留"))
    actual_date = models.DateField(_("实际完成日期"), null=True, blank=True, validators=[validate_date_in_range])
    sequence = models.PositiveSmallIntegerField(_("顺序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["project_id", "planned_date", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="other") | ~Q(name=""), name="milestone_other_has_name"),
        ]
        indexes = [
            # The delay scan: open milestones by planned date; with the id, the dashboard's first
            # due-soon nodes in their order (planned date, id) stop at the LIMIT (no sort of the
            # window's nodes).
            models.Index(
                fields=["planned_date", "id"], name="milestone_open_planned", condition=Q(actual_date__isnull=True)
            ),
            # The dashboard's overdue counts (web.views.dashboard): the open nodes planned before a
            # day with their project, by an index-only scan (no visit of the milestone rows).
            models.Index(
                fields=["planned_date"],
                name="milestone_open_planned_project",
                include=["project"],
                condition=Q(actual_date__isnull=True),
            ),
            models.Index(fields=["project", "kind"]),
            # Finished projects (rules.finished_q): the projects with a node still open.
            models.Index(fields=["project"], name="milestone_open_project", condition=Q(actual_date__isnull=True)),
            models.Index(
                fields=["actual_date", "project"],
                name="milestone_actual_project",
                condition=Q(actual_date__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return milestone_label(self.kind, self.name)

    def clean(self):
        super().clean()
        if self.kind == MilestoneKind.OTHER and not (self.name or "").strip():
            raise ValidationError({"name": _("节点类型为“其他”时必须填写节点名称。")})
        if self.project_id and self.planned_date:
            siblings = list(Milestone.objects.filter(project_id=self.project_id).exclude(pk=self.pk))
            errors = milestone_order_errors([self, *siblings])
            if 0 in errors:
                raise ValidationError(errors[0])
            # The other direction: this node now falls after a node that must follow it (开工
            # moved past 竣工验收) — a sibling that was in order is not any more. Siblings that
            # were already out of order (old data) do not block an unrelated edit.
            before = milestone_order_errors(siblings)
            labels = dict(MilestoneKind.choices)
            for index, fields in errors.items():
                sibling = siblings[index - 1]
                for field in sorted(set(fields) - set(before.get(index - 1, {}))):
                    raise ValidationError(
                        {
                            field: _("“%(a)s”的日期（%(da)s）不能晚于“%(b)s”（%(db)s）。")
                            % {
                                "a": labels.get(self.kind, self.kind),
                                "da": getattr(self, field).isoformat(),
                                "b": labels.get(sibling.kind, sibling.kind),
                                "db": getattr(sibling, field).isoformat(),
                            }
                        }
                    )

    def save(self, *args, **kwargs):
        if self.baseline_date is None:
            self.baseline_date = self.planned_date
        super().save(*args, **kwargs)


class DurationUnit(models.TextChoices):
    CALENDAR = "calendar", _("自然日")
    WORKING = "working", _("工作日")


class ScheduleTemplate(models.Model):
    """A standard backward schedule (倒排工期) for a type of project."""

    name = models.CharField(_("模板名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    target_kind = models.CharField(
        _("目标节点"), max_length=32, choices=MilestoneKind.choices, default=MilestoneKind.PRODUCTION_START
    )

    class Meta:
        verbose_name = _("倒排工期模板")
        verbose_name_plural = _("倒排工期模板")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateStep(models.Model):
    """One node of a template: how long before the target date it falls."""

    template = models.ForeignKey(
        ScheduleTemplate, verbose_name=_("模板"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("节点类型"), max_length=32, choices=MilestoneKind.choices)
    name = models.CharField(_("节点名称"), max_length=100, blank=True)
    offset = models.PositiveIntegerField(_("距目标日期"), help_text=_("在目标日期之前多少天"))
    unit = models.CharField(_("单位"), max_length=16, choices=DurationUnit.choices, default=DurationUnit.CALENDAR)

    class Meta:
        verbose_name = _("模板节点")
        verbose_name_plural = _("模板节点")
        ordering = ["template", "-offset"]

    def __str__(self) -> str:
        return f"{self.template}: {self.get_kind_display()} −{self.offset}"


class Holiday(models.Model):
    """A day the commission enters for a year the chinese-calendar package does not know yet:
    a holiday (is_workday False) or a weekend day that becomes a working day (调休)."""

    date = models.DateField(_("日期"), unique=True, validators=[validate_date_in_range])
    name = models.CharField(_("名称"), max_length=50, blank=True)
    is_workday = models.BooleanField(_("调休上班"), default=False)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SchedulingSettings(models.Model):
    """The commission's thresholds (one row, pk=1)."""

    red_after_days = models.PositiveIntegerField(_("红色滞后阈值（天）"), default=31, validators=[MinValueValidator(2)])
    due_soon_days = models.PositiveIntegerField(_("临期提醒（天）"), default=14)
    problem_red_after_days = models.PositiveIntegerField(
        _("督办问题红色超期阈值（天）"),
        default=8,
        validators=[MinValueValidator(2)],
        help_text=_("督办问题超过办结时限达到该天数为红色，之前为黄色"),
    )
    invest_yellow_pct = models.DecimalField(
        _("投资偏慢阈值（%）"),
        max_digits=5,
        decimal_places=2,
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    invest_red_pct = models.DecimalField(
        _("投资严重滞后阈值（%）"),
        max_digits=5,
        decimal_places=2,
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    spend_ahead_pp = models.DecimalField(
        _("投资与形象进度不匹配阈值（百分点）"),
        max_digits=5,
        decimal_places=2,
        default=15,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("累计完成投资占总投资的比例超过节点完成比例多少个百分点时预警"),
    )

    class Meta:
        verbose_name = _("预警阈值")
        verbose_name_plural = _("预警阈值")

    def __str__(self) -> str:
        return str(_("预警阈值"))

    @classmethod
    def load(cls) -> SchedulingSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Severity(models.TextChoices):
    YELLOW = "yellow", _("黄色")
    RED = "red", _("红色")


class CloseReason(models.TextChoices):
    COMPLETED = "completed", _("已完成")
    REPLANNED = "replanned", _("已调整计划")
    ARCHIVED = "archived", _("项目已归档")
    DELETED = "deleted", _("节点已删除")


class DelayRecord(models.Model):
    """The life of one delay of one milestone: opened the first day it was found overdue,
    updated while it stays overdue, closed when it is completed or replanned. At most one open
    record per milestone (a partial unique index), so concurrent runs cannot duplicate it.

    History is never lost: the record keeps its project and the node's kind and name, so when
    the milestone itself is deleted the record stays (milestone set to null) and is closed with
    reason “deleted”."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("节点"), null=True, blank=True, on_delete=models.SET_NULL, related_name="delays"
    )
    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="delays")
    kind = models.CharField(_("节点类型"), max_length=32, choices=MilestoneKind.choices, blank=True)
    name = models.CharField(_("节点名称"), max_length=100, blank=True)
    planned_date = models.DateField(_("计划日期"))
    opened_on = models.DateField(_("首次逾期日期"))
    last_seen_on = models.DateField(_("最近检查日期"))
    days_overdue = models.PositiveIntegerField(_("逾期天数"))
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=16, blank=True, choices=CloseReason.choices)

    # On PostgreSQL the table keeps half of each page free (fillfactor 50, migration
    # 0014_delay_record_fillfactor): flag_delays updates every open record daily, in place.
    class Meta:
        verbose_name = _("滞后记录")
        verbose_name_plural = _("滞后记录")
        ordering = ["-opened_on", "milestone"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(closed_on__isnull=True), name="delay_one_open_per_milestone"
            ),
            models.CheckConstraint(
                condition=(Q(closed_on__isnull=True) & Q(close_reason=""))
                | (Q(closed_on__isnull=False) & ~Q(close_reason="")),
                name="delay_closed_has_reason",
            ),
        ]
        indexes = [
            # The weekly report: what opened and what closed in a week.
            models.Index(fields=["opened_on"], name="delay_opened_on"),
            models.Index(fields=["closed_on"], name="delay_closed_on"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} +{self.days_overdue}"

    @property
    def display_name(self) -> str:
        return milestone_label(self.kind, self.name)

    def save(self, *args, **kwargs):
        # Rows written through the ORM (admin, tests) get the same copies the job's SQL writes.
        if self.milestone_id and (self.project_id is None or not self.kind):
            self.project_id = self.milestone.project_id
            self.kind = self.milestone.kind
            self.name = self.milestone.name
        super().save(*args, **kwargs)


class PriorSource(models.TextChoices):
    """Where a growth figure's base (上年同期) comes from."""

    REPORTS = "reports", _("月报汇总")
    COMPARABLE = "comparable", _("可比口径")


class ComparableBase(models.Model):
    """可比口径: a comparable prior-year year-to-date figure the commission enters for one period
    and one industry (or the city, industry null). Where one exists the growth figures use it as
    that row's `prior_ytd` (scheduling.selectors.compute_growth_figures); every change is kept."""

    period = models.DateField(_("报告期"), help_text=_("月份，存为当月1日"))
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("产业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全市"),
    )
    prior_ytd = AmountModelField(_("可比上年同期（万元）"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = who_field(_("填写人"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("可比口径")
        verbose_name_plural = _("可比口径")
        ordering = ["-period", "industry_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "industry"],
                condition=Q(industry__isnull=False),
                name="comparable_base_one_per_industry",
            ),
            models.UniqueConstraint(
                fields=["period"], condition=Q(industry__isnull=True), name="comparable_base_one_for_city"
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="comparable_base_first_of_month"),
            models.CheckConstraint(condition=Q(prior_ytd__gte=0), name="comparable_base_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.industry or _('全市')}"

    def clean(self):
        super().clean()
        if self.period:
            try:
                self.period = check_period(self.period)
            except PeriodError as exc:
                raise ValidationError({"period": [exc.message]}, code=exc.code) from None


class GrowthSnapshot(models.Model):
    """The city's investment growth for one period (YYYY-MM), recomputed nightly."""

    period = models.DateField(_("报告期"), unique=True)
    computed_at = models.DateTimeField(_("计算时间"))
    ytd = models.DecimalField(_("本年累计"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    prior_ytd = models.DecimalField(_("上年同期"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    growth_pct = models.DecimalField(_("增速（%）"), max_digits=12, decimal_places=1, null=True)
    listed_investment = models.DecimalField(_("当年列入项目总投资"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    prior_listed_investment = models.DecimalField(_("上年列入项目总投资"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    listed_growth_pct = models.DecimalField(_("列入总投资增速（%）"), max_digits=12, decimal_places=1, null=True)
    prior_source = models.CharField(
        _("上年同期来源"), max_length=16, choices=PriorSource.choices, default=PriorSource.REPORTS, db_default="reports"
    )
    breakdowns = models.JSONField(_("分类汇总"), default=dict, blank=True)

    class Meta:
        verbose_name = _("投资增速快照")
        verbose_name_plural = _("投资增速快照")
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}"


class IndustryGrowth(models.Model):
    # The figures of one industry's row, in the order the statistics API and the admin show them.
    FIGURES = [
        "ytd",
        "prior_ytd",
        "growth_pct",
        "diff_pp",
        "project_count",
        "listed_investment",
        "prior_listed_investment",
        "listed_growth_pct",
        "prior_source",
    ]

    snapshot = models.ForeignKey(GrowthSnapshot, on_delete=models.CASCADE, related_name="industries")
    industry = models.ForeignKey(Industry, verbose_name=_("产业"), on_delete=models.CASCADE, related_name="+")
    ytd = models.DecimalField(_("本年累计"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    prior_ytd = models.DecimalField(_("上年同期"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    growth_pct = models.DecimalField(_("增速（%）"), max_digits=12, decimal_places=1, null=True)
    diff_pp = models.DecimalField(_("高于全市（百分点）"), max_digits=12, decimal_places=1, null=True)
    project_count = models.PositiveIntegerField(_("项目个数"))
    total_investment = models.DecimalField(_("项目总投资"), max_digits=WAN_DIGITS + 2, decimal_places=2, default=0)
    listed_investment = models.DecimalField(_("当年列入项目总投资"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    prior_listed_investment = models.DecimalField(_("上年列入项目总投资"), max_digits=WAN_DIGITS + 2, decimal_places=2)
    listed_growth_pct = models.DecimalField(_("列入总投资增速（%）"), max_digits=12, decimal_places=1, null=True)
    prior_source = models.CharField(
        _("上年同期来源"), max_length=16, choices=PriorSource.choices, default=PriorSource.REPORTS, db_default="reports"
    )

    class Meta:
        verbose_name = _("产业投资增速")
        verbose_name_plural = _("产业投资增速")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "industry"], name="industry_growth_one_per_snapshot"),
        ]
